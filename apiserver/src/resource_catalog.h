// apiserver/src/resource_catalog.h
//
// What the REST server serves: every resource with its discovery facts (kind, scope, verbs,
// short names, printer columns), from three sources, in this order of precedence:
//  1. the CustomResourceDefinitions stored in the server (apiextensions.k8s.io/v1
//     customresourcedefinitions): a CRD created with `kubectl apply` is served at once, as
//     kube-apiserver does once the CRD is Established (one version per served spec.versions[]);
//  2. the kinds of the server's Scheme (runtime::Scheme: built-ins and the kinds a scenario
//     registered, typed or Unstructured);
//  3. a fixed list of core resources kubectl relies on even when no code knows them: v1 events,
//     v1 namespaces, apiextensions.k8s.io/v1 customresourcedefinitions.
// The discovery documents (/api, /apis, /api/v1, /apis/G/V) are rendered from the same list.
//
// Every call that takes `server` lists the CRDs stored in it now, as a read on the server's side
// (server_reads.h: recorded in the fake's Actions, seen by its reactors, but not an API request,
// so it meets no latency and no injected fault: discovery stays up on a flaky server).
// A stored CRD is read field by field: one with a field of the wrong type serves what it can
// (kube-apiserver would have rejected it) and never fails discovery for the other resources.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/group_version.h>
#include <bubble/runtime/scheme.h>

namespace bubble::apiserver::detail {

// A column of `kubectl get` output (metav1.TableColumnDefinition), with how to fill it.
struct PrinterColumn {
  std::string name{};         // "Data"
  std::string type{};         // "string", "integer", "date"...
  std::string format{};       // "name" for the NAME column
  std::string description{};  //
  int priority = 0;           // 0: shown; 1: only with -o wide
  std::string json_path{};    // CRD additionalPrinterColumns: ".spec.size"; empty for built-ins
};

struct ServedResource {
  runtime::GroupVersionResource gvr{};
  std::string kind{};      // "ConfigMap"
  std::string singular{};  // "configmap"
  bool namespaced = true;
  std::vector<std::string> short_names{};  // {"cm"}
  std::vector<std::string> categories{};   // {"all"} for pods, services, deployments...
  std::vector<std::string> verbs{};  // create delete deletecollection get list patch update watch
  bool status_subresource = false;   // serves <resource>/status
  std::vector<PrinterColumn> columns{};  // empty: NAME and AGE only
};

class ResourceCatalog {
 public:
  explicit ResourceCatalog(const runtime::Scheme& scheme);

  // Every served resource, CRDs read from `server` now (a List of customresourcedefinitions; a
  // failed list counts as none), in (group, version, resource) order.
  std::vector<ServedResource> Resources(fake::Clientset& server) const;

  // The resource served at /api/VERSION/RESOURCE or /apis/GROUP/VERSION/RESOURCE, if any.
  std::optional<ServedResource> Find(fake::Clientset& server, std::string_view group,
                                     std::string_view version, std::string_view resource) const;

  // Discovery documents (metav1.APIVersions, APIGroupList, APIResourceList), as JSON.
  nlohmann::json ApiVersions(std::string_view server_address) const;  // GET /api
  nlohmann::json ApiGroupList(fake::Clientset& server) const;         // GET /apis
  // GET /api/v1 or /apis/G/V; nullopt when nothing is served there (a 404).
  std::optional<nlohmann::json> ApiResourceList(fake::Clientset& server, std::string_view group,
                                                std::string_view version) const;

 private:
  using ByResource = std::map<runtime::GroupVersionResource, ServedResource>;
  // The fixed list and the Scheme's kinds, which do not change while a server runs: built once,
  // on first use (it was most of the cost of a small request, bench/rest_bench.cc).
  const ByResource& Builtin() const;
  // The resources of the CustomResourceDefinitions stored in `server` now.
  std::vector<ServedResource> FromStoredCrds(fake::Clientset& server) const;

  const runtime::Scheme* scheme_;
  mutable std::optional<ByResource> builtin_{};
};

}  // namespace bubble::apiserver::detail
