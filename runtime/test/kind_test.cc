// KindBase and BUBBLE_KIND (kind.h): a kind declared here from a spec and a status, with no
// hand-written encoding, round-trips through JSON, compares, converts from Unstructured,
// registers in a scheme in one call and reports decoding errors as BadRequest naming the field;
// the kinds bubble builds on it (Namespace, Service, Deployment) speak Kubernetes' field names.
#include "bubble/runtime/kind.h"

#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <bubble/runtime/deployment.h>
#include <bubble/runtime/namespace.h>
#include <bubble/runtime/scheme.h>
#include <bubble/runtime/service.h>
#include <bubble/runtime/unstructured.h>

namespace rt = bubble::runtime;

namespace kindtest {

// A user-defined kind: k8s field names through BUBBLE_JSON_FIELDS for the spec, nlohmann's own
// macro for the status.
struct WidgetSpec {
  std::int32_t size = 1;
  std::string color{};
  std::vector<std::string> tags{};
  std::optional<std::int64_t> max_size{};
  friend bool operator==(const WidgetSpec&, const WidgetSpec&) = default;
};
BUBBLE_JSON_FIELDS(WidgetSpec, (size, "size"), (color, "color"), (tags, "tags"),
                   (max_size, "maxSize"))

struct WidgetStatus {
  std::string phase{};
  std::int64_t observed = 0;
};  // no operator==: equality compares the JSON
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(WidgetStatus, phase, observed)

struct Widget final : rt::KindBase<Widget, WidgetSpec, WidgetStatus> {
  BUBBLE_KIND(Widget, "example.com", "v1", "Widget", "widgets", true);
};

// A kind without a status subresource.
struct Knob final : rt::KindBase<Knob, WidgetSpec> {
  BUBBLE_KIND(Knob, "example.com", "v1", "Knob", "knobs", false);
};

}  // namespace kindtest

using kindtest::Knob;
using kindtest::Widget;

namespace {

template <class T>
void CheckRoundTrip(const T& obj) {
  const nlohmann::json j = obj.ToJson();
  T back;
  const auto ok = back.ReadJson(j);
  INFO(j.dump());
  REQUIRE(ok.has_value());
  CHECK(back == obj);
  CHECK(back.Equals(obj));
}

std::string DecodeError(const nlohmann::json& j) {
  Widget w;
  auto ok = w.ReadJson(j);
  REQUIRE_FALSE(ok.has_value());
  CHECK(rt::IsBadRequest(ok.error()));
  return ok.error().message;
}

}  // namespace

TEST_CASE("a kind from a spec and a status needs no encoder: JSON, equality, status",
          "[runtime][kind]") {
  Widget w({.name = "w1", .namespace_ = "ns", .labels = {{"app", "web"}}},
           {.size = 3, .color = "red", .tags = {"a", "b"}, .max_size = 0},
           {.phase = "Ready", .observed = 2});
  CHECK(w.ToJson() == nlohmann::json::parse(R"({
    "apiVersion": "example.com/v1", "kind": "Widget",
    "metadata": {"name": "w1", "namespace": "ns", "labels": {"app": "web"}},
    "spec": {"size": 3, "color": "red", "tags": ["a", "b"], "maxSize": 0},
    "status": {"phase": "Ready", "observed": 2}})"));
  CheckRoundTrip(w);
  CHECK(w.HasStatus());
  CHECK(&w.Kind() == &Widget::StaticKind());
  CHECK(Widget::StaticResource() == rt::GroupVersionResource{"example.com", "v1", "widgets"});
  CHECK(fmt::format("{}", w) == "Widget ns/w1");

  // Defaults are omitted and come back when absent (or null).
  Widget empty({.name = "w2"});
  CHECK(empty.ToJson()["spec"] == nlohmann::json::object());
  Widget back;
  REQUIRE(back.ReadJson(nlohmann::json::parse(
      R"({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w2"},
          "spec": {"size": null}})")));
  CHECK(back.spec.size == 1);
  CHECK_FALSE(back.spec.max_size.has_value());
  CHECK(back == empty);

  Widget other = w;
  CHECK(other.Equals(w));
  other.status.observed = 3;  // compared through the JSON: WidgetStatus has no operator==
  CHECK_FALSE(other.Equals(w));
  other = w;
  other.spec.tags.push_back("c");
  CHECK_FALSE(other.Equals(w));
  other = w;
  other.metadata.labels.clear();
  CHECK_FALSE(other.Equals(w));

  Knob k({.name = "k1"}, {.size = 2});
  CHECK_FALSE(k.HasStatus());
  CHECK_FALSE(k.ToJson().contains("status"));
  CheckRoundTrip(k);
  CHECK_FALSE(k.Equals(w));
}

