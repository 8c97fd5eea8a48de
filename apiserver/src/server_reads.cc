// apiserver/src/server_reads.cc
#include "server_reads.h"

#include <string>
#include <utility>

#include <bubble/fake/action.h>
#include <bubble/runtime/label_selector.h>

namespace bubble::apiserver::detail {

namespace {

fake::Action ReadAction(std::string_view verb, const runtime::GroupVersionResource& gvr,
                        std::string_view ns) {
  fake::Action a;
  a.verb = std::string(verb);
  a.resource = gvr;
  a.namespace_ = std::string(ns);
  return a;
}

}  // namespace

runtime::Result<runtime::ObjectPtr> ServerGet(fake::Clientset& server,
                                              const runtime::GroupVersionResource& gvr,
                                              std::string_view ns, std::string_view name) {
  fake::Action a = ReadAction(fake::kVerbGet, gvr, ns);
  a.name = std::string(name);
  fake::Reaction r = server.Invokes(std::move(a));
  if (r.error) {
    return runtime::Err(std::move(*r.error));
  }
  if (!r.handled || r.object == nullptr) {
    return runtime::Err(runtime::NewNotFound(gvr.GetGroupResource(), name));
  }
  return std::move(r.object);
}

runtime::Result<runtime::ObjectList> ServerList(fake::Clientset& server,
                                                const runtime::GroupVersionResource& gvr,
                                                std::string_view ns,
                                                const runtime::ListOptions& opts) {
  auto selector = runtime::LabelSelector::Parse(opts.label_selector);
  if (!selector) {
    return runtime::Err(std::move(selector.error()));
  }
  fake::Action a = ReadAction(fake::kVerbList, gvr, ns);
  a.list_options = opts;
  fake::Reaction r = server.Invokes(std::move(a));
  if (r.error) {
    return runtime::Err(std::move(*r.error));
  }
  if (!r.handled || !r.list) {
    return runtime::ObjectList{};
  }
  runtime::ObjectList list = std::move(*r.list);
  // The store applies selectors only with Fidelity::selectors; the clientset's List filters by
  // label in any case (client-go's typed fake), and so does this.
  std::erase_if(list.items, [&](const runtime::ObjectPtr& o) {
    return o == nullptr || !selector->Matches(o->metadata.labels);
  });
  return list;
}

}  // namespace bubble::apiserver::detail
