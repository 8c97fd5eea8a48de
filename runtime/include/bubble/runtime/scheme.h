// runtime/include/bubble/runtime/scheme.h
//
// Scheme: the registry of kinds. It maps a kind to its resource (and back), knows whether it is
// namespaced, and makes empty objects of a kind so JSON can be decoded into the right C++ type.
//
//   runtime::Scheme scheme = runtime::Scheme::Builtin();         // ConfigMap, Pod, Service, ...
//   scheme.RegisterUnstructured({"example.com", "v1", "Widget"});  // a CRD without code: widgets
//
// Kinds without code decode as Unstructured; a kind registered with Register<T>() decodes as T.
// When no resource is given, the resource is guessed from the kind (KindToResource, §1.3).
//
// Determinism: lookups are std::map; Kinds() lists in (group, version, kind) order.
// Threading: a Scheme is a plain value. Builtin() is immutable and may be shared by threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <bubble/runtime/group_version.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/status.h>

namespace bubble::runtime {

struct KindInfo {
  GroupVersionKind kind{};
  GroupVersionResource resource{};
  bool namespaced = true;
  // An empty object of this kind.
  std::function<std::unique_ptr<Object>()> make;
};

class Scheme {
 public:
  Scheme() = default;

  // The kinds bubble ships: ConfigMap, Secret, Pod, Namespace, Service (core/v1), Lease
  // (coordination.k8s.io/v1), Deployment (apps/v1).
  static const Scheme& Builtin();

  // Registers a typed kind (see object.h for what T provides; kind.h makes one from a spec and a
  // status).
  template <class T>
  void Register() {
    Add({T::StaticKind(), T::StaticResource(), T::kNamespaced,
         [] { return std::make_unique<T>(); }});
  }

  // Registers a kind without code; its objects are Unstructured. `resource` empty: guessed.
  void RegisterUnstructured(const GroupVersionKind& kind, bool namespaced = true,
                            std::string resource = {});
  // Adds or replaces the registration of info.kind.
  void Add(KindInfo info);

  // nullptr if unknown.
  const KindInfo* ForKind(const GroupVersionKind& kind) const;
  const KindInfo* ForResource(const GroupVersionResource& resource) const;
  // The registered resource, or the guess from KindToResource.
  GroupVersionResource ResourceFor(const GroupVersionKind& kind) const;

  // An empty object of `kind`: typed if registered, else an Unstructured of that kind.
  std::unique_ptr<Object> New(const GroupVersionKind& kind) const;
  // An empty object for `resource` (kind from the registry; Unstructured without a kind if
  // unknown).
  std::unique_ptr<Object> NewForResource(const GroupVersionResource& resource) const;
  // Decodes a full object (apiVersion and kind required). BadRequest on malformed JSON.
  Result<std::unique_ptr<Object>> Decode(const nlohmann::json& j) const;
  // If `obj` is an Unstructured of a kind registered with code, decodes it into that type;
  // otherwise returns it unchanged.
  Result<std::unique_ptr<Object>> Normalize(std::unique_ptr<Object> obj) const;

  // Every registration, in (group, version, kind) order.
  std::vector<KindInfo> Kinds() const;

 private:
  std::map<GroupVersionKind, KindInfo> by_kind_{};
  std::map<GroupVersionResource, GroupVersionKind> by_resource_{};
};

}  // namespace bubble::runtime
