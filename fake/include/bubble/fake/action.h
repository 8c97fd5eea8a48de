// fake/include/bubble/fake/action.h
//
// Actions and reactions: client-go's testing.Fake vocabulary (docs/semantics.md §1.6).
//
// Every call through the fake clientset becomes an Action (verb, resource, subresource,
// namespace, name, and the object / options / patch it carried). The clientset records a copy in
// Actions() and hands the reactor chain a separate copy: reactors may change their copy (later
// reactors see the change) but never the recorded one.
//
// A reactor is tried when its verb filter ("*" or the verb) and its resource filter
// (ResourceCovers) match. It returns a Reaction: handled = false passes to the next reactor;
// the first handled = true decides the result.
//
//   cs.PrependReactor("update", "leases", [](fake::Action& a) {
//     return fake::Reaction::Failed(runtime::NewConflict({"coordination.k8s.io", "leases"},
//                                                        a.name, "injected"));
//   });
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include <bubble/runtime/group_version.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/options.h>
#include <bubble/runtime/status.h>
#include <bubble/runtime/watch.h>

namespace bubble::fake {

// Verbs, as client-go spells them.
inline constexpr std::string_view kVerbGet = "get";
inline constexpr std::string_view kVerbList = "list";
inline constexpr std::string_view kVerbWatch = "watch";
inline constexpr std::string_view kVerbCreate = "create";
inline constexpr std::string_view kVerbUpdate = "update";
inline constexpr std::string_view kVerbPatch = "patch";
inline constexpr std::string_view kVerbDelete = "delete";
inline constexpr std::string_view kVerbDeleteCollection = "delete-collection";

struct Action {
  std::string verb{};
  runtime::GroupVersionResource resource{};
  std::string subresource{};  // "status" for UpdateStatus
  std::string namespace_{};
  // get, delete, patch: the name in the request; create, update: the object's name.
  std::string name{};
  // create, update: the object sent. Immutable: a reactor that wants another object replaces
  // the pointer (the recorded action keeps the original).
  runtime::ObjectPtr object{};
  // get.
  runtime::GetOptions get_options{};
  // list, watch, delete-collection.
  runtime::ListOptions list_options{};
  // patch.
  runtime::PatchType patch_type = runtime::PatchType::kMerge;
  std::string patch{};
  // delete, delete-collection.
  runtime::DeleteOptions delete_options{};

  // Go's action.Matches(verb, resource): same verb and same resource (any subresource).
  bool Matches(std::string_view want_verb, std::string_view want_resource) const {
    return verb == want_verb && resource.resource == want_resource;
  }
};

// Whether a reactor's resource filter covers `action` (client-go's resourceCovers):
// "*" covers everything; "pods" covers pods with any subresource; "pods/status" covers only
// pods with subresource "status".
bool ResourceCovers(std::string_view filter, const Action& action);

// What a reactor decided.
struct Reaction {
  bool handled = false;
  // get, create, update, patch: the object to return (null: an empty object of the kind).
  runtime::ObjectPtr object{};
  // list: the list to return.
  std::optional<runtime::ObjectList> list{};
  std::optional<runtime::Status> error{};

  // Not mine: try the next reactor.
  static Reaction Unhandled() { return {}; }

  static Reaction Handled(runtime::ObjectPtr obj = nullptr) {
    return {true, std::move(obj), std::nullopt, std::nullopt};
  }

  static Reaction HandledList(runtime::ObjectList l) {
    return {true, nullptr, std::move(l), std::nullopt};
  }

  static Reaction Failed(runtime::Status s) { return {true, nullptr, std::nullopt, std::move(s)}; }
};

struct WatchReaction {
  bool handled = false;
  runtime::WatchPtr watch{};
  std::optional<runtime::Status> error{};

  static WatchReaction Unhandled() { return {}; }

  static WatchReaction Handled(runtime::WatchPtr w) { return {true, std::move(w), std::nullopt}; }

  static WatchReaction Failed(runtime::Status s) { return {true, nullptr, std::move(s)}; }
};

using ReactionFunc = std::function<Reaction(Action&)>;
using WatchReactionFunc = std::function<WatchReaction(Action&)>;

class Tracker;

// The default reaction of every clientset (client-go's ObjectReaction(tracker)), appended as
// ("*", "*"): get, list, create (then the stored object), update (any subresource: a full
// replace unless Fidelity::status_subresource), patch (get, apply the patch, replace; NotFound
// if missing), delete. Anything else — delete-collection (unless
// Fidelity::delete_collection), unknown verbs — is not handled, so the call returns an empty
// result and no error (DeleteCollection is a silent no-op, as in client-go).
Reaction ObjectReaction(Tracker& tracker, const Action& action);
// The default watch reaction: Tracker::Watch with the action's options (replay per §1.4).
WatchReaction DefaultWatchReaction(Tracker& tracker, const Action& action);

}  // namespace bubble::fake

// "create v1/configmaps default/cm1", "list v1/configmaps (all) rv=\"0\"".
template <>
struct fmt::formatter<bubble::fake::Action> {
  constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }

  format_context::iterator format(const bubble::fake::Action& a, format_context& ctx) const;
};
