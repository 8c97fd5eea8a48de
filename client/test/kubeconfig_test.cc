// client/test/kubeconfig_test.cc: kubeconfig files read, merged and resolved as kubectl does.
#include "bubble/client/kubeconfig.h"

#include <catch2/catch.hpp>

#include <bubble/client/config_error.h>
#include <bubble/client/kubeconfig_loader.h>
#include <bubble/client/load_config.h>

#include "temp_dir.h"

namespace client = bubble::client;
namespace fs = std::filesystem;
using bubble::net::test::TempDir;
using Catch::Matchers::Contains;

namespace {

constexpr std::string_view kCaPem = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
constexpr std::string_view kCertPem =
    "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n";
constexpr std::string_view kKeyPem =
    "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";
// base64 of kCaPem, kCertPem and kKeyPem (base64 -w0).
constexpr std::string_view kCaData =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K";
constexpr std::string_view kCertData =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNMSUVOVAotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==";
constexpr std::string_view kKeyData =
    "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCktFWQotLS0tLUVORCBQUklWQVRFIEtFWS0tLS0tCg==";

std::string Text(std::string_view view) {
  return std::string(view);
}

// A kubeconfig with one context `name` on cluster `name` and user `name`, with `cluster` and
// `user` as the YAML bodies of their entries.
std::string OneContext(const std::string& name, const std::string& cluster, const std::string& user,
                       const std::string& current = "") {
  return "apiVersion: v1\nkind: Config\nclusters:\n- name: " + name + "\n  cluster:\n" + cluster +
         "users:\n- name: " + name + "\n  user:\n" + user + "contexts:\n- name: " + name +
         "\n  context: {cluster: " + name + ", user: " + name + "}\n" +
         (current.empty() ? "" : "current-context: " + current + "\n");
}

client::LoadedConfig LoadFiles(const std::vector<fs::path>& files,
                               const client::KubeconfigOverrides& overrides = {}) {
  return client::ResolveKubeconfig(client::LoadMergedKubeconfig(files), overrides);
}

}  // namespace

TEST_CASE("kubeconfig: each field of a cluster, user and context is read", "[kubeconfig]") {
  const client::Kubeconfig config = client::ParseKubeconfig(R"(
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority: /etc/ca.pem
    tls-server-name: api.prod
- name: dev
  cluster:
    server: https://dev:6443
    certificate-authority-data: )" + Text(kCaData) + R"(
    insecure-skip-tls-verify: false
- name: lab
  cluster: {server: "https://lab:6443", insecure-skip-tls-verify: true}
users:
- name: alice
  user:
    client-certificate: /etc/alice.crt
    client-key: /etc/alice.key
    token: abc
    tokenFile: /etc/token
- name: bob
  user: {client-certificate-data: )" + Text(kCertData) + ", client-key-data: " +
                                                                Text(kKeyData) + R"(}
contexts:
- name: prod
  context: {cluster: prod, user: alice, namespace: shop}
current-context: prod
)",
                                                            "/home/me/.kube/config");
  REQUIRE(config.clusters.size() == 3);
  const client::KubeconfigCluster& prod = config.clusters.at("prod");
  CHECK(prod.server == "https://10.0.0.1:6443");
  CHECK(prod.certificate_authority == "/etc/ca.pem");
  CHECK(prod.certificate_authority_data.empty());
  CHECK(prod.tls_server_name == "api.prod");
  CHECK_FALSE(prod.insecure_skip_tls_verify);
  CHECK(prod.origin == "/home/me/.kube/config");
  CHECK(config.clusters.at("dev").certificate_authority_data == kCaPem);
  CHECK(config.clusters.at("lab").insecure_skip_tls_verify);

  const client::KubeconfigUser& alice = config.users.at("alice");
  CHECK(alice.client_certificate == "/etc/alice.crt");
  CHECK(alice.client_key == "/etc/alice.key");
  CHECK(alice.token == "abc");
  CHECK(alice.token_file == "/etc/token");
  CHECK(config.users.at("bob").client_certificate_data == kCertPem);
  CHECK(config.users.at("bob").client_key_data == kKeyPem);

  const client::KubeconfigContext& context = config.contexts.at("prod");
  CHECK(context.cluster == "prod");
  CHECK(context.user == "alice");
  CHECK(context.namespace_name == "shop");
  CHECK(config.current_context == "prod");
}

