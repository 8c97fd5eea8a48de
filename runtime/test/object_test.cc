#include "bubble/runtime/object.h"

#include <type_traits>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <bubble/runtime/config_map.h>
#include <bubble/runtime/lease.h>
#include <bubble/runtime/pod.h>
#include <bubble/runtime/scheme.h>
#include <bubble/runtime/secret.h>
#include <bubble/runtime/unstructured.h>

namespace rt = bubble::runtime;
namespace sim = bubble::sim;
using namespace std::chrono_literals;

// Objects handed out are immutable: writing through a shared pointer does not compile.
static_assert(std::is_const_v<std::remove_reference_t<decltype(*std::declval<rt::ObjectPtr>())>>);
static_assert(!std::is_assignable_v<decltype((std::declval<const rt::ConfigMap&>().data)),
                                    std::map<std::string, std::string>>);
// No slicing: Object cannot be copied on its own.
static_assert(!std::is_copy_constructible_v<rt::Object>);

namespace {

rt::Lease SampleLease() {
  rt::Lease lease({.name = "leader", .namespace_ = "kube-system"});
  lease.spec.holder_identity = "a";
  lease.spec.lease_duration_seconds = 15;
  lease.spec.acquire_time = sim::Clock::Epoch() + 1s + 500us;
  lease.spec.renew_time = sim::Clock::Epoch() + 3s;
  lease.spec.lease_transitions = 2;
  lease.spec.strategy = "OldestEmulationVersion";
  lease.spec.preferred_holder = "b";
  return lease;
}

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

}  // namespace

TEST_CASE("every kind round-trips through JSON in Kubernetes' field names", "[runtime][object]") {
  rt::ConfigMap cm({.name = "cm1",
                    .namespace_ = "default",
                    .uid = "u-1",
                    .resource_version = "7",
                    .generation = 2,
                    .creation_timestamp = sim::Clock::Epoch() + 2s,
                    .labels = {{"app", "web"}},
                    .annotations = {{"note", "x"}},
                    .owner_references = {{"v1", "Pod", "p", "u-2", true, std::nullopt}},
                    .finalizers = {"example.com/f"}},
                   {{"k", "v"}});
  cm.binary_data["bin"] = std::string("\x00\x01\xff", 3);
  cm.immutable = true;
  CheckRoundTrip(cm);
  const nlohmann::json j = cm.ToJson();
  CHECK(j["apiVersion"] == "v1");
  CHECK(j["kind"] == "ConfigMap");
  CHECK(j["metadata"]["resourceVersion"] == "7");
  CHECK(j["metadata"]["creationTimestamp"] == "2000-01-01T00:00:02Z");
  CHECK(j["metadata"]["ownerReferences"][0]["controller"] == true);
  CHECK(j["binaryData"]["bin"] == "AAH/");

  rt::Secret secret({.name = "s", .namespace_ = "default"}, {{"password", "hunter2"}});
  secret.type = "Opaque";
  CheckRoundTrip(secret);
  CHECK(secret.ToJson()["data"]["password"] == "aHVudGVyMg==");

  rt::Pod pod({.name = "p", .namespace_ = "default"});
  pod.spec.node_name = "node-1";
  pod.spec.containers = {{"app", "nginx:1", {"nginx"}, {"-g", "daemon off;"}}};
  pod.spec.restart_policy = "Always";
  pod.status.phase = "Running";
  pod.status.conditions = {{"Ready", "True", "", "", sim::Clock::Epoch() + 4s}};
  pod.status.pod_ip = "10.0.0.1";
  CheckRoundTrip(pod);
  CHECK(pod.ToJson()["spec"]["nodeName"] == "node-1");

  const rt::Lease lease = SampleLease();
  CheckRoundTrip(lease);
  const nlohmann::json lj = lease.ToJson();
  CHECK(lj["apiVersion"] == "coordination.k8s.io/v1");
  CHECK(lj["spec"]["holderIdentity"] == "a");
  CHECK(lj["spec"]["acquireTime"] == "2000-01-01T00:00:01.000500Z");
  CHECK(lj["spec"]["leaseTransitions"] == 2);
  CHECK(lj["spec"]["preferredHolder"] == "b");
}