TEST_CASE("decoding errors of a kind are BadRequest naming the field", "[runtime][kind]") {
  auto widget = [](const char* spec) {
    return nlohmann::json::parse(fmt::format(
        R"({{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {{"name": "w"}},
             "spec": {}}})",
        spec));
  };
  CHECK(DecodeError(widget(R"({"size": "big"})")) ==
        "Widget: field \"spec.size\": type must be number, but is string");
  CHECK(DecodeError(widget(R"({"tags": [1]})")) ==
        "Widget: field \"spec.tags\": type must be string, but is number");
  CHECK(DecodeError(widget(R"({"maxSize": true})")) ==
        "Widget: field \"spec.maxSize\": type must be number, but is boolean");
  CHECK(DecodeError(widget(R"("tiny")")) ==
        "Widget: field \"spec\": expected an object, got string");
  // nlohmann's macros name the section.
  auto bad_status = widget("{}");
  bad_status["status"] = {{"observed", "x"}};
  CHECK(DecodeError(bad_status) == "Widget: field \"status\": type must be number, but is string");

  // Nested structs name the whole path.
  rt::Deployment d;
  auto ok = d.ReadJson(nlohmann::json::parse(
      R"({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
          "spec": {"selector": {"matchLabels": {"app": 7}}}})"));
  REQUIRE_FALSE(ok);
  CHECK(ok.error().message ==
        "Deployment: field \"spec.selector.matchLabels\": type must be string, but is number");
  ok = d.ReadJson(nlohmann::json::parse(
      R"({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
          "spec": {"template": {"metadata": {"labels": "x"}}}})"));
  REQUIRE_FALSE(ok);
  CHECK_THAT(ok.error().message,
             Catch::StartsWith("Deployment: field \"spec.template.metadata\": "));
  ok = d.ReadJson(nlohmann::json::parse(
      R"({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
          "spec": {"template": {"spec": {"containers": [{"name": 1}]}}}})"));
  REQUIRE_FALSE(ok);
  CHECK_THAT(ok.error().message, Catch::StartsWith("Deployment: field \"spec.template.spec\": "));
  CHECK_THAT(ok.error().message, Catch::Contains("\"name\""));
}

TEST_CASE("a kind registers in a scheme in one call and converts from Unstructured",
          "[runtime][kind]") {
  rt::Scheme scheme = rt::Scheme::Builtin();
  CHECK(scheme.ForKind(Widget::StaticKind()) == nullptr);
  scheme.Register<Widget>();
  const rt::KindInfo* info = scheme.ForResource({"example.com", "v1", "widgets"});
  REQUIRE(info != nullptr);
  CHECK(info->kind == Widget::StaticKind());
  CHECK(info->namespaced);

  const rt::Unstructured u({"example.com", "v1", "Widget"}, {.name = "w1", .namespace_ = "ns"},
                           {{"spec", {{"size", 5}}}, {"status", {{"phase", "Ready"}}}});
  auto decoded = scheme.Decode(u.ToJson());
  REQUIRE(decoded);
  const auto* typed = dynamic_cast<const Widget*>(decoded->get());
  REQUIRE(typed != nullptr);
  CHECK(typed->spec.size == 5);
  CHECK(typed->status.phase == "Ready");

  auto as = rt::As<Widget>(std::make_shared<const rt::Unstructured>(u));
  REQUIRE(as);
  CHECK((*as)->spec.size == 5);
  CHECK(rt::ToUnstructured(**as).content["spec"]["size"] == 5);
}