TEST_CASE("kubeconfig: relative paths resolve against the kubeconfig's directory", "[kubeconfig]") {
  const client::Kubeconfig config = client::ParseKubeconfig(
      OneContext("c", "    server: https://h:1\n    certificate-authority: certs/ca.pem\n",
                 "    client-certificate: ../me.crt\n    client-key: me.key\n"
                 "    tokenFile: ./token\n"),
      "/home/me/.kube/config");
  CHECK(config.clusters.at("c").certificate_authority == "/home/me/.kube/certs/ca.pem");
  CHECK(config.users.at("c").client_certificate == "/home/me/me.crt");
  CHECK(config.users.at("c").client_key == "/home/me/.kube/me.key");
  CHECK(config.users.at("c").token_file == "/home/me/.kube/token");
}

TEST_CASE("kubeconfig: certificate files and data both load as PEM text", "[kubeconfig]") {
  TempDir dir;
  dir.Write("ca.pem", kCaPem);
  dir.Write("me.crt", kCertPem);
  dir.Write("me.key", kKeyPem);
  dir.Write("token", "from-file\n");
  SECTION("files, named relative to the kubeconfig") {
    const fs::path file = dir.Write(
        "config", OneContext("c", "    server: https://h:1\n    certificate-authority: ca.pem\n",
                             "    client-certificate: me.crt\n    client-key: me.key\n"
                             "    tokenFile: token\n",
                             "c"));
    const client::LoadedConfig loaded = LoadFiles({file});
    CHECK(loaded.server == "https://h:1");
    CHECK(loaded.ca_pem == kCaPem);
    CHECK(loaded.client_cert_pem == kCertPem);
    CHECK(loaded.client_key_pem == kKeyPem);
    CHECK(loaded.bearer_token == "from-file");  // trimmed
    CHECK(loaded.token_file == (dir.path / "token").string());
    CHECK(loaded.context_name == "c");
    CHECK(loaded.namespace_name == "default");
  }
  SECTION("data") {
    const fs::path file =
        dir.Write("config", OneContext("c",
                                       "    server: https://h:1\n    certificate-authority-data: " +
                                           Text(kCaData) + "\n    tls-server-name: api\n",
                                       "    client-certificate-data: " + Text(kCertData) +
                                           "\n    client-key-data: " + Text(kKeyData) +
                                           "\n    token: inline\n" + "    tokenFile: token\n",
                                       "c"));
    const client::LoadedConfig loaded = LoadFiles({file});
    CHECK(loaded.ca_pem == kCaPem);
    CHECK(loaded.client_cert_pem == kCertPem);
    CHECK(loaded.client_key_pem == kKeyPem);
    CHECK(loaded.tls_server_name == "api");
    // An inline token wins over tokenFile, which is kept to follow rotation (clientcmd).
    CHECK(loaded.bearer_token == "inline");
    CHECK(loaded.token_file == (dir.path / "token").string());
  }
  SECTION("insecure-skip-tls-verify without a CA") {
    const fs::path file = dir.Write(
        "config", OneContext("c", "    server: https://h:1\n    insecure-skip-tls-verify: true\n",
                             "    token: t\n", "c"));
    const client::LoadedConfig loaded = LoadFiles({file});
    CHECK(loaded.insecure_skip_tls_verify);
    CHECK(loaded.ca_pem.empty());
  }
}