TEST_CASE("decoding checks the kind and field types", "[runtime][object]") {
  rt::ConfigMap cm;
  auto wrong_kind = cm.ReadJson({{"apiVersion", "v1"}, {"kind", "Secret"}});
  REQUIRE_FALSE(wrong_kind.has_value());
  CHECK(rt::IsBadRequest(wrong_kind.error()));
  auto wrong_type = cm.ReadJson({{"kind", "ConfigMap"}, {"data", {{"k", 1}}}});
  REQUIRE_FALSE(wrong_type.has_value());
  CHECK_THAT(wrong_type.error().message, Catch::Matchers::Contains("data.k"));
  auto bad_time = cm.ReadJson({{"metadata", {{"creationTimestamp", "yesterday"}}}});
  REQUIRE_FALSE(bad_time.has_value());
  CHECK_THAT(bad_time.error().message, Catch::Matchers::Contains("creationTimestamp"));
}

TEST_CASE("writing means copying: clones are independent", "[runtime][object]") {
  auto original = std::make_shared<const rt::ConfigMap>(
      rt::ObjectMeta{.name = "cm"}, std::map<std::string, std::string>{{"k", "1"}});
  rt::ConfigMap next = *original;
  next.data["k"] = "2";
  CHECK(original->data.at("k") == "1");
  std::unique_ptr<rt::Object> clone = original->Clone();
  clone->metadata.name = "other";
  CHECK(original->metadata.name == "cm");
  CHECK(dynamic_cast<rt::ConfigMap*>(clone.get()) != nullptr);
}

TEST_CASE("As views objects as a kind without copying, or converts unstructured",
          "[runtime][object]") {
  rt::ObjectPtr typed = std::make_shared<const rt::ConfigMap>(rt::ObjectMeta{.name = "cm"});
  auto same = rt::As<rt::ConfigMap>(typed);
  REQUIRE(same.has_value());
  CHECK(same->get() == typed.get());

  rt::ObjectPtr u = std::make_shared<const rt::Unstructured>(
      rt::GroupVersionKind{"", "v1", "ConfigMap"}, rt::ObjectMeta{.name = "u"},
      nlohmann::json{{"data", {{"k", "v"}}}});
  auto converted = rt::As<rt::ConfigMap>(u);
  REQUIRE(converted.has_value());
  CHECK((*converted)->data.at("k") == "v");

  auto wrong = rt::As<rt::Secret>(typed);
  REQUIRE_FALSE(wrong.has_value());
  CHECK(rt::IsBadRequest(wrong.error()));

  auto as_unstructured = rt::As<rt::Unstructured>(typed);
  REQUIRE(as_unstructured.has_value());
  CHECK((*as_unstructured)->Kind().kind == "ConfigMap");
}

TEST_CASE("unstructured objects hold custom resources as JSON", "[runtime][object]") {
  const nlohmann::json j = {{"apiVersion", "example.com/v1"},
                            {"kind", "Widget"},
                            {"metadata", {{"name", "w1"}, {"namespace", "ns"}}},
                            {"spec", {{"size", 3}}},
                            {"status", {{"ready", true}}}};
  auto u = rt::Unstructured::FromJson(j);
  REQUIRE(u.has_value());
  CHECK(u->Kind() == rt::GroupVersionKind{"example.com", "v1", "Widget"});
  CHECK(u->metadata.name == "w1");
  CHECK(u->content["spec"]["size"] == 3);
  CHECK(u->HasStatus());
  CHECK(u->ToJson() == j);
  CHECK(u->FieldValue("metadata.namespace") == "ns");
  CHECK(rt::ToUnstructured(SampleLease()).content["spec"]["holderIdentity"] == "a");
}

