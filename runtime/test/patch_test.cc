#include "bubble/runtime/patch.h"

#include <catch2/catch.hpp>

#include <bubble/runtime/config_map.h>
#include <bubble/runtime/label_selector.h>
#include <bubble/runtime/pod.h>

namespace rt = bubble::runtime;

TEST_CASE("merge patches follow RFC 7386", "[runtime][patch]") {
  const rt::ConfigMap cm({.name = "cm", .namespace_ = "default", .labels = {{"a", "1"}}},
                         {{"keep", "x"}, {"drop", "y"}});
  auto patched =
      rt::ApplyPatch(cm, rt::PatchType::kMerge,
                     R"({"data":{"drop":null,"new":"z"},"metadata":{"labels":{"b":"2"}}})");
  REQUIRE(patched.has_value());
  const auto& out = dynamic_cast<const rt::ConfigMap&>(**patched);
  CHECK(out.data == std::map<std::string, std::string>{{"keep", "x"}, {"new", "z"}});
  CHECK(out.metadata.labels == rt::Labels{{"a", "1"}, {"b", "2"}});
  CHECK(cm.data.size() == 2);  // the input is untouched

  auto strategic = rt::ApplyPatch(cm, rt::PatchType::kStrategicMerge, R"({"data":{"keep":"w"}})");
  REQUIRE(strategic.has_value());
  CHECK(dynamic_cast<const rt::ConfigMap&>(**strategic).data.at("keep") == "w");
}

TEST_CASE("JSON patches follow RFC 6902", "[runtime][patch]") {
  rt::Pod pod({.name = "p"});
  pod.status.phase = "Pending";
  auto patched = rt::ApplyPatch(pod, rt::PatchType::kJson,
                                R"([{"op":"test","path":"/status/phase","value":"Pending"},
                                    {"op":"replace","path":"/status/phase","value":"Running"}])");
  REQUIRE(patched.has_value());
  CHECK(dynamic_cast<const rt::Pod&>(**patched).status.phase == "Running");

  auto failed = rt::ApplyPatch(pod, rt::PatchType::kJson,
                               R"([{"op":"test","path":"/status/phase","value":"Running"}])");
  REQUIRE_FALSE(failed.has_value());
  CHECK(rt::IsBadRequest(failed.error()));
}

TEST_CASE("malformed patches are BadRequest", "[runtime][patch]") {
  const rt::ConfigMap cm({.name = "cm"});
  CHECK(rt::IsBadRequest(rt::ApplyPatch(cm, rt::PatchType::kMerge, "{not json").error()));
  CHECK(rt::IsBadRequest(rt::ApplyPatch(cm, rt::PatchType::kMerge, "[1]").error()));
  CHECK(rt::IsBadRequest(rt::ApplyPatch(cm, rt::PatchType::kJson, "{}").error()));
  CHECK(
      rt::IsBadRequest(rt::ApplyPatch(cm, rt::PatchType::kMerge, R"({"kind":"Secret"})").error()));
  CHECK(rt::IsBadRequest(rt::ApplyPatch(cm, rt::PatchType::kMerge, R"({"data":{"k":3}})").error()));
}
