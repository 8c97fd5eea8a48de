// ToTable: the rows `kubectl get` prints, kind by kind, as kube-apiserver's printers make them.
#include "table.h"

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/unstructured.h>

#include "resource_catalog.h"

namespace api = bubble::apiserver::detail;
namespace fake = bubble::fake;
namespace rt = bubble::runtime;
namespace sim = bubble::sim;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Objects are created at 2000-01-01T00:00:00Z (sim's epoch); tables are made 3m2s later.
const sim::TimePoint kNow = sim::TimePoint{} + 3min + 2s;
constexpr const char* kCreated = "2000-01-01T00:00:00Z";

api::ServedResource Served(std::string_view group, std::string_view version,
                           std::string_view resource, const rt::Object* crd = nullptr) {
  fake::Options options;
  fake::Clientset cs(options);
  if (crd != nullptr) {
    REQUIRE(cs.GetTracker().Add(*crd).has_value());
  }
  const api::ResourceCatalog catalog(cs.GetScheme());
  auto r = catalog.Find(cs, group, version, resource);
  REQUIRE(r.has_value());
  return *r;
}

rt::ObjectPtr Parse(std::string_view text) {
  json j = json::parse(text);
  j["metadata"]["creationTimestamp"] = kCreated;
  auto typed = rt::Scheme::Builtin().Decode(j);
  REQUIRE(typed.has_value());
  return rt::ObjectPtr(std::move(*typed));
}

json Table(const api::ServedResource& r, const std::vector<rt::ObjectPtr>& objects,
           api::IncludeObject include = api::IncludeObject::kNone,
           const json& list_metadata = json::object()) {
  return api::ToTable(r, objects, list_metadata, include, kNow);
}

std::vector<std::string> ColumnNames(const json& table) {
  std::vector<std::string> out;
  for (const json& c : table["columnDefinitions"]) {
    out.push_back(c["name"].get<std::string>());
  }
  return out;
}

std::vector<std::string> WideColumns(const json& table) {
  std::vector<std::string> out;
  for (const json& c : table["columnDefinitions"]) {
    if (c["priority"] == 1) {
      out.push_back(c["name"].get<std::string>());
    }
  }
  return out;
}

}  // namespace

TEST_CASE("ConfigMap: Name, Data, Age and the table metadata is the list's", "[apiserver][table]") {
  const auto cm = Parse(R"({"apiVersion":"v1","kind":"ConfigMap",
    "metadata":{"name":"cm1","namespace":"default","resourceVersion":"7"},
    "data":{"a":"1","b":"2"}})");
  const json t = Table(Served("", "v1", "configmaps"), {cm}, api::IncludeObject::kNone,
                       {{"resourceVersion", "9"}, {"continue", "token"}});
  CHECK(t["kind"] == "Table");
  CHECK(t["apiVersion"] == "meta.k8s.io/v1");
  CHECK(t["metadata"] == json{{"resourceVersion", "9"}, {"continue", "token"}});
  CHECK(ColumnNames(t) == std::vector<std::string>{"Name", "Data", "Age"});
  CHECK(t["columnDefinitions"][0]["format"] == "name");
  CHECK(t["columnDefinitions"][1]["type"] == "integer");
  CHECK(t["rows"][0]["cells"] == json{"cm1", 2, "3m2s"});
  CHECK_FALSE(t["rows"][0].contains("object"));
}

TEST_CASE("a single object's table carries its resourceVersion", "[apiserver][table]") {
  const auto cm = Parse(R"({"apiVersion":"v1","kind":"ConfigMap",
    "metadata":{"name":"cm1","namespace":"default","resourceVersion":"7"}})");
  const json t = Table(Served("", "v1", "configmaps"), {cm});
  CHECK(t["metadata"] == json{{"resourceVersion", "7"}});
}

TEST_CASE("includeObject: PartialObjectMetadata by default, the object, or none",
          "[apiserver][table]") {
  const auto cm = Parse(R"({"apiVersion":"v1","kind":"ConfigMap",
    "metadata":{"name":"cm1","namespace":"default","labels":{"app":"web"}},
    "data":{"a":"1"}})");
  const auto served = Served("", "v1", "configmaps");
  const json meta = Table(served, {cm}, api::IncludeObject::kMetadata)["rows"][0]["object"];
  CHECK(meta["kind"] == "PartialObjectMetadata");
  CHECK(meta["apiVersion"] == "meta.k8s.io/v1");
  CHECK(meta["metadata"]["name"] == "cm1");
  CHECK(meta["metadata"]["labels"]["app"] == "web");
  CHECK_FALSE(meta.contains("data"));
  const json full = Table(served, {cm}, api::IncludeObject::kObject)["rows"][0]["object"];
  CHECK(full["kind"] == "ConfigMap");
  CHECK(full["data"]["a"] == "1");
}

