// ResourceCatalog: the served resources and the discovery documents kubectl's RESTMapper reads.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/unstructured.h>

#include "resource_catalog.h"

namespace api = bubble::apiserver::detail;
namespace fake = bubble::fake;
namespace rt = bubble::runtime;
using nlohmann::json;

namespace {

// The CRD of client-go's crd example, as `kubectl apply` stores it: v1 served with a status
// subresource and a printer column, v1beta1 served, v2alpha1 not served.
rt::Unstructured WidgetCrd() {
  auto crd = rt::Unstructured::FromJson(json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
      "group": "example.com", "scope": "Namespaced",
      "names": {"plural": "widgets", "singular": "widget", "kind": "Widget",
                "shortNames": ["wd"], "categories": ["all"]},
      "versions": [
        {"name": "v1beta1", "served": true, "storage": false},
        {"name": "v1", "served": true, "storage": true,
         "subresources": {"status": {}},
         "additionalPrinterColumns": [
           {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
           {"name": "Phase", "type": "string", "jsonPath": ".status.phase", "priority": 1}]},
        {"name": "v2alpha1", "served": false, "storage": false}]}})"));
  REQUIRE(crd.has_value());
  return *crd;
}

const json* FindResource(const json& list, std::string_view name) {
  for (const json& r : list["resources"]) {
    if (r["name"] == name) {
      return &r;
    }
  }
  return nullptr;
}

std::vector<std::string> Names(const json& list) {
  std::vector<std::string> out;
  for (const json& r : list["resources"]) {
    out.push_back(r["name"].get<std::string>());
  }
  return out;
}

}  // namespace

TEST_CASE("a stored CRD is served with its names, scope, versions and status subresource",
          "[apiserver][discovery]") {
  fake::Clientset cs(fake::Options{}, WidgetCrd());
  const api::ResourceCatalog catalog(cs.GetScheme());

  const auto v1 = catalog.ApiResourceList(cs, "example.com", "v1");
  REQUIRE(v1.has_value());
  CHECK((*v1)["kind"] == "APIResourceList");
  CHECK((*v1)["groupVersion"] == "example.com/v1");
  CHECK(Names(*v1) == std::vector<std::string>{"widgets", "widgets/status"});
  const json& widgets = *FindResource(*v1, "widgets");
  CHECK(widgets["kind"] == "Widget");
  CHECK(widgets["singularName"] == "widget");
  CHECK(widgets["namespaced"] == true);
  CHECK(widgets["shortNames"] == json{"wd"});
  CHECK(widgets["categories"] == json{"all"});
  CHECK(widgets["verbs"] ==
        json{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"});
  CHECK((*FindResource(*v1, "widgets/status"))["verbs"] == json{"get", "patch", "update"});

  // v1beta1 is served without status; an unserved version is not there at all.
  const auto beta = catalog.ApiResourceList(cs, "example.com", "v1beta1");
  REQUIRE(beta.has_value());
  CHECK(Names(*beta) == std::vector<std::string>{"widgets"});
  CHECK_FALSE(catalog.ApiResourceList(cs, "example.com", "v2alpha1").has_value());

  // The group lists served versions by kube's priority; the preferred one first.
  const json groups = catalog.ApiGroupList(cs);
  CHECK(groups["kind"] == "APIGroupList");
  const json* example = nullptr;
  for (const json& g : groups["groups"]) {
    if (g["name"] == "example.com") {
      example = &g;
    }
  }
  REQUIRE(example != nullptr);
  CHECK((*example)["versions"] == json::parse(R"([{"groupVersion":"example.com/v1","version":"v1"},
                        {"groupVersion":"example.com/v1beta1","version":"v1beta1"}])"));
  CHECK((*example)["preferredVersion"]["version"] == "v1");

  // Find carries the printer columns to ToTable.
  const auto found = catalog.Find(cs, "example.com", "v1", "widgets");
  REQUIRE(found.has_value());
  REQUIRE(found->columns.size() == 2);
  CHECK(found->columns[0].json_path == ".spec.size");
  CHECK(found->columns[1].priority == 1);
  CHECK(found->status_subresource);
}

TEST_CASE(
    "a CRD without printer columns gets apiextensions' Age column and scope Cluster is "
    "cluster-scoped",
    "[apiserver][discovery]") {
  auto crd = rt::Unstructured::FromJson(json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "gadgets.example.org"},
    "spec": {"group": "example.org", "scope": "Cluster",
             "names": {"plural": "gadgets", "kind": "Gadget"},
             "versions": [{"name": "v1", "served": true, "storage": true}]}})"));
  REQUIRE(crd.has_value());
  fake::Clientset cs(fake::Options{}, *crd);
  const api::ResourceCatalog catalog(cs.GetScheme());
  const auto found = catalog.Find(cs, "example.org", "v1", "gadgets");
  REQUIRE(found.has_value());
  CHECK_FALSE(found->namespaced);
  CHECK(found->singular == "gadget");  // defaulted from the kind
  CHECK_FALSE(found->status_subresource);
  REQUIRE(found->columns.size() == 1);
  CHECK(found->columns[0].name == "Age");
  CHECK(found->columns[0].type == "date");
  CHECK(found->columns[0].json_path == ".metadata.creationTimestamp");
}

