// apiserver/test/strategic_merge_test.cc
#include "strategic_merge.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace bubble::apiserver::detail {
namespace {

using nlohmann::json;

json Applied(const json& current, const json& patch) {
  json out = current;
  out.merge_patch(StrategicToMergePatch(patch, current));
  return out;
}

TEST_CASE("strategic merge patches: keyed lists merge, others replace, directives go",
          "[apiserver][patch]") {
  const json current = json::parse(R"({
    "metadata": {"labels": {"a": "1"}},
    "spec": {"containers": [{"name": "a", "image": "x", "command": ["sh"]},
                            {"name": "b", "image": "y"}],
             "args": ["1", "2"]}})");

  // kubectl apply changing one container's image: the other fields and container stay.
  const json image = json::parse(R"({"spec": {
    "$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
    "containers": [{"name": "a", "image": "x2"}]}})");
  CHECK(Applied(current, image)["spec"]["containers"] ==
        json::parse(R"([{"name": "a", "image": "x2", "command": ["sh"]},
                        {"name": "b", "image": "y"}])"));

  // A new element is appended; $setElementOrder reorders; $patch: delete removes.
  const json reorder = json::parse(R"({"spec": {
    "$setElementOrder/containers": [{"name": "c"}, {"name": "a"}],
    "containers": [{"name": "c", "image": "z"}, {"name": "b", "$patch": "delete"}]}})");
  CHECK(Applied(current, reorder)["spec"]["containers"] ==
        json::parse(R"([{"name": "c", "image": "z"},
                        {"name": "a", "image": "x", "command": ["sh"]}])"));

  // Nulls delete, nested maps merge, unkeyed lists replace, "$" keys never land in the object.
  const json other = json::parse(R"({"$retainKeys": ["spec"],
    "metadata": {"labels": {"a": null, "b": "2"}},
    "spec": {"args": ["3"], "containers": [{"name": "a", "command": null}]}})");
  const json out = Applied(current, other);
  CHECK(out["metadata"]["labels"] == json{{"b", "2"}});
  CHECK(out["spec"]["args"] == json{"3"});
  CHECK(out["spec"]["containers"][0] == json{{"name", "a"}, {"image", "x"}});
  CHECK_FALSE(out.contains("$retainKeys"));

  // A keyed list the object does not have yet is the patch's list, without directives.
  const json fresh = Applied(json::object(), json::parse(R"({"spec": {"containers":
    [{"name": "a", "image": "x", "$patch": "merge"}, {"name": "b", "$patch": "delete"}]}})"));
  CHECK(fresh["spec"]["containers"] == json::parse(R"([{"name": "a", "image": "x"}])"));
}

}  // namespace
}  // namespace bubble::apiserver::detail
