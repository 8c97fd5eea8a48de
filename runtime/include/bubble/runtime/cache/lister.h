// runtime/include/bubble/runtime/cache/lister.h
//
// Listers: typed, read-only views of an informer's cache (client-go's generated listers, e.g.
// ConfigMapLister). They never call the API server and hand out the cached immutable objects
// themselves, so a controller cannot mutate its cache by accident: modify a Clone() and write
// that through the client.
//
//   auto lister = factory.ListerFor<runtime::ConfigMap>();
//   auto web = lister.List(*runtime::LabelSelector::Parse("app=web"));   // all namespaces
//   auto cm = lister.Namespace("default").Get("cm1");    // Result: NotFound `configmaps "cm1"...`
//
// Order: List returns objects sorted by key ("namespace/name"), as the Indexer stores them.
// Namespace(ns).List uses the namespace index when the informer has one (the factory's
// informers do) and filters the whole cache otherwise.
//
// Threading: reads never block; use from fibers of the informer's bubble (or anywhere while no
// fiber runs). A Lister holds a reference to the Indexer, which must outlive it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <bubble/runtime/cache/indexer.h>
#include <bubble/runtime/group_version.h>
#include <bubble/runtime/label_selector.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/status.h>
#include <bubble/sim/error.h>

namespace bubble::runtime::cache {

namespace detail {

// The cached object as a T. A cache of another kind is a wiring mistake, reported as one.
template <class T>
std::shared_ptr<const T> ListedAs(const ObjectPtr& obj, const GroupResource& resource) {
  auto typed = As<T>(obj);
  BUBBLE_EXPECT(typed.has_value(),
                "lister for {}: cached object {} is not of the lister's kind ({}); build the "
                "lister over the informer of that resource",
                resource.String(), obj ? obj->metadata.Key() : "<null>", typed.error().message);
  return *std::move(typed);
}

}  // namespace detail

// The objects of one namespace.
template <class T>
class NamespaceLister {
 public:
  NamespaceLister(const Indexer& indexer, GroupResource resource, std::string ns)
      : indexer_(&indexer), resource_(std::move(resource)), namespace_(std::move(ns)) {}

  // The objects in the namespace that match `selector`, sorted by key.
  std::vector<std::shared_ptr<const T>> List(const LabelSelector& selector = {}) const {
    std::vector<std::shared_ptr<const T>> out;
    auto keep = [&](const ObjectPtr& obj) {
      if (selector.Matches(obj->metadata.labels)) {
        out.push_back(detail::ListedAs<T>(obj, resource_));
      }
    };
    if (indexer_->GetIndexers().contains(kNamespaceIndex)) {
      auto objs = indexer_->ByIndex(kNamespaceIndex, namespace_);
      for (const ObjectPtr& obj : *objs) {
        keep(obj);
      }
    } else {
      for (const ObjectPtr& obj : indexer_->List()) {
        if (obj->metadata.namespace_ == namespace_) {
          keep(obj);
        }
      }
    }
    return out;
  }

  // The object `name` in the namespace, or NotFound (`<resource> "<name>" not found`).
  Result<std::shared_ptr<const T>> Get(std::string_view name) const {
    const std::string key =
        namespace_.empty() ? std::string(name) : namespace_ + "/" + std::string(name);
    ObjectPtr obj = indexer_->GetByKey(key);
    if (obj == nullptr) {
      return Err(NewNotFound(resource_, name));
    }
    return detail::ListedAs<T>(obj, resource_);
  }

 private:
  const Indexer* indexer_;
  GroupResource resource_;
  std::string namespace_;
};

// Every object of the kind, and per-namespace views.
template <class T>
class Lister {
 public:
  Lister(const Indexer& indexer, GroupResource resource)
      : indexer_(&indexer), resource_(std::move(resource)) {}

  // The objects that match `selector` in every namespace, sorted by key.
  std::vector<std::shared_ptr<const T>> List(const LabelSelector& selector = {}) const {
    std::vector<std::shared_ptr<const T>> out;
    for (const ObjectPtr& obj : indexer_->List()) {
      if (selector.Matches(obj->metadata.labels)) {
        out.push_back(detail::ListedAs<T>(obj, resource_));
      }
    }
    return out;
  }

  // The objects of namespace `ns` ("" for cluster-scoped kinds: Get then looks up by name).
  NamespaceLister<T> Namespace(std::string ns) const {
    return NamespaceLister<T>(*indexer_, resource_, std::move(ns));
  }

  // A cluster-scoped object by name.
  Result<std::shared_ptr<const T>> Get(std::string_view name) const {
    return Namespace("").Get(name);
  }

 private:
  const Indexer* indexer_;
  GroupResource resource_;
};

}  // namespace bubble::runtime::cache