TEST_CASE("built-in resources carry kube-apiserver's short names, categories and status",
          "[apiserver][discovery]") {
  fake::Clientset cs;
  const api::ResourceCatalog catalog(cs.GetScheme());

  const auto core = catalog.ApiResourceList(cs, "", "v1");
  REQUIRE(core.has_value());
  CHECK((*core)["groupVersion"] == "v1");
  CHECK(Names(*core) == std::vector<std::string>{"configmaps", "events", "namespaces",
                                                 "namespaces/status", "pods", "pods/status",
                                                 "secrets", "services", "services/status"});
  CHECK((*FindResource(*core, "configmaps"))["shortNames"] == json{"cm"});
  CHECK((*FindResource(*core, "events"))["shortNames"] == json{"ev"});
  CHECK((*FindResource(*core, "pods"))["shortNames"] == json{"po"});
  CHECK((*FindResource(*core, "pods"))["categories"] == json{"all"});
  CHECK((*FindResource(*core, "services"))["shortNames"] == json{"svc"});
  CHECK((*FindResource(*core, "services"))["categories"] == json{"all"});
  CHECK((*FindResource(*core, "namespaces"))["shortNames"] == json{"ns"});
  CHECK((*FindResource(*core, "namespaces"))["namespaced"] == false);
  CHECK_FALSE(FindResource(*core, "secrets")->contains("shortNames"));

  const auto apps = catalog.ApiResourceList(cs, "apps", "v1");
  REQUIRE(apps.has_value());
  CHECK(Names(*apps) == std::vector<std::string>{"deployments", "deployments/status"});
  CHECK((*FindResource(*apps, "deployments"))["shortNames"] == json{"deploy"});
  CHECK((*FindResource(*apps, "deployments"))["categories"] == json{"all"});

  const auto crds = catalog.ApiResourceList(cs, "apiextensions.k8s.io", "v1");
  REQUIRE(crds.has_value());
  const json& crd = *FindResource(*crds, "customresourcedefinitions");
  CHECK(crd["shortNames"] == json{"crd", "crds"});
  CHECK(crd["namespaced"] == false);
  CHECK(crd["kind"] == "CustomResourceDefinition");

  const auto leases = catalog.ApiResourceList(cs, "coordination.k8s.io", "v1");
  REQUIRE(leases.has_value());
  CHECK(Names(*leases) == std::vector<std::string>{"leases"});

  // Groups in name order, the core group not among them (it is /api).
  std::vector<std::string> groups;
  const json group_list = catalog.ApiGroupList(cs);
  for (const json& g : group_list["groups"]) {
    groups.push_back(g["name"].get<std::string>());
  }
  CHECK(groups == std::vector<std::string>{"apiextensions.k8s.io", "apps", "coordination.k8s.io"});

  CHECK_FALSE(catalog.ApiResourceList(cs, "batch", "v1").has_value());
  CHECK_FALSE(catalog.Find(cs, "", "v1", "replicationcontrollers").has_value());
  CHECK(catalog.Find(cs, "", "v1", "configmaps")->columns.size() == 3);  // Name, Data, Age
}

TEST_CASE("kinds a scenario registers in the scheme are served and a CRD for one adds its names",
          "[apiserver][discovery]") {
  fake::Options options;
  options.scheme.RegisterUnstructured({"example.com", "v1", "Widget"}, true, "widgets");
  fake::Clientset plain(options);
  const api::ResourceCatalog catalog(plain.GetScheme());

  const auto scheme_only = catalog.Find(plain, "example.com", "v1", "widgets");
  REQUIRE(scheme_only.has_value());
  CHECK(scheme_only->kind == "Widget");
  CHECK(scheme_only->singular == "widget");
  CHECK(scheme_only->short_names.empty());
  CHECK(scheme_only->columns.empty());  // Name and Age

  fake::Clientset with_crd(options, WidgetCrd());
  const auto from_crd = catalog.Find(with_crd, "example.com", "v1", "widgets");
  REQUIRE(from_crd.has_value());
  CHECK(from_crd->short_names == std::vector<std::string>{"wd"});
}

