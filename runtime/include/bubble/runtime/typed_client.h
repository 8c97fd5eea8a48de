// runtime/include/bubble/runtime/typed_client.h
//
// TypedClient<T>: the typed client of one kind in one namespace (client-go's
// `clientset.CoreV1().ConfigMaps(ns)`), a thin value wrapper over a ResourceClient. Results are
// `std::shared_ptr<const T>`; an object stored in another form (an Unstructured of the same
// kind) is converted, one of another kind is a BadRequest.
//
//   auto cms = clientset.ConfigMaps("default");           // TypedClient<ConfigMap>
//   auto cm = cms.Get("cm1");                             // Result<std::shared_ptr<const
//   ConfigMap>> runtime::ConfigMap next = **cm;  next.data["k"] = "v"; auto updated =
//   cms.Update(next);
//
// Every call has two forms: with a context first (as in Go) and without (a background context).
// Threading and blocking as ResourceClient.
#pragma once

#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include <bubble/runtime/object.h>
#include <bubble/runtime/options.h>
#include <bubble/runtime/resource_client.h>
#include <bubble/runtime/status.h>
#include <bubble/runtime/watch.h>
#include <bubble/sim/context.h>

namespace bubble::runtime {

template <class T>
struct TypedList {
  ListMeta metadata{};
  std::vector<std::shared_ptr<const T>> items{};
};

template <class T>
class TypedClient {
 public:
  using Ptr = std::shared_ptr<const T>;

  explicit TypedClient(ResourceClientPtr client) : client_(std::move(client)) {}

  ResourceClient& Dynamic() const noexcept { return *client_; }

  const std::string& Namespace() const { return client_->Namespace(); }

  Result<Ptr> Get(const sim::Context& ctx, std::string_view name, const GetOptions& opts) {
    return Typed(client_->Get(ctx, name, opts));
  }

  Result<Ptr> Get(std::string_view name, const GetOptions& opts = {}) {
    return Get(sim::Context::Background(), name, opts);
  }

  Result<TypedList<T>> List(const sim::Context& ctx, const ListOptions& opts) {
    Result<ObjectList> list = client_->List(ctx, opts);
    if (!list) {
      return Err(std::move(list.error()));
    }
    TypedList<T> out;
    out.metadata = std::move(list->metadata);
    out.items.reserve(list->items.size());
    for (ObjectPtr& item : list->items) {
      if constexpr (detail::StaticKinded<T>) {
        if (item != nullptr && &item->Kind() == &T::StaticKind()) {  // the common case: no copy
          out.items.push_back(std::static_pointer_cast<const T>(std::move(item)));
          continue;
        }
      }
      Result<Ptr> typed = As<T>(item);
      if (!typed) {
        return Err(std::move(typed.error()));
      }
      out.items.push_back(std::move(*typed));
    }
    return out;
  }

  Result<TypedList<T>> List(const ListOptions& opts = {}) {
    return List(sim::Context::Background(), opts);
  }

  Result<WatchPtr> Watch(const sim::Context& ctx, const ListOptions& opts) {
    return client_->Watch(ctx, opts);
  }

  Result<WatchPtr> Watch(const ListOptions& opts = {}) {
    return Watch(sim::Context::Background(), opts);
  }

  Result<Ptr> Create(const sim::Context& ctx, const T& obj, const CreateOptions& opts) {
    return Typed(client_->Create(ctx, obj, opts));
  }

  Result<Ptr> Create(const T& obj, const CreateOptions& opts = {}) {
    return Create(sim::Context::Background(), obj, opts);
  }

  Result<Ptr> Update(const sim::Context& ctx, const T& obj, const UpdateOptions& opts) {
    return Typed(client_->Update(ctx, obj, opts));
  }

  Result<Ptr> Update(const T& obj, const UpdateOptions& opts = {}) {
    return Update(sim::Context::Background(), obj, opts);
  }

  Result<Ptr> UpdateStatus(const sim::Context& ctx, const T& obj, const UpdateOptions& opts) {
    return Typed(client_->UpdateStatus(ctx, obj, opts));
  }

  Result<Ptr> UpdateStatus(const T& obj, const UpdateOptions& opts = {}) {
    return UpdateStatus(sim::Context::Background(), obj, opts);
  }

  Result<Ptr> Patch(const sim::Context& ctx, std::string_view name, PatchType type,
                    std::string_view data, const PatchOptions& opts,
                    std::string_view subresource = {}) {
    return Typed(client_->Patch(ctx, name, type, data, opts, subresource));
  }

  Result<Ptr> Patch(std::string_view name, PatchType type, std::string_view data,
                    const PatchOptions& opts = {}, std::string_view subresource = {}) {
    return Patch(sim::Context::Background(), name, type, data, opts, subresource);
  }

  Result<void> Delete(const sim::Context& ctx, std::string_view name, const DeleteOptions& opts) {
    return client_->Delete(ctx, name, opts);
  }

  Result<void> Delete(std::string_view name, const DeleteOptions& opts = {}) {
    return Delete(sim::Context::Background(), name, opts);
  }

  Result<void> DeleteCollection(const sim::Context& ctx, const DeleteOptions& opts,
                                const ListOptions& list_opts) {
    return client_->DeleteCollection(ctx, opts, list_opts);
  }

  Result<void> DeleteCollection(const DeleteOptions& opts = {}, const ListOptions& list_opts = {}) {
    return DeleteCollection(sim::Context::Background(), opts, list_opts);
  }

 private:
  static Result<Ptr> Typed(Result<ObjectPtr> r) {
    if (!r) {
      return Err(std::move(r.error()));
    }
    return As<T>(*r);
  }

  ResourceClientPtr client_{};
};

}  // namespace bubble::runtime
