// runtime/include/bubble/runtime/client.h
//
// Clientset: where clients come from (client-go's kubernetes.Interface plus dynamic.Interface).
// The fake API server implements it (fake::Clientset); a client for a real API server could too.
//
//   void Reconcile(runtime::Clientset& cs) {
//     auto cms = cs.ConfigMaps("default");                     // TypedClient<ConfigMap>
//     auto leases = cs.For<runtime::Lease>("kube-system");    // any kind with code
//     auto deployments = cs.Deployments("default");           // needs deployment.h
//     auto widgets = cs.Resource({"example.com", "v1", "widgets"}, "ns");  // dynamic
//   }
//
// Threading: clients are cheap handles; use them from fibers of the bubble that runs the server.
#pragma once

#include <string_view>

#include <bubble/runtime/config_map.h>
#include <bubble/runtime/group_version.h>
#include <bubble/runtime/lease.h>
#include <bubble/runtime/pod.h>
#include <bubble/runtime/resource_client.h>
#include <bubble/runtime/scheme.h>
#include <bubble/runtime/secret.h>
#include <bubble/runtime/typed_client.h>

namespace bubble::runtime {

// Built on KindBase (kind.h, which includes nlohmann/json.hpp): include namespace.h, service.h
// or deployment.h where you use these.
struct Namespace;
struct Service;
struct Deployment;

class Clientset {
 public:
  virtual ~Clientset() = default;

  // The dynamic client of `resource` in `ns` ("" = all namespaces, or cluster-scoped).
  virtual ResourceClientPtr Resource(const GroupVersionResource& resource, std::string_view ns) = 0;
  // The kinds this server knows.
  virtual const Scheme& GetScheme() const = 0;

  // Whether Watch honours sendInitialEvents (WatchList semantics). client-go's fake: false, so
  // reflectors list then watch (SEMANTICS §1.8).
  virtual bool SupportsWatchList() const { return false; }

  // The typed client of a kind with code.
  template <class T>
  TypedClient<T> For(std::string_view ns) {
    return TypedClient<T>(Resource(T::StaticResource(), ns));
  }

  TypedClient<ConfigMap> ConfigMaps(std::string_view ns) { return For<ConfigMap>(ns); }

  TypedClient<Secret> Secrets(std::string_view ns) { return For<Secret>(ns); }

  TypedClient<Pod> Pods(std::string_view ns) { return For<Pod>(ns); }

  TypedClient<Lease> Leases(std::string_view ns) { return For<Lease>(ns); }

  // Cluster-scoped.
  TypedClient<Namespace> Namespaces();
  TypedClient<Service> Services(std::string_view ns);
  TypedClient<Deployment> Deployments(std::string_view ns);
};

}  // namespace bubble::runtime
