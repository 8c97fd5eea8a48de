// fake/src/action.cc
#include "bubble/fake/action.h"

#include <bubble/fake/tracker.h>
#include <bubble/runtime/patch.h>

namespace bubble::fake {

bool ResourceCovers(std::string_view filter, const Action& action) {
  if (filter == "*" || filter == action.resource.resource) {
    return true;
  }
  const auto slash = filter.find('/');
  return slash != std::string_view::npos && filter.substr(0, slash) == action.resource.resource &&
         filter.substr(slash + 1) == action.subresource;
}

Reaction ObjectReaction(Tracker& tracker, const Action& action) {
  const runtime::GroupVersionResource& gvr = action.resource;
  const std::string& ns = action.namespace_;
  auto object_result = [](runtime::Result<runtime::ObjectPtr> r) {
    return r ? Reaction::Handled(std::move(*r)) : Reaction::Failed(std::move(r.error()));
  };
  const std::string_view verb = action.verb;
  if (verb == kVerbGet) {
    return object_result(tracker.Get(gvr, ns, action.name));
  }
  if (verb == kVerbList) {
    runtime::Result<runtime::ObjectList> list = tracker.List(gvr, ns, action.list_options);
    return list ? Reaction::HandledList(std::move(*list))
                : Reaction::Failed(std::move(list.error()));
  }
  if (verb == kVerbCreate || verb == kVerbUpdate) {
    if (action.object == nullptr) {
      return Reaction::Failed(runtime::NewBadRequest(fmt::format("{} without an object", verb)));
    }
    if (verb == kVerbUpdate) {
      return object_result(tracker.Update(gvr, action.object, ns, action.subresource));
    }
    if (action.subresource.empty()) {
      return object_result(tracker.Create(gvr, action.object, ns));
    }
    // Create on a subresource (eviction, token...): an object of the parent's kind updates the
    // parent; anything else is returned as is and nothing is persisted.
    runtime::Result<runtime::ObjectPtr> parent = tracker.Get(gvr, ns, action.name);
    if (!parent) {
      return Reaction::Failed(std::move(parent.error()));
    }
    if ((*parent)->Kind() == action.object->Kind()) {
      return object_result(tracker.Update(gvr, action.object, ns));
    }
    return Reaction::Handled(action.object);
  }
  if (verb == kVerbPatch) {
    runtime::Result<runtime::ObjectPtr> current = tracker.Get(gvr, ns, action.name);
    if (!current) {
      return Reaction::Failed(std::move(current.error()));
    }
    runtime::Result<std::unique_ptr<runtime::Object>> patched =
        runtime::ApplyPatch(**current, action.patch_type, action.patch);
    if (!patched) {
      return Reaction::Failed(std::move(patched.error()));
    }
    if ((*patched)->metadata.name != action.name) {
      return Reaction::Failed(runtime::NewBadRequest(
          fmt::format("the name of the object ({}) does not match the name on the URL ({})",
                      (*patched)->metadata.name, action.name)));
    }
    return object_result(tracker.Patch(gvr, **patched, ns, action.subresource));
  }
  if (verb == kVerbDelete) {
    runtime::Result<void> ok = tracker.Delete(gvr, ns, action.name, action.delete_options);
    return ok ? Reaction::Handled() : Reaction::Failed(std::move(ok.error()));
  }
  if (verb == kVerbDeleteCollection && tracker.GetOptions().fidelity.delete_collection) {
    runtime::Result<void> ok = tracker.DeleteCollection(gvr, ns, action.list_options);
    return ok ? Reaction::Handled() : Reaction::Failed(std::move(ok.error()));
  }
  return Reaction::Unhandled();
}

WatchReaction DefaultWatchReaction(Tracker& tracker, const Action& action) {
  runtime::Result<runtime::WatchPtr> w =
      tracker.Watch(action.resource, action.namespace_, action.list_options);
  return w ? WatchReaction::Handled(std::move(*w)) : WatchReaction::Failed(std::move(w.error()));
}

}  // namespace bubble::fake

fmt::format_context::iterator fmt::formatter<bubble::fake::Action>::format(
    const bubble::fake::Action& a, format_context& ctx) const {
  auto out = fmt::format_to(ctx.out(), "{} {}", a.verb, a.resource);
  if (!a.subresource.empty()) {
    out = fmt::format_to(out, "/{}", a.subresource);
  }
  if (!a.name.empty()) {
    if (!a.namespace_.empty()) {
      out = fmt::format_to(out, " {}/{}", a.namespace_, a.name);
    } else {
      out = fmt::format_to(out, " {}", a.name);
    }
  } else {
    out = fmt::format_to(out, " {}", a.namespace_.empty() ? "(all)" : a.namespace_);
  }
  if (a.verb == bubble::fake::kVerbList || a.verb == bubble::fake::kVerbWatch ||
      a.verb == bubble::fake::kVerbDeleteCollection) {
    out = fmt::format_to(out, " {}", a.list_options);
  }
  if (a.verb == bubble::fake::kVerbPatch) {
    out = fmt::format_to(out, " {}", a.patch);
  }
  return out;
}