TEST_CASE("kubeconfig: KUBECONFIG's files merge, the first definition of a name winning",
          "[kubeconfig]") {
  TempDir dir;
  const fs::path first = dir.Write("first", R"(
clusters:
- {name: shared, cluster: {server: "https://first:1"}}
users:
- {name: shared, user: {token: first-token}}
contexts:
- {name: shared, context: {cluster: shared, user: shared, namespace: one}}
)");
  const fs::path second = dir.Write("second", R"(
clusters:
- {name: shared, cluster: {server: "https://second:2"}}
- {name: only-second, cluster: {server: "https://second-only:2"}}
users:
- {name: shared, user: {token: second-token}}
contexts:
- {name: shared, context: {cluster: shared, user: shared, namespace: two}}
- {name: other, context: {cluster: only-second, user: shared}}
current-context: shared
)");
  const fs::path third = dir.Write("third", R"(
contexts:
- {name: third, context: {cluster: only-second}}
current-context: third
)");
  const client::ConfigEnvironment env{
      .kubeconfig = first.string() + ":" + (dir.path / "missing").string() +
                    "::" + second.string() + ":" + third.string() + ":" + first.string(),
      .home = "/nonexistent-home"};
  REQUIRE(client::KubeconfigFiles(env) ==
          std::vector<fs::path>{first, dir.path / "missing", second, third});

  const client::Kubeconfig merged =
      client::LoadMergedKubeconfig(client::KubeconfigFiles(env));  // `missing` skipped
  CHECK(merged.clusters.at("shared").server == "https://first:1");
  CHECK(merged.clusters.at("shared").origin == first.string());
  CHECK(merged.clusters.at("only-second").server == "https://second-only:2");
  CHECK(merged.users.at("shared").token == "first-token");
  CHECK(merged.contexts.size() == 3);
  CHECK(merged.files == std::vector<std::string>{first.string(), second.string(), third.string()});
  // current-context: the first file that sets one (the second), not the last.
  CHECK(merged.current_context == "shared");

  const client::LoadedConfig loaded = client::LoadKubeconfig({}, env);
  CHECK(loaded.context_name == "shared");
  CHECK(loaded.server == "https://first:1");
  CHECK(loaded.bearer_token == "first-token");
  CHECK(loaded.namespace_name == "one");

  SECTION("the context and namespace overrides") {
    const client::LoadedConfig other =
        client::LoadKubeconfig({.context = "other", .namespace_name = "mine"}, env);
    CHECK(other.context_name == "other");
    CHECK(other.server == "https://second-only:2");
    CHECK(other.bearer_token == "first-token");
    CHECK(other.namespace_name == "mine");
    const client::LoadedConfig third_context = client::LoadKubeconfig({.context = "third"}, env);
    CHECK(third_context.bearer_token.empty());  // a context without a user: no credentials
    CHECK(third_context.namespace_name == "default");
  }
  SECTION("an explicit file is the only one read") {
    // Alone, the third file's context names a cluster that only the second file defines.
    CHECK_THROWS_WITH(client::LoadKubeconfig({.kubeconfig_file = third.string()}, env),
                      Contains(third.string()) && Contains("cluster \"only-second\"") &&
                          Contains("clusters: none"));
  }
}

TEST_CASE("kubeconfig: without KUBECONFIG, ~/.kube/config is read", "[kubeconfig]") {
  TempDir dir;
  dir.Write(".kube/config",
            OneContext("home", "    server: https://home:1\n", "    token: t\n", "home"));
  const client::ConfigEnvironment env{.home = dir.path.string()};
  CHECK(client::KubeconfigFiles(env) == std::vector<fs::path>{dir.path / ".kube" / "config"});
  CHECK(client::LoadKubeconfig({}, env).server == "https://home:1");
}

TEST_CASE("kubeconfig: a missing context, cluster or user is named with the fix", "[kubeconfig]") {
  TempDir dir;
  const fs::path file = dir.Write("config", R"(
clusters:
- {name: a, cluster: {server: "https://a:1"}}
- {name: no-server, cluster: {}}
users:
- {name: u, user: {token: t}}
contexts:
- {name: good, context: {cluster: a, user: u}}
- {name: no-cluster, context: {cluster: gone, user: u}}
- {name: no-user, context: {cluster: a, user: gone}}
- {name: no-server, context: {cluster: no-server}}
)");
  const client::Kubeconfig config = client::ReadKubeconfigFile(file);
  CHECK_THROWS_WITH(client::ResolveKubeconfig(config),
                    Contains("kubeconfig " + file.string() + " sets no current-context") &&
                        Contains("good, no-cluster, no-server, no-user") && Contains("--context"));
  CHECK(client::ResolveKubeconfig(config, {.context = "good"}).bearer_token == "t");
  CHECK_THROWS_WITH(client::ResolveKubeconfig(config, {.context = "nope"}),
                    Contains("context \"nope\" is not in kubeconfig " + file.string()));
  CHECK_THROWS_WITH(client::ResolveKubeconfig(config, {.context = "no-cluster"}),
                    Contains(file.string()) && Contains("names cluster \"gone\"") &&
                        Contains("clusters: a, no-server"));
  CHECK_THROWS_WITH(client::ResolveKubeconfig(config, {.context = "no-user"}),
                    Contains("names user \"gone\"") && Contains("users: u"));
  CHECK_THROWS_WITH(client::ResolveKubeconfig(config, {.context = "no-server"}),
                    Contains("cluster \"no-server\" has no server"));
  CHECK_THROWS_WITH(client::LoadKubeconfig({}, {.kubeconfig = (dir.path / "none").string()}),
                    Contains("no kubeconfig found"));
  CHECK_THROWS_WITH(client::LoadKubeconfig({.kubeconfig_file = (dir.path / "none").string()}, {}),
                    Contains("cannot read kubeconfig " + (dir.path / "none").string()) &&
                        Contains("No such file"));
}

