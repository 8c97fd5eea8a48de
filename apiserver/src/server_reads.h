// apiserver/src/server_reads.h
//
// The reads the handler makes on the server's side of a request: the stored CRDs that decide
// what is served, an object's state before a delete or a strategic merge patch, the objects a
// deletecollection removes. kube-apiserver makes them against its own storage, not through its
// API, so they are not API requests here either: they run the fake's reactor chain
// (fake::Clientset::Invokes: recorded in Actions, seen by reactors, read from the store) without
// the request pipeline — no latency, no injected fault, no trace span. An API request then meets
// the faults (flaky_server.h) once, in its one call through the clientset.
#pragma once

#include <string_view>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/group_version.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/options.h>
#include <bubble/runtime/status.h>

namespace bubble::apiserver::detail {

// The object, or the store's error (NotFound).
runtime::Result<runtime::ObjectPtr> ServerGet(fake::Clientset& server,
                                              const runtime::GroupVersionResource& gvr,
                                              std::string_view ns, std::string_view name);

// The objects in scope (ns "": all) that `opts`'s label selector matches (field selectors as the
// store applies them), as the clientset's List returns them; BadRequest for a label selector
// that does not parse.
runtime::Result<runtime::ObjectList> ServerList(fake::Clientset& server,
                                                const runtime::GroupVersionResource& gvr,
                                                std::string_view ns,
                                                const runtime::ListOptions& opts = {});

}  // namespace bubble::apiserver::detail
