// tools/test/kubeconfig_test.cc: the kubeconfig written for kubectl: one context per served
// cluster, the first current, the CA file for HTTPS.
#include "net/kubeconfig.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace nc = bubble::cli::net_commands;

TEST_CASE("a kubeconfig names one context per cluster, the first current", "[kubeconfig]") {
  const auto doc = nlohmann::json::parse(
      nc::KubeconfigText({.clusters = {{"bubble", "https://localhost:6443"},
                                       {"bubble-2", "https://localhost:6443/clusters/2"}},
                          .certificate_authority_file = "/tmp/x/ca.pem"}));
  CHECK(doc["kind"] == "Config");
  CHECK(doc["current-context"] == "bubble");
  REQUIRE(doc["clusters"].size() == 2);
  CHECK(doc["clusters"][1]["cluster"]["server"] == "https://localhost:6443/clusters/2");
  CHECK(doc["clusters"][0]["cluster"]["certificate-authority"] == "/tmp/x/ca.pem");
  CHECK(doc["contexts"][1]["context"]["cluster"] == "bubble-2");
  CHECK(doc["contexts"][0]["context"]["namespace"] == "default");
  // A user with credentials: kubectl would otherwise prompt for a password over HTTPS.
  CHECK(doc["users"][0]["user"].contains("token"));
}

TEST_CASE("a plain HTTP kubeconfig has no certificate authority", "[kubeconfig]") {
  const auto doc = nlohmann::json::parse(
      nc::KubeconfigText({.clusters = {{"bubble", "http://127.0.0.1:8080"}}}));
  CHECK_FALSE(doc["clusters"][0]["cluster"].contains("certificate-authority"));
}