TEST_CASE("Secret: Name, Type, Data, Age", "[apiserver][table]") {
  const auto s = Parse(R"({"apiVersion":"v1","kind":"Secret",
    "metadata":{"name":"s1","namespace":"default"},"data":{"k":"dg=="}})");
  const json t = Table(Served("", "v1", "secrets"), {s});
  CHECK(ColumnNames(t) == std::vector<std::string>{"Name", "Type", "Data", "Age"});
  CHECK(t["rows"][0]["cells"] == json{"s1", "Opaque", 1, "3m2s"});
}

TEST_CASE("Pod: ready containers, status, restarts and wide IP and node", "[apiserver][table]") {
  const auto served = Served("", "v1", "pods");
  const auto running = rt::Unstructured::FromJson(json::parse(R"({
    "apiVersion":"v1","kind":"Pod",
    "metadata":{"name":"web-1","namespace":"default","creationTimestamp":"2000-01-01T00:00:00Z"},
    "spec":{"nodeName":"node-a","containers":[{"name":"a"},{"name":"b"}]},
    "status":{"phase":"Running","podIP":"10.0.0.5",
      "containerStatuses":[
        {"name":"a","ready":true,"restartCount":2,"state":{"running":{}}},
        {"name":"b","ready":false,"restartCount":1,
         "state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}})"));
  REQUIRE(running.has_value());
  const auto pending = Parse(R"({"apiVersion":"v1","kind":"Pod",
    "metadata":{"name":"web-2","namespace":"default"},
    "spec":{"containers":[{"name":"a","image":"nginx"}]},"status":{"phase":"Pending"}})");
  const json t = Table(served, {std::make_shared<rt::Unstructured>(*running), pending});
  CHECK(ColumnNames(t) == std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age",
                                                   "IP", "Node", "Nominated Node",
                                                   "Readiness Gates"});
  CHECK(WideColumns(t) ==
        std::vector<std::string>{"IP", "Node", "Nominated Node", "Readiness Gates"});
  CHECK(t["rows"][0]["cells"] == json{"web-1", "1/2", "CrashLoopBackOff", 3, "3m2s", "10.0.0.5",
                                      "node-a", "<none>", "<none>"});
  CHECK(t["rows"][1]["cells"] ==
        json{"web-2", "0/1", "Pending", 0, "3m2s", "<none>", "<none>", "<none>", "<none>"});
}

TEST_CASE("Pod: being deleted is Terminating and a failed init container shows Init:",
          "[apiserver][table]") {
  const auto served = Served("", "v1", "pods");
  const auto deleting = Parse(R"({"apiVersion":"v1","kind":"Pod",
    "metadata":{"name":"p1","namespace":"default","deletionTimestamp":"2000-01-01T00:01:00Z",
                "finalizers":["x"]},
    "spec":{"containers":[{"name":"a"}]},"status":{"phase":"Running"}})");
  const auto init = rt::Unstructured::FromJson(json::parse(R"({
    "apiVersion":"v1","kind":"Pod","metadata":{"name":"p2","namespace":"default"},
    "spec":{"initContainers":[{"name":"i0"},{"name":"i1"}],"containers":[{"name":"a"}]},
    "status":{"phase":"Pending","initContainerStatuses":[
      {"name":"i0","restartCount":0,"state":{"terminated":{"exitCode":0}}},
      {"name":"i1","restartCount":4,"state":{"terminated":{"exitCode":1,"reason":"Error"}}}]}})"));
  REQUIRE(init.has_value());
  const json t = Table(served, {deleting, std::make_shared<rt::Unstructured>(*init)});
  CHECK(t["rows"][0]["cells"][2] == "Terminating");
  CHECK(t["rows"][1]["cells"][1] == "0/1");
  CHECK(t["rows"][1]["cells"][2] == "Init:Error");
  CHECK(t["rows"][1]["cells"][3] == 4);
  CHECK(t["rows"][1]["cells"][4] == "<unknown>");  // no creationTimestamp
}