TEST_CASE("kubeconfig: unsupported credentials fail when their user is chosen", "[kubeconfig]") {
  const auto resolve = [](const std::string& user) {
    return client::ResolveKubeconfig(client::ParseKubeconfig(
        OneContext("c", "    server: https://h:1\n", user, "c"), "/k/config"));
  };
  CHECK_THROWS_WITH(resolve("    exec:\n      command: gke-auth\n      apiVersion: "
                            "client.authentication.k8s.io/v1\n"),
                    Contains("/k/config") && Contains("user \"c\"") &&
                        Contains("exec credential plugins are not supported yet"));
  CHECK_THROWS_WITH(resolve("    auth-provider: {name: oidc}\n"),
                    Contains("auth-provider \"oidc\"") && Contains("not supported"));
  CHECK_THROWS_WITH(resolve("    username: admin\n    password: secret\n"),
                    Contains("basic authentication is not supported") &&
                        Contains("token, tokenFile or client certificate"));
  // A user that is not chosen may use anything.
  CHECK_NOTHROW(client::ResolveKubeconfig(client::ParseKubeconfig(R"(
clusters: [{name: c, cluster: {server: "https://h:1"}}]
users: [{name: c, user: {token: t}}, {name: plugin, user: {exec: {command: x}}}]
contexts: [{name: c, context: {cluster: c, user: c}}]
current-context: c
)",
                                                                  "/k/config")));
}

TEST_CASE("kubeconfig: conflicting or unreadable fields are named with the fix", "[kubeconfig]") {
  TempDir dir;
  const auto resolve = [&](const std::string& cluster, const std::string& user) {
    return client::ResolveKubeconfig(
        client::ReadKubeconfigFile(dir.Write("config", OneContext("c", cluster, user, "c"))));
  };
  const std::string server = "    server: https://h:1\n";
  CHECK_THROWS_WITH(resolve(server + "    certificate-authority: ca.pem\n", ""),
                    Contains("cannot read certificate-authority " + (dir.path / "ca.pem").string() +
                             " of cluster \"c\"") &&
                        Contains("fix the path"));
  CHECK_THROWS_WITH(resolve(server +
                                "    certificate-authority: ca.pem\n"
                                "    certificate-authority-data: " +
                                Text(kCaData) + "\n",
                            ""),
                    Contains("both certificate-authority and certificate-authority-data"));
  CHECK_THROWS_WITH(resolve(server +
                                "    insecure-skip-tls-verify: true\n"
                                "    certificate-authority-data: " +
                                Text(kCaData) + "\n",
                            ""),
                    Contains("insecure-skip-tls-verify and a certificate authority"));
  // kubectl: "specifying a root certificates file with the insecure flag is not allowed".
  CHECK_THROWS_WITH(
      resolve(server + "    insecure-skip-tls-verify: true\n    certificate-authority: ca.pem\n",
              ""),
      Contains("cluster \"c\" sets insecure-skip-tls-verify and a certificate authority; keep only "
               "one"));
  CHECK_THROWS_WITH(resolve(server, "    client-certificate-data: " + Text(kCertData) + "\n"),
                    Contains("a client certificate but no client key"));
  CHECK_THROWS_WITH(resolve(server, "    tokenFile: missing-token\n"),
                    Contains("cannot read tokenFile " + (dir.path / "missing-token").string()));
}

