// client/test/in_cluster_test.cc: a pod's configuration from its environment and service account
// files, in a temporary directory standing for /var/run/secrets/kubernetes.io/serviceaccount.
#include "bubble/client/in_cluster.h"

#include <catch2/catch.hpp>

#include <bubble/client/config_error.h>
#include <bubble/client/load_config.h>

#include "temp_dir.h"

namespace client = bubble::client;
using bubble::net::test::TempDir;
using Catch::Matchers::Contains;

namespace {

constexpr std::string_view kCaPem = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";

const client::ConfigEnvironment kPod{.service_host = "10.96.0.1", .service_port = "443"};

}  // namespace

TEST_CASE("in-cluster: server, token, CA and namespace from the service account", "[in-cluster]") {
  TempDir dir;
  dir.Write("token", "eyJhbGciOi.token\n");
  dir.Write("ca.crt", kCaPem);
  dir.Write("namespace", "shop\n");
  REQUIRE(client::InCluster(kPod));
  const client::LoadedConfig loaded = client::InClusterConfig(kPod, dir.path);
  CHECK(loaded.server == "https://10.96.0.1:443");
  CHECK(loaded.bearer_token == "eyJhbGciOi.token");
  CHECK(loaded.token_file == (dir.path / "token").string());  // re-read as it rotates
  CHECK(loaded.ca_pem == kCaPem);
  CHECK(loaded.namespace_name == "shop");
  CHECK(loaded.context_name.empty());
  CHECK_FALSE(loaded.insecure_skip_tls_verify);

  SECTION("POD_NAMESPACE overrides the namespace file") {
    client::ConfigEnvironment env = kPod;
    env.pod_namespace = "from-env";
    CHECK(client::InClusterConfig(env, dir.path).namespace_name == "from-env");
  }
  SECTION("an IPv6 service address is bracketed") {
    client::ConfigEnvironment env = kPod;
    env.service_host = "fd00:10:96::1";
    CHECK(client::InClusterConfig(env, dir.path).server == "https://[fd00:10:96::1]:443");
  }
}

TEST_CASE("in-cluster: without ca.crt or namespace, the system's roots and the default namespace",
          "[in-cluster]") {
  TempDir dir;
  dir.Write("token", "t");
  const client::LoadedConfig loaded = client::InClusterConfig(kPod, dir.path);
  CHECK(loaded.ca_pem.empty());
  CHECK(loaded.namespace_name == "default");
}

TEST_CASE("in-cluster: outside a pod, or without a token, the error says so", "[in-cluster]") {
  TempDir dir;
  CHECK_FALSE(client::InCluster({.service_host = "10.96.0.1"}));
  CHECK_THROWS_AS(client::InClusterConfig({.service_port = "443"}, dir.path), client::ConfigError);
  CHECK_THROWS_WITH(client::InClusterConfig({}, dir.path),
                    Contains("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST "
                             "and KUBERNETES_SERVICE_PORT must be defined") &&
                        Contains("use a kubeconfig"));
  CHECK_THROWS_WITH(
      client::InClusterConfig(kPod, dir.path),
      Contains("cannot read the service account token " + (dir.path / "token").string()) &&
          Contains("automountServiceAccountToken"));
}

TEST_CASE("in-cluster: LoadConfig falls back to it when no kubeconfig defines anything",
          "[in-cluster]") {
  TempDir dir;
  dir.Write("sa/token", "t");
  client::ConfigEnvironment env = kPod;
  env.home = dir.path.string();  // no ~/.kube/config there
  const client::LoadedConfig loaded =
      client::LoadConfig({.namespace_name = "mine"}, env, dir.path / "sa");
  CHECK(loaded.server == "https://10.96.0.1:443");
  CHECK(loaded.bearer_token == "t");
  CHECK(loaded.namespace_name == "mine");

  env.service_host.clear();
  CHECK_THROWS_WITH(client::LoadConfig({}, env, dir.path / "sa"),
                    Contains("no kubeconfig found") && Contains("run in a pod"));
}
