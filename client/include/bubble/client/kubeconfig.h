// client/include/bubble/client/kubeconfig.h
//
// A kubeconfig file as kubectl reads it (YAML or JSON, `kind: Config`): clusters, users and
// contexts by name, and the current context. Parsing decodes the *-data fields from base64 and
// makes relative file paths absolute against the file's own directory, as client-go's clientcmd
// does, so that configurations from several files can be merged without losing where a path
// was relative to. Nothing here opens a certificate or token file: ResolveKubeconfig does.
//
//   client::Kubeconfig config = client::ReadKubeconfigFile("/home/me/.kube/config");
//   client::LoadedConfig loaded = client::ResolveKubeconfig(config, {.context = "prod"});
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bubble::client {

struct KubeconfigCluster {
  std::string server{};
  std::string certificate_authority{};       // a PEM file, absolute after parsing
  std::string certificate_authority_data{};  // PEM text, decoded from base64
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name{};
  std::string origin{};  // the file this entry came from, for error messages
};

struct KubeconfigUser {
  std::string client_certificate{};       // a PEM file, absolute after parsing
  std::string client_certificate_data{};  // PEM text, decoded from base64
  std::string client_key{};
  std::string client_key_data{};
  std::string token{};
  std::string token_file{};  // tokenFile, absolute after parsing
  // Present in the file but not supported: kept so that choosing this user fails clearly.
  bool basic_auth = false;      // username or password
  bool exec = false;            // an exec credential plugin
  std::string auth_provider{};  // the auth-provider's name, or ""
  std::string origin{};
};

struct KubeconfigContext {
  std::string cluster{};
  std::string user{};  // "" : no credentials
  std::string namespace_name{};
  std::string origin{};
};

struct Kubeconfig {
  std::map<std::string, KubeconfigCluster> clusters{};
  std::map<std::string, KubeconfigUser> users{};
  std::map<std::string, KubeconfigContext> contexts{};
  std::string current_context{};
  std::vector<std::string> files{};  // the files read, in precedence order, for error messages
};

// Parses kubeconfig text read from `origin` (its directory anchors relative paths). Throws
// ConfigError naming `origin` and the entry when the text is not YAML or JSON, an entry has no
// name or a name twice, a field has the wrong type, or a *-data field is not base64.
Kubeconfig ParseKubeconfig(std::string_view text, const std::filesystem::path& origin);

// Reads and parses one file. Throws ConfigError when it cannot be read or parsed.
Kubeconfig ReadKubeconfigFile(const std::filesystem::path& path);

// Adds `later` (read from a later file of KUBECONFIG) to `merged` as kubectl merges: a cluster,
// user or context keeps the first definition of its name, and current-context the first
// non-empty one.
void MergeKubeconfig(Kubeconfig& merged, const Kubeconfig& later);

}  // namespace bubble::client