TEST_CASE("kubeconfig: malformed files are named with the entry at fault", "[kubeconfig]") {
  const auto parse = [](const std::string& text) {
    return client::ParseKubeconfig(text, "/k/config");
  };
  CHECK_THROWS_WITH(parse("clusters: [unclosed"),
                    Contains("kubeconfig /k/config: not YAML or JSON") && Contains("line 1"));
  CHECK_THROWS_WITH(parse("- a list"), Contains("not a kubeconfig"));
  CHECK_THROWS_WITH(parse("clusters: {a: 1}"), Contains("clusters must be a list"));
  CHECK_THROWS_WITH(parse("users: [{user: {token: t}}]"),
                    Contains("users[0] has no name") && Contains("give each user a name"));
  CHECK_THROWS_WITH(parse("contexts: [{name: x}, {name: x}]"),
                    Contains("context \"x\" is defined twice in contexts"));
  CHECK_THROWS_WITH(parse("clusters: [{name: x, cluster: {server: [a]}}]"),
                    Contains("clusters[\"x\"].cluster.server must be a string"));
  CHECK_THROWS_WITH(parse("clusters: [{name: x, cluster: {insecure-skip-tls-verify: maybe}}]"),
                    Contains("insecure-skip-tls-verify must be true or false"));
  CHECK_THROWS_WITH(parse("users: [{name: x, user: {client-key-data: \"not base64!\"}}]"),
                    Contains("users[\"x\"].user.client-key-data is not base64") &&
                        Contains("name the file in client-key instead"));
  CHECK(parse("").clusters.empty());  // an empty file is an empty configuration
}

TEST_CASE("kubeconfig: base64 data may be wrapped over lines and padded", "[kubeconfig]") {
  const client::Kubeconfig config = client::ParseKubeconfig(R"(
clusters:
- name: x
  cluster:
    certificate-authority-data: |
      LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCi0tLS0t
      RU5EIENFUlRJRklDQVRFLS0tLS0K
- name: one-pad
  cluster: {certificate-authority-data: "YWI="}
- name: two-pads
  cluster: {certificate-authority-data: "YQ=="}
)",
                                                            "/k/config");
  CHECK(config.clusters.at("x").certificate_authority_data == kCaPem);
  CHECK(config.clusters.at("one-pad").certificate_authority_data == "ab");
  CHECK(config.clusters.at("two-pads").certificate_authority_data == "a");
}

TEST_CASE("kubeconfig: the JSON kubeconfig `bubble apiserver` writes loads", "[kubeconfig]") {
  TempDir dir;
  dir.Write("kubeconfig.ca.pem", kCaPem);
  // As tools/src/net/kubeconfig.cc writes it (captured from `bubble apiserver --tls`).
  const fs::path file = dir.Write("kubeconfig", R"({
  "apiVersion": "v1",
  "clusters": [
    {
      "cluster": {
        "certificate-authority": ")" + (dir.path / "kubeconfig.ca.pem").string() +
                                                    R"(",
        "server": "https://localhost:36247"
      },
      "name": "bubble"
    }
  ],
  "contexts": [
    {
      "context": {
        "cluster": "bubble",
        "namespace": "default",
        "user": "bubble"
      },
      "name": "bubble"
    }
  ],
  "current-context": "bubble",
  "kind": "Config",
  "users": [
    {
      "name": "bubble",
      "user": {
        "token": "bubble-does-not-authenticate"
      }
    }
  ]
}
)");
  const client::LoadedConfig loaded =
      client::LoadConfig({}, {.kubeconfig = file.string(),
                              .service_host = "10.0.0.1",
                              .service_port = "443"});  // a kubeconfig wins over in-cluster
  CHECK(loaded.server == "https://localhost:36247");
  CHECK(loaded.ca_pem == kCaPem);
  CHECK(loaded.bearer_token == "bubble-does-not-authenticate");
  CHECK(loaded.token_file.empty());
  CHECK(loaded.namespace_name == "default");
  CHECK(loaded.context_name == "bubble");
}