TEST_CASE("Service: type, cluster IP, external IP, ports and wide selector", "[apiserver][table]") {
  const auto served = Served("", "v1", "services");
  const auto cluster_ip = Parse(R"({"apiVersion":"v1","kind":"Service",
    "metadata":{"name":"web","namespace":"default"},
    "spec":{"clusterIP":"10.96.0.10","selector":{"tier":"front","app":"web"},
            "ports":[{"port":80,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]}})");
  const auto lb = Parse(R"({"apiVersion":"v1","kind":"Service",
    "metadata":{"name":"lb","namespace":"default"},
    "spec":{"type":"LoadBalancer","ports":[{"port":443}]}})");
  const json t = Table(served, {cluster_ip, lb});
  CHECK(ColumnNames(t) == std::vector<std::string>{"Name", "Type", "Cluster-IP", "External-IP",
                                                   "Port(s)", "Age", "Selector"});
  CHECK(t["rows"][0]["cells"] == json{"web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,53/UDP",
                                      "3m2s", "app=web,tier=front"});
  CHECK(t["rows"][1]["cells"] ==
        json{"lb", "LoadBalancer", "<none>", "<pending>", "443/TCP", "3m2s", "<none>"});
}

TEST_CASE("Namespace: Name, Status, Age", "[apiserver][table]") {
  const auto ns = Parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"},
    "status":{"phase":"Terminating"}})");
  const json t = Table(Served("", "v1", "namespaces"), {ns});
  CHECK(ColumnNames(t) == std::vector<std::string>{"Name", "Status", "Age"});
  CHECK(t["rows"][0]["cells"] == json{"team", "Terminating", "3m2s"});
}

TEST_CASE(
    "Deployment: ready of desired, up-to-date, available and wide containers, images, "
    "selector",
    "[apiserver][table]") {
  const auto d = rt::Unstructured::FromJson(json::parse(R"({
    "apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"web","namespace":"default","creationTimestamp":"2000-01-01T00:00:00Z"},
    "spec":{"replicas":3,
      "selector":{"matchLabels":{"app":"web"},
                  "matchExpressions":[{"key":"env","operator":"In","values":["prod","dev"]}]},
      "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.19"},
                                        {"name":"sidecar","image":"envoy"}]}}},
    "status":{"replicas":3,"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}})"));
  REQUIRE(d.has_value());
  const json t =
      Table(Served("apps", "v1", "deployments"), {std::make_shared<rt::Unstructured>(*d)});
  CHECK(ColumnNames(t) == std::vector<std::string>{"Name", "Ready", "Up-to-date", "Available",
                                                   "Age", "Containers", "Images", "Selector"});
  CHECK(WideColumns(t) == std::vector<std::string>{"Containers", "Images", "Selector"});
  CHECK(t["rows"][0]["cells"] == json{"web", "2/3", 3, 2, "3m2s", "nginx,sidecar",
                                      "nginx:1.19,envoy", "app=web,env in (dev,prod)"});
}

TEST_CASE("Lease: Name, Holder, Age", "[apiserver][table]") {
  const auto held = Parse(R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease",
    "metadata":{"name":"leader","namespace":"kube-system"},"spec":{"holderIdentity":"pod-a"}})");
  const auto free = Parse(R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease",
    "metadata":{"name":"idle","namespace":"kube-system"}})");
  const json t = Table(Served("coordination.k8s.io", "v1", "leases"), {held, free});
  CHECK(ColumnNames(t) == std::vector<std::string>{"Name", "Holder", "Age"});
  CHECK(t["rows"][0]["cells"] == json{"leader", "pod-a", "3m2s"});
  CHECK(t["rows"][1]["cells"] == json{"idle", "", "3m2s"});
}

TEST_CASE("Event: Last Seen, Type, Reason, Object, Message (and the wide columns)",
          "[apiserver][table]") {
  const auto ev = rt::Unstructured::FromJson(json::parse(R"({
    "apiVersion":"v1","kind":"Event",
    "metadata":{"name":"web-1.abc","namespace":"default"},
    "involvedObject":{"kind":"Pod","name":"web-1","fieldPath":"spec.containers{a}"},
    "reason":"BackOff","type":"Warning","message":"  Back-off restarting  \n",
    "source":{"component":"kubelet","host":"node-a"},
    "firstTimestamp":"2000-01-01T00:00:00Z","lastTimestamp":"2000-01-01T00:03:00Z",
    "count":5})"));
  REQUIRE(ev.has_value());
  const json t = Table(Served("", "v1", "events"), {std::make_shared<rt::Unstructured>(*ev)});
  CHECK(ColumnNames(t) == std::vector<std::string>{"Last Seen", "Type", "Reason", "Object",
                                                   "Subobject", "Source", "Message", "First Seen",
                                                   "Count", "Name"});
  CHECK(t["rows"][0]["cells"] == json{"2s", "Warning", "BackOff", "pod/web-1", "spec.containers{a}",
                                      "kubelet, node-a", "Back-off restarting", "3m2s", 5,
                                      "web-1.abc"});
}