TEST_CASE("a failed list of CRDs serves the rest", "[apiserver][discovery]") {
  fake::Clientset cs(fake::Options{}, WidgetCrd());
  cs.PrependReactor("list", "customresourcedefinitions", [](fake::Action&) {
    return fake::Reaction::Failed(rt::NewInternalError("etcd is down"));
  });
  const api::ResourceCatalog catalog(cs.GetScheme());
  CHECK_FALSE(catalog.Find(cs, "example.com", "v1", "widgets").has_value());
  CHECK(catalog.Find(cs, "", "v1", "pods").has_value());
}

TEST_CASE("versions are ordered as kube-apiserver orders them", "[apiserver][discovery]") {
  const auto crd = rt::Unstructured::FromJson(json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "things.example.net"},
    "spec": {"group": "example.net", "scope": "Namespaced",
             "names": {"plural": "things", "kind": "Thing"},
             "versions": [{"name": "v1alpha1", "served": true}, {"name": "foo", "served": true},
                          {"name": "v1beta1", "served": true}, {"name": "v1", "served": true},
                          {"name": "v1beta2", "served": true}, {"name": "v2", "served": true},
                          {"name": "v10alpha1", "served": true}]}})"));
  REQUIRE(crd.has_value());
  fake::Clientset cs(fake::Options{}, *crd);
  const api::ResourceCatalog catalog(cs.GetScheme());
  std::vector<std::string> versions;
  const json group_list = catalog.ApiGroupList(cs);
  for (const json& g : group_list["groups"]) {
    if (g["name"] == "example.net") {
      for (const json& v : g["versions"]) {
        versions.push_back(v["version"].get<std::string>());
      }
      CHECK(g["preferredVersion"]["version"] == "v2");
    }
  }
  CHECK(versions ==
        std::vector<std::string>{"v2", "v1", "v1beta2", "v1beta1", "v10alpha1", "v1alpha1", "foo"});
}

TEST_CASE("/api names v1 and the address clients should use", "[apiserver][discovery]") {
  fake::Clientset cs;
  const api::ResourceCatalog catalog(cs.GetScheme());
  CHECK(catalog.ApiVersions("127.0.0.1:6443") == json::parse(R"({
    "kind": "APIVersions", "versions": ["v1"],
    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                    "serverAddress": "127.0.0.1:6443"}]})"));
}

TEST_CASE("a CRD with fields of the wrong type serves what it can and breaks nothing else",
          "[apiserver][discovery]") {
  const auto crd = rt::Unstructured::FromJson(json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "odd.example.com"},
    "spec": {"group": "example.com", "scope": 7,
             "names": {"plural": "odds", "kind": "Odd", "shortNames": "od", "categories": [1]},
             "versions": ["v1", {"name": "v1", "served": "yes"},
                          {"name": "v2", "served": true, "subresources": [],
                           "additionalPrinterColumns": [{"name": "X", "jsonPath": 3},
                                                        {"name": "Y", "jsonPath": ".y",
                                                         "priority": "high"}]}]}})"));
  REQUIRE(crd.has_value());
  const auto broken = rt::Unstructured::FromJson(json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "broken.example.com"}, "spec": "nonsense"})"));
  REQUIRE(broken.has_value());
  fake::Clientset cs(fake::Options{}, *crd, *broken);
  const api::ResourceCatalog catalog(cs.GetScheme());
  CHECK_FALSE(catalog.Find(cs, "example.com", "v1", "odds").has_value());  // not served
  const auto v2 = catalog.Find(cs, "example.com", "v2", "odds");
  REQUIRE(v2.has_value());
  CHECK(v2->namespaced);
  CHECK(v2->short_names.empty());
  CHECK(v2->categories.empty());
  CHECK_FALSE(v2->status_subresource);
  REQUIRE(v2->columns.size() == 1);
  CHECK(v2->columns[0].name == "Y");
  CHECK(v2->columns[0].priority == 0);
  CHECK(catalog.Find(cs, "", "v1", "pods").has_value());
}
