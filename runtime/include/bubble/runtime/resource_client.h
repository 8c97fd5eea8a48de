// runtime/include/bubble/runtime/resource_client.h
//
// ResourceClient: the dynamic client for one resource in one namespace (client-go's
// dynamic.ResourceInterface). Everything above this layer (informers, workqueue-driven
// controllers, leader election) talks to the API server only through this interface and the
// Clientset that hands it out (client.h), so a client for a real API server can implement the
// same interface later.
//
//   auto cms = clientset.Resource(runtime::ConfigMap::StaticResource(), "default");
//   auto list = cms->List(ctx, {});
//   if (!list) return list.error();
//
// Contract:
//  - Every call is made from a fiber of a running bubble and may block (network latency is
//    virtual time). The context bounds the wait: if it ends first, the call returns a client-side
//    Status (IsContextCanceled / IsDeadlineExceeded) — and, as with a real server, a write may
//    still have been applied.
//  - Results are immutable shared objects; reads never deep-copy.
//  - Namespace "" means all namespaces for List/Watch/DeleteCollection, and is the namespace of
//    cluster-scoped resources. Objects written through a namespaced client take the client's
//    namespace when they have none; a different one is a BadRequest.
//  - Errors are Status values (status.h); nothing here throws for an API outcome.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <bubble/runtime/group_version.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/options.h>
#include <bubble/runtime/status.h>
#include <bubble/runtime/watch.h>
#include <bubble/sim/context.h>

namespace bubble::runtime {

class ResourceClient {
 public:
  virtual ~ResourceClient() = default;

  virtual const GroupVersionResource& Resource() const = 0;
  virtual const std::string& Namespace() const = 0;

  virtual Result<ObjectPtr> Get(const sim::Context& ctx, std::string_view name,
                                const GetOptions& opts) = 0;
  // Items in (namespace, name) order; metadata.resource_version is always set.
  virtual Result<ObjectList> List(const sim::Context& ctx, const ListOptions& opts) = 0;
  virtual Result<WatchPtr> Watch(const sim::Context& ctx, const ListOptions& opts) = 0;
  // Returns the object as stored.
  virtual Result<ObjectPtr> Create(const sim::Context& ctx, const Object& obj,
                                   const CreateOptions& opts) = 0;
  virtual Result<ObjectPtr> Update(const sim::Context& ctx, const Object& obj,
                                   const UpdateOptions& opts) = 0;
  // The status subresource ("<resource>/status").
  virtual Result<ObjectPtr> UpdateStatus(const sim::Context& ctx, const Object& obj,
                                         const UpdateOptions& opts) = 0;
  // Applies `data` (of `type`) to the stored object; `subresource` may be "" or e.g. "status".
  virtual Result<ObjectPtr> Patch(const sim::Context& ctx, std::string_view name, PatchType type,
                                  std::string_view data, const PatchOptions& opts,
                                  std::string_view subresource) = 0;
  virtual Result<void> Delete(const sim::Context& ctx, std::string_view name,
                              const DeleteOptions& opts) = 0;
  virtual Result<void> DeleteCollection(const sim::Context& ctx, const DeleteOptions& opts,
                                        const ListOptions& list_opts) = 0;

  // Patch of the main resource.
  Result<ObjectPtr> Patch(const sim::Context& ctx, std::string_view name, PatchType type,
                          std::string_view data, const PatchOptions& opts) {
    return Patch(ctx, name, type, data, opts, {});
  }
};

using ResourceClientPtr = std::shared_ptr<ResourceClient>;

}  // namespace bubble::runtime
