// client/src/kubeconfig_loader.cc: clientcmd's loading rules and its client configuration for
// one context, for the credentials bubble's client supports.
#include "bubble/client/kubeconfig_loader.h"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include <bubble/client/config_error.h>

#include "read_config_file.h"

namespace bubble::client {
namespace {

namespace fs = std::filesystem;

// "kubeconfig a" or "kubeconfig a:b" (as KUBECONFIG lists them), naming where to look.
std::string Files(const Kubeconfig& config) {
  std::string files;
  for (const std::string& file : config.files) {
    files += files.empty() ? file : ":" + file;
  }
  return "kubeconfig " + files;
}

template <typename Entry>
std::string Names(const std::map<std::string, Entry>& entries) {
  if (entries.empty()) {
    return "none";
  }
  std::string names;
  for (const auto& [name, _] : entries) {
    names += names.empty() ? name : ", " + name;
  }
  return names;
}

// A PEM file an entry names, read now so that the client holds the text.
std::string ReadPemFile(const std::string& path, std::string_view field, std::string_view entry,
                        const std::string& origin) {
  std::string error;
  std::optional<std::string> text = detail::ReadConfigFile(path, error);
  if (!text) {
    throw ConfigError(fmt::format("kubeconfig {}: cannot read {} {} of {}: {}; fix the path",
                                  origin, field, path, entry, error));
  }
  return *std::move(text);
}

void RequireOneOf(const std::string& file, const std::string& data, std::string_view field,
                  std::string_view entry, const std::string& origin) {
  if (!file.empty() && !data.empty()) {
    throw ConfigError(fmt::format("kubeconfig {}: {} has both {} and {}-data; keep only one",
                                  origin, entry, field, field));
  }
}

void ResolveCluster(const std::string& name, const KubeconfigCluster& cluster,
                    LoadedConfig& loaded) {
  const std::string entry = fmt::format("cluster \"{}\"", name);
  if (cluster.server.empty()) {
    throw ConfigError(
        fmt::format("kubeconfig {}: {} has no server; set its server: field (e.g. "
                    "https://HOST:6443)",
                    cluster.origin, entry));
  }
  RequireOneOf(cluster.certificate_authority, cluster.certificate_authority_data,
               "certificate-authority", entry, cluster.origin);
  const bool has_ca =
      !cluster.certificate_authority.empty() || !cluster.certificate_authority_data.empty();
  if (cluster.insecure_skip_tls_verify && has_ca) {
    throw ConfigError(fmt::format(
        "kubeconfig {}: {} sets insecure-skip-tls-verify and a certificate authority; keep only "
        "one (a CA that is never checked is a mistake)",
        cluster.origin, entry));
  }
  loaded.server = cluster.server;
  loaded.ca_pem = !cluster.certificate_authority_data.empty()
                      ? cluster.certificate_authority_data
                      : (cluster.certificate_authority.empty()
                             ? std::string()
                             : ReadPemFile(cluster.certificate_authority, "certificate-authority",
                                           entry, cluster.origin));
  loaded.insecure_skip_tls_verify = cluster.insecure_skip_tls_verify;
  loaded.tls_server_name = cluster.tls_server_name;
}

void ResolveUser(const std::string& name, const KubeconfigUser& user, LoadedConfig& loaded) {
  const std::string entry = fmt::format("user \"{}\"", name);
  if (user.exec) {
    throw ConfigError(fmt::format(
        "kubeconfig {}: {} uses an exec credential plugin: exec credential plugins are not "
        "supported yet; give the user a token, tokenFile or client certificate",
        user.origin, entry));
  }
  if (!user.auth_provider.empty()) {
    throw ConfigError(fmt::format(
        "kubeconfig {}: {} uses auth-provider \"{}\": auth-provider plugins are not supported; "
        "give the user a token, tokenFile or client certificate",
        user.origin, entry, user.auth_provider));
  }
  if (user.basic_auth) {
    throw ConfigError(fmt::format(
        "kubeconfig {}: {} has a username or password: basic authentication is not supported; "
        "give the user a token, tokenFile or client certificate",
        user.origin, entry));
  }
  RequireOneOf(user.client_certificate, user.client_certificate_data, "client-certificate", entry,
               user.origin);
  RequireOneOf(user.client_key, user.client_key_data, "client-key", entry, user.origin);
  const bool has_cert = !user.client_certificate.empty() || !user.client_certificate_data.empty();
  const bool has_key = !user.client_key.empty() || !user.client_key_data.empty();
  if (has_cert != has_key) {
    throw ConfigError(fmt::format("kubeconfig {}: {} has a client {} but no client {}; give both",
                                  user.origin, entry, has_cert ? "certificate" : "key",
                                  has_cert ? "key" : "certificate"));
  }
  if (has_cert) {
    loaded.client_cert_pem =
        !user.client_certificate_data.empty()
            ? user.client_certificate_data
            : ReadPemFile(user.client_certificate, "client-certificate", entry, user.origin);
    loaded.client_key_pem = !user.client_key_data.empty()
                                ? user.client_key_data
                                : ReadPemFile(user.client_key, "client-key", entry, user.origin);
  }
  // As clientcmd: a token given inline wins over tokenFile, but the file is still kept for
  // rotation; a tokenFile alone is read now so that a missing file fails at start-up.
  loaded.token_file = user.token_file;
  if (!user.token.empty()) {
    loaded.bearer_token = user.token;
  } else if (!user.token_file.empty()) {
    std::string error;
    const std::optional<std::string> token = detail::ReadConfigFile(user.token_file, error);
    if (!token) {
      throw ConfigError(
          fmt::format("kubeconfig {}: cannot read tokenFile {} of {}: {}; fix the "
                      "path",
                      user.origin, user.token_file, entry, error));
    }
    loaded.bearer_token = detail::TrimSpace(*token);
  }
}

}  // namespace

std::vector<fs::path> KubeconfigFiles(const ConfigEnvironment& env) {
  std::vector<fs::path> files;
  if (env.kubeconfig.empty()) {
    if (!env.home.empty()) {
      files.push_back(fs::path(env.home) / ".kube" / "config");
    }
    return files;
  }
  std::size_t start = 0;
  while (start <= env.kubeconfig.size()) {
    std::size_t end = env.kubeconfig.find(':', start);
    if (end == std::string::npos) {
      end = env.kubeconfig.size();
    }
    const fs::path file = env.kubeconfig.substr(start, end - start);
    if (!file.empty() && std::find(files.begin(), files.end(), file) == files.end()) {
      files.push_back(file);
    }
    start = end + 1;
  }
  return files;
}

Kubeconfig LoadMergedKubeconfig(const std::vector<fs::path>& files) {
  Kubeconfig merged;
  for (const fs::path& file : files) {
    std::error_code ec;
    if (!fs::exists(file, ec) && !ec) {
      continue;  // kubectl skips KUBECONFIG entries that do not exist
    }
    // A file that may exist but cannot be checked (a directory without permission) is read,
    // so that the error says why rather than the file being silently skipped.
    MergeKubeconfig(merged, ReadKubeconfigFile(file));
  }
  return merged;
}

LoadedConfig ResolveKubeconfig(const Kubeconfig& config, const KubeconfigOverrides& overrides) {
  const std::string context_name =
      overrides.context.empty() ? config.current_context : overrides.context;
  if (context_name.empty()) {
    throw ConfigError(
        config.contexts.empty() && config.clusters.empty()
            ? std::string("no kubeconfig found: set KUBECONFIG or --kubeconfig to a kubeconfig "
                          "file, write ~/.kube/config, or run in a pod (in-cluster)")
            : fmt::format("{} sets no current-context; choose a context (contexts: {}) with "
                          "--context or `kubectl config use-context NAME`",
                          Files(config), Names(config.contexts)));
  }
  const auto context = config.contexts.find(context_name);
  if (context == config.contexts.end()) {
    throw ConfigError(
        fmt::format("context \"{}\" is not in {} (contexts: {}); choose one of those or add it",
                    context_name, Files(config), Names(config.contexts)));
  }
  const KubeconfigContext& ctx = context->second;
  const auto cluster = config.clusters.find(ctx.cluster);
  if (cluster == config.clusters.end()) {
    throw ConfigError(fmt::format(
        "kubeconfig {}: context \"{}\" names cluster \"{}\", which is not in the kubeconfig "
        "(clusters: {}); add it or fix the context",
        ctx.origin, context_name, ctx.cluster, Names(config.clusters)));
  }
  LoadedConfig loaded;
  loaded.context_name = context_name;
  ResolveCluster(cluster->first, cluster->second, loaded);
  if (!ctx.user.empty()) {
    const auto user = config.users.find(ctx.user);
    if (user == config.users.end()) {
      throw ConfigError(fmt::format(
          "kubeconfig {}: context \"{}\" names user \"{}\", which is not in the kubeconfig "
          "(users: {}); add it or fix the context",
          ctx.origin, context_name, ctx.user, Names(config.users)));
    }
    ResolveUser(user->first, user->second, loaded);
  }
  if (!overrides.namespace_name.empty()) {
    loaded.namespace_name = overrides.namespace_name;
  } else if (!ctx.namespace_name.empty()) {
    loaded.namespace_name = ctx.namespace_name;
  }
  return loaded;
}

LoadedConfig LoadKubeconfig(const KubeconfigOverrides& overrides, const ConfigEnvironment& env) {
  if (!overrides.kubeconfig_file.empty()) {
    // An explicit file must exist (kubectl --kubeconfig): ReadKubeconfigFile says if it does not.
    return ResolveKubeconfig(ReadKubeconfigFile(overrides.kubeconfig_file), overrides);
  }
  return ResolveKubeconfig(LoadMergedKubeconfig(KubeconfigFiles(env)), overrides);
}

}  // namespace bubble::client