TEST_CASE("Namespace, Service and Deployment: Kubernetes' JSON, builtin scheme",
          "[runtime][kind]") {
  const rt::Scheme& builtin = rt::Scheme::Builtin();
  for (const auto& [gvr, namespaced] : std::vector<std::pair<rt::GroupVersionResource, bool>>{
           {{"", "v1", "namespaces"}, false},
           {{"", "v1", "services"}, true},
           {{"apps", "v1", "deployments"}, true}}) {
    const rt::KindInfo* info = builtin.ForResource(gvr);
    REQUIRE(info != nullptr);
    CHECK(info->namespaced == namespaced);
    CHECK(dynamic_cast<rt::Unstructured*>(info->make().get()) == nullptr);
  }

  rt::Namespace ns({.name = "team-a"}, {.finalizers = {"kubernetes"}}, {.phase = "Active"});
  CHECK(ns.ToJson() == nlohmann::json::parse(R"({"apiVersion": "v1", "kind": "Namespace",
    "metadata": {"name": "team-a"}, "spec": {"finalizers": ["kubernetes"]},
    "status": {"phase": "Active"}})"));
  CHECK(ns.FieldValue("status.phase") == "Active");
  CHECK(fmt::format("{}", ns) == "Namespace team-a phase=Active");
  CheckRoundTrip(ns);

  rt::Service svc(
      {.name = "web", .namespace_ = "default"},
      {.type = "LoadBalancer",
       .selector = {{"app", "web"}},
       .ports = {{.name = "http",
                  .protocol = "TCP",
                  .port = 80,
                  .target_port = rt::IntOrString::String("http")},
                 {.name = "metrics", .port = 9090, .target_port = rt::IntOrString::Int(9091)}},
       .cluster_ip = "10.0.0.1"},
      {.load_balancer = {.ingress = {{.ip = "1.2.3.4"}}}});
  CHECK(svc.ToJson() == nlohmann::json::parse(R"({"apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "clusterIP": "10.0.0.1",
             "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": "http"},
                       {"name": "metrics", "port": 9090, "targetPort": 9091}]},
    "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}})"));
  CHECK(svc.FieldValue("spec.clusterIP") == "10.0.0.1");
  CheckRoundTrip(svc);

  rt::Deployment d({.name = "web", .namespace_ = "default", .generation = 4});
  d.spec.replicas = 3;
  d.spec.selector.match_labels = {{"app", "web"}};
  d.spec.template_.metadata.labels = {{"app", "web"}};
  d.spec.template_.spec.containers = {{.name = "web", .image = "nginx:1.27"}};
  d.status = {
      .observed_generation = 4, .replicas = 3, .ready_replicas = 2, .available_replicas = 2};
  CHECK(d.ToJson() == nlohmann::json::parse(R"({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default", "generation": 4},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
    "status": {"observedGeneration": 4, "replicas": 3, "readyReplicas": 2,
               "availableReplicas": 2}})"));
  CHECK(fmt::format("{}", d) == "Deployment default/web replicas=3 ready=2/3");
  CheckRoundTrip(d);
  // replicas defaults to 1, as the API server does.
  rt::Deployment bare;
  REQUIRE(bare.ReadJson(nlohmann::json::parse(
      R"({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}})")));
  CHECK(bare.spec.replicas == 1);
  // The wrong kind is refused.
  CHECK_FALSE(bare.ReadJson(svc.ToJson()));
}
