// tools/test/seed_objects_test.cc: `bubble apiserver --seed-objects` reads the YAML and JSON
// files kubectl takes, and names the document of any error.
#include "net/seed_objects.h"

#include <catch2/catch.hpp>

namespace nc = bubble::cli::net_commands;

TEST_CASE("seed objects: YAML documents become JSON objects typed as kubectl types them",
          "[seed-objects]") {
  const auto objects = nc::ParseSeedObjects(R"(# a comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  labels: {app: web}
data:
  quoted: "2"
  plain: two
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  paused: false
  progressDeadlineSeconds: 600
  minReadySeconds: 0
  template: {spec: {containers: [{name: c, image: "nginx:1.25", args: [~, 1.5, "true", true]}]}}
---
)",
                                            "objects.yaml");
  REQUIRE(objects.size() == 2);
  CHECK(objects[0]["metadata"]["labels"]["app"] == "web");
  CHECK(objects[0]["data"]["quoted"] == "2");  // quoted: a string
  CHECK(objects[0]["data"]["plain"] == "two");
  CHECK(objects[1]["spec"]["replicas"] == 3);
  CHECK(objects[1]["spec"]["replicas"].is_number_integer());
  CHECK(objects[1]["spec"]["paused"] == false);
  const auto& args = objects[1]["spec"]["template"]["spec"]["containers"][0]["args"];
  CHECK(args[0].is_null());
  CHECK(args[1] == 1.5);
  CHECK(args[2] == "true");
  CHECK(args[3] == true);
}

TEST_CASE("seed objects: JSON files and lists are read too", "[seed-objects]") {
  const auto objects = nc::ParseSeedObjects(
      R"({"apiVersion": "v1", "kind": "List", "items": [
           {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},
           {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "c-"},
            "data": {"n": "1"}}]})",
      "objects.json");
  REQUIRE(objects.size() == 2);
  CHECK(objects[0]["kind"] == "Namespace");
  CHECK(objects[1]["metadata"]["generateName"] == "c-");
  CHECK(objects[1]["data"]["n"] == "1");
}

TEST_CASE("seed objects: errors name the file, the document and what is missing",
          "[seed-objects]") {
  const auto error = [](const std::string& text) {
    try {
      nc::ParseSeedObjects(text, "f.yaml");
    } catch (const nc::SeedObjectsError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error("kind: ["), Catch::StartsWith("f.yaml: not YAML or JSON"));
  CHECK(error("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: ConfigMap\n") ==
        "f.yaml, document 2: the object has no apiVersion or kind");
  CHECK(error("apiVersion: v1\nkind: ConfigMap\ndata: {}\n") ==
        "f.yaml, document 1: the ConfigMap has no metadata.name (or metadata.generateName)");
  CHECK(error("- a\n- b\n") ==
        "f.yaml, document 1: not an object (a mapping with apiVersion, kind and metadata)");
  CHECK(error("apiVersion: v1\nkind: List\nitems: 3\n") ==
        "f.yaml, document 1: a List without an items array");
  CHECK(nc::ParseSeedObjects("# only a comment\n---\n", "empty.yaml").empty());
}

TEST_CASE("seed objects: a missing file is a clear error", "[seed-objects]") {
  CHECK_THROWS_WITH(nc::ReadSeedObjects("/nonexistent/objects.yaml"),
                    Catch::StartsWith("cannot read seed objects \"/nonexistent/objects.yaml\""));
}