TEST_CASE("CustomResourceDefinition: Name, Created At", "[apiserver][table]") {
  const auto crd = rt::Unstructured::FromJson(json::parse(R"({
    "apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
    "metadata":{"name":"widgets.example.com","creationTimestamp":"2000-01-01T00:00:05Z"}})"));
  REQUIRE(crd.has_value());
  const json t = Table(Served("apiextensions.k8s.io", "v1", "customresourcedefinitions"),
                       {std::make_shared<rt::Unstructured>(*crd)});
  CHECK(ColumnNames(t) == std::vector<std::string>{"Name", "Created At"});
  CHECK(t["columnDefinitions"][1]["type"] == "date");
  CHECK(t["rows"][0]["cells"] == json{"widgets.example.com", "2000-01-01T00:00:05Z"});
}

TEST_CASE("a custom resource gets its CRD's additionalPrinterColumns", "[apiserver][table]") {
  const auto crd = rt::Unstructured::FromJson(json::parse(R"({
    "apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
    "metadata":{"name":"widgets.example.com"},
    "spec":{"group":"example.com","scope":"Namespaced",
      "names":{"plural":"widgets","singular":"widget","kind":"Widget"},
      "versions":[{"name":"v1","served":true,"storage":true,"additionalPrinterColumns":[
        {"name":"Size","type":"integer","jsonPath":".spec.size"},
        {"name":"Phase","type":"string","jsonPath":".status.phase"},
        {"name":"First","type":"string","jsonPath":".spec.items[0].name","priority":1},
        {"name":"Ready","type":"boolean","jsonPath":".status.ready"},
        {"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}]}]}})"));
  REQUIRE(crd.has_value());
  const auto served = Served("example.com", "v1", "widgets", &*crd);
  const auto w1 = rt::Unstructured::FromJson(json::parse(R"({
    "apiVersion":"example.com/v1","kind":"Widget",
    "metadata":{"name":"w1","namespace":"default","creationTimestamp":"2000-01-01T00:01:00Z"},
    "spec":{"size":3,"items":[{"name":"x"}]},"status":{"phase":"Ready","ready":true}})"));
  const auto w2 = rt::Unstructured::FromJson(json::parse(R"({
    "apiVersion":"example.com/v1","kind":"Widget",
    "metadata":{"name":"w2","namespace":"default"},"spec":{"size":"big"}})"));
  REQUIRE(w1.has_value());
  REQUIRE(w2.has_value());
  const json t = Table(
      served, {std::make_shared<rt::Unstructured>(*w1), std::make_shared<rt::Unstructured>(*w2)});
  CHECK(ColumnNames(t) ==
        std::vector<std::string>{"Name", "Size", "Phase", "First", "Ready", "Age"});
  CHECK(WideColumns(t) == std::vector<std::string>{"First"});
  CHECK(t["rows"][0]["cells"] == json{"w1", 3, "Ready", "x", true, "2m2s"});
  // Missing fields and a value of the wrong type are empty cells, as apiextensions makes them.
  CHECK(t["rows"][1]["cells"] == json{"w2", nullptr, nullptr, nullptr, nullptr, nullptr});
}

TEST_CASE("a kind without a printer gets Name and Age", "[apiserver][table]") {
  fake::Options options;
  options.scheme.RegisterUnstructured({"example.com", "v1", "Widget"}, true, "widgets");
  fake::Clientset cs(options);
  const api::ResourceCatalog catalog(cs.GetScheme());
  const auto served = catalog.Find(cs, "example.com", "v1", "widgets");
  REQUIRE(served.has_value());
  rt::Unstructured w(
      {"example.com", "v1", "Widget"},
      {.name = "w1", .namespace_ = "default", .creation_timestamp = sim::TimePoint{}});
  const json t = Table(*served, {std::make_shared<rt::Unstructured>(w)});
  CHECK(ColumnNames(t) == std::vector<std::string>{"Name", "Age"});
  CHECK(t["rows"][0]["cells"] == json{"w1", "3m2s"});
}
