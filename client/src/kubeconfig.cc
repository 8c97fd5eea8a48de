// client/src/kubeconfig.cc: kubeconfig text to the Kubeconfig model, with yaml-cpp (JSON is
// YAML, so kubeconfigs written as JSON, as `bubble apiserver` writes them, read the same way).
#include "bubble/client/kubeconfig.h"

#include <cctype>

#include <fmt/format.h>

#include <bubble/client/config_error.h>
#include <bubble/runtime/base64.h>

#include "read_config_file.h"
#include <yaml-cpp/yaml.h>

namespace bubble::client {
namespace {

namespace fs = std::filesystem;

// Where in the file a value is, for error messages: e.g. `users["alice"].user.token`.
struct Field {
  const std::string& origin;
  std::string path;
};

std::string Where(const Field& at, const char* key) {
  return at.path.empty() ? key : fmt::format("{}.{}", at.path, key);
}

std::string Scalar(const YAML::Node& map, const char* key, const Field& at) {
  const YAML::Node value = map[key];
  if (!value || value.IsNull()) {
    return {};
  }
  if (!value.IsScalar()) {
    throw ConfigError(
        fmt::format("kubeconfig {}: {} must be a string; fix the file", at.origin, Where(at, key)));
  }
  return value.Scalar();
}

bool Boolean(const YAML::Node& map, const char* key, const Field& at) {
  const YAML::Node value = map[key];
  if (!value || value.IsNull()) {
    return false;
  }
  bool result = false;
  if (!value.IsScalar() || !YAML::convert<bool>::decode(value, result)) {
    throw ConfigError(fmt::format("kubeconfig {}: {} must be true or false; fix the file",
                                  at.origin, Where(at, key)));
  }
  return result;
}

std::string Base64Field(const YAML::Node& map, const char* key, const Field& at) {
  const std::string text = Scalar(map, key, at);
  if (text.empty()) {
    return {};
  }
  // Go's decoder of kubeconfig []byte fields skips line breaks and spaces; runtime's does not.
  std::string compact;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0) {
      compact.push_back(c);
    }
  }
  std::optional<std::string> bytes = runtime::Base64Decode(compact);
  if (!bytes) {
    throw ConfigError(fmt::format(
        "kubeconfig {}: {} is not base64; give the PEM file's contents base64-encoded (base64 "
        "-w0 FILE), or name the file in {} instead",
        at.origin, Where(at, key),
        std::string_view(key).substr(0, std::string_view(key).size() - 5)));
  }
  return *std::move(bytes);
}

// A path as written, made absolute against the kubeconfig's directory (clientcmd's
// ResolveLocalPaths), so that the merged configuration no longer depends on which file it
// came from.
std::string PathField(const YAML::Node& map, const char* key, const Field& at,
                      const fs::path& base_dir) {
  const std::string path = Scalar(map, key, at);
  if (path.empty() || fs::path(path).is_absolute()) {
    return path;
  }
  return (base_dir / path).lexically_normal().string();
}

KubeconfigCluster ParseCluster(const YAML::Node& node, const Field& at, const fs::path& base_dir) {
  KubeconfigCluster cluster;
  cluster.server = Scalar(node, "server", at);
  cluster.certificate_authority = PathField(node, "certificate-authority", at, base_dir);
  cluster.certificate_authority_data = Base64Field(node, "certificate-authority-data", at);
  cluster.insecure_skip_tls_verify = Boolean(node, "insecure-skip-tls-verify", at);
  cluster.tls_server_name = Scalar(node, "tls-server-name", at);
  cluster.origin = at.origin;
  return cluster;
}

KubeconfigUser ParseUser(const YAML::Node& node, const Field& at, const fs::path& base_dir) {
  KubeconfigUser user;
  user.client_certificate = PathField(node, "client-certificate", at, base_dir);
  user.client_certificate_data = Base64Field(node, "client-certificate-data", at);
  user.client_key = PathField(node, "client-key", at, base_dir);
  user.client_key_data = Base64Field(node, "client-key-data", at);
  user.token = Scalar(node, "token", at);
  user.token_file = PathField(node, "tokenFile", at, base_dir);
  user.basic_auth = !Scalar(node, "username", at).empty() || !Scalar(node, "password", at).empty();
  const YAML::Node exec = node["exec"];
  user.exec = exec && !exec.IsNull();
  const YAML::Node auth_provider = node["auth-provider"];
  if (auth_provider && !auth_provider.IsNull()) {
    const std::string name =
        auth_provider.IsMap() ? Scalar(auth_provider, "name", Field{at.origin, at.path}) : "";
    user.auth_provider = name.empty() ? "unnamed" : name;
  }
  user.origin = at.origin;
  return user;
}