TEST_CASE("the scheme maps kinds to resources and decodes into typed objects",
          "[runtime][scheme]") {
  rt::Scheme scheme = rt::Scheme::Builtin();
  CHECK(scheme.ResourceFor(rt::Lease::StaticKind()) == rt::Lease::StaticResource());
  CHECK(scheme.ForResource(rt::ConfigMap::StaticResource())->kind.kind == "ConfigMap");
  CHECK(scheme.ForKind({"example.com", "v1", "Widget"}) == nullptr);
  CHECK(scheme.ResourceFor({"example.com", "v1", "Policy"}).resource == "policies");

  scheme.RegisterUnstructured({"example.com", "v1", "Widget"}, true);
  CHECK(scheme.ForResource({"example.com", "v1", "widgets"}) != nullptr);

  auto decoded = scheme.Decode(SampleLease().ToJson());
  REQUIRE(decoded.has_value());
  CHECK(dynamic_cast<rt::Lease*>(decoded->get()) != nullptr);

  auto widget = scheme.Decode({{"apiVersion", "example.com/v1"}, {"kind", "Widget"}});
  REQUIRE(widget.has_value());
  CHECK(dynamic_cast<rt::Unstructured*>(widget->get()) != nullptr);

  auto normalized =
      scheme.Normalize(std::make_unique<rt::Unstructured>(rt::ToUnstructured(SampleLease())));
  REQUIRE(normalized.has_value());
  CHECK(dynamic_cast<rt::Lease*>(normalized->get()) != nullptr);

  CHECK_FALSE(scheme.Decode({{"kind", "Lease"}}).has_value());
  CHECK(scheme.Kinds().size() == 8);  // 7 builtin + Widget
}

TEST_CASE("every kind has an fmt formatter", "[runtime][object][fmt]") {
  const rt::ConfigMap cm({.name = "cm1", .namespace_ = "default", .resource_version = "3"},
                         {{"k", "v"}});
  CHECK(fmt::format("{}", cm) == "ConfigMap default/cm1 rv=3 data={k=v}");
  const rt::ObjectPtr p = std::make_shared<const rt::ConfigMap>(cm);
  CHECK(fmt::format("{}", p) == "ConfigMap default/cm1 rv=3 data={k=v}");
  CHECK(fmt::format("{}", rt::ObjectPtr()) == "<nil>");
  CHECK(
      fmt::format("{:j}", cm) ==
      R"({"apiVersion":"v1","data":{"k":"v"},"kind":"ConfigMap","metadata":{"name":"cm1","namespace":"default","resourceVersion":"3"}})");
  CHECK(fmt::format("{}", rt::Secret({.name = "s"}, {{"a", "secret"}})) ==
        "Secret s type=Opaque keys=[a]");
  rt::Pod pod({.name = "p", .namespace_ = "ns"});
  pod.status.phase = "Running";
  pod.spec.node_name = "n1";
  CHECK(fmt::format("{}", pod) == "Pod ns/p phase=Running node=n1");
  CHECK(fmt::format("{}", SampleLease()) ==
        "Lease kube-system/leader holder=a duration=15s transitions=2 "
        "acquire=2000-01-01T00:00:01.000500Z renew=2000-01-01T00:00:03.000000Z");
  CHECK(fmt::format("{}", rt::Unstructured({"example.com", "v1", "Widget"}, {.name = "w"})) ==
        "Widget w");
  rt::ObjectList list;
  list.metadata.resource_version = "4";
  list.items = {p};
  CHECK(fmt::format("{}", list) == "[default/cm1] rv=4");
  CHECK(rt::ObjectMeta{.name = "a", .namespace_ = "b"}.Key() == "b/a");
  CHECK(rt::ObjectMeta{.name = "a"}.Key() == "a");
}