KubeconfigContext ParseContext(const YAML::Node& node, const Field& at) {
  KubeconfigContext context;
  context.cluster = Scalar(node, "cluster", at);
  context.user = Scalar(node, "user", at);
  context.namespace_name = Scalar(node, "namespace", at);
  context.origin = at.origin;
  return context;
}

// Reads a list such as `clusters: [{name: a, cluster: {...}}]` into a map by name.
template <typename Entry, typename ParseEntry>
std::map<std::string, Entry> ParseNamedList(const YAML::Node& doc, const char* list,
                                            const char* item, const std::string& origin,
                                            ParseEntry parse_entry) {
  std::map<std::string, Entry> entries;
  const YAML::Node nodes = doc[list];
  if (!nodes || nodes.IsNull()) {
    return entries;
  }
  if (!nodes.IsSequence()) {
    throw ConfigError(
        fmt::format("kubeconfig {}: {} must be a list of {{name: ..., {}: {{...}}}}; fix the file",
                    origin, list, item));
  }
  std::size_t index = 0;
  for (const YAML::Node& node : nodes) {
    const Field at{origin, fmt::format("{}[{}]", list, index++)};
    const std::string name = node.IsMap() ? Scalar(node, "name", at) : "";
    if (name.empty()) {
      throw ConfigError(fmt::format("kubeconfig {}: {} has no name; give each {} a name: field",
                                    origin, at.path, item));
    }
    const YAML::Node body = node[item];
    if (body && !body.IsNull() && !body.IsMap()) {
      throw ConfigError(fmt::format("kubeconfig {}: {}[\"{}\"].{} must be a map; fix the file",
                                    origin, list, name, item));
    }
    const Field entry_at{origin, fmt::format("{}[\"{}\"].{}", list, name, item)};
    const bool inserted =
        entries
            .emplace(name,
                     parse_entry(body && !body.IsNull() ? body : YAML::Node(YAML::NodeType::Map),
                                 entry_at))
            .second;
    if (!inserted) {
      throw ConfigError(fmt::format(
          "kubeconfig {}: {} \"{}\" is defined twice in {}; remove or rename one of them", origin,
          item, name, list));
    }
  }
  return entries;
}

}  // namespace

Kubeconfig ParseKubeconfig(std::string_view text, const fs::path& origin) {
  const std::string name = origin.string();
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("kubeconfig {}: not YAML or JSON: {} (line {}, column {})", name,
                                  e.msg, e.mark.line + 1, e.mark.column + 1));
  }
  Kubeconfig config;
  config.files.push_back(name);
  if (!doc || doc.IsNull()) {
    return config;  // an empty file: kubectl reads it as an empty configuration
  }
  if (!doc.IsMap()) {
    throw ConfigError(fmt::format(
        "kubeconfig {}: not a kubeconfig (expected a map with clusters, users, contexts)", name));
  }
  const fs::path base_dir = fs::absolute(origin).parent_path();
  config.clusters = ParseNamedList<KubeconfigCluster>(
      doc, "clusters", "cluster", name,
      [&](const YAML::Node& node, const Field& at) { return ParseCluster(node, at, base_dir); });
  config.users = ParseNamedList<KubeconfigUser>(
      doc, "users", "user", name,
      [&](const YAML::Node& node, const Field& at) { return ParseUser(node, at, base_dir); });
  config.contexts =
      ParseNamedList<KubeconfigContext>(doc, "contexts", "context", name, &ParseContext);
  config.current_context = Scalar(doc, "current-context", Field{name, ""});
  return config;
}

Kubeconfig ReadKubeconfigFile(const fs::path& path) {
  std::string error;
  const std::optional<std::string> text = detail::ReadConfigFile(path, error);
  if (!text) {
    throw ConfigError(fmt::format(
        "cannot read kubeconfig {}: {}; give an existing file (--kubeconfig or KUBECONFIG)",
        path.string(), error));
  }
  return ParseKubeconfig(*text, path);
}

void MergeKubeconfig(Kubeconfig& merged, const Kubeconfig& later) {
  // map::insert keeps an existing entry: the first file to define a name wins.
  merged.clusters.insert(later.clusters.begin(), later.clusters.end());
  merged.users.insert(later.users.begin(), later.users.end());
  merged.contexts.insert(later.contexts.begin(), later.contexts.end());
  if (merged.current_context.empty()) {
    merged.current_context = later.current_context;
  }
  merged.files.insert(merged.files.end(), later.files.begin(), later.files.end());
}

}  // namespace bubble::client
