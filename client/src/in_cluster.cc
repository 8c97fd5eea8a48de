// client/src/in_cluster.cc: client-go's rest.InClusterConfig, with the namespace as clientcmd's
// in-cluster config finds it.
#include "bubble/client/in_cluster.h"

#include <fmt/format.h>

#include <bubble/client/config_error.h>

#include "read_config_file.h"

namespace bubble::client {

bool InCluster(const ConfigEnvironment& env) {
  return !env.service_host.empty() && !env.service_port.empty();
}

LoadedConfig InClusterConfig(const ConfigEnvironment& env,
                             const std::filesystem::path& service_account_dir) {
  if (!InCluster(env)) {
    throw ConfigError(
        "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and "
        "KUBERNETES_SERVICE_PORT must be defined; outside a pod use a kubeconfig (KUBECONFIG or "
        "~/.kube/config)");
  }
  LoadedConfig loaded;
  // An IPv6 address needs brackets before the port (Go's net.JoinHostPort).
  const bool ipv6 = env.service_host.find(':') != std::string::npos;
  loaded.server = fmt::format(
      "https://{}:{}", ipv6 ? "[" + env.service_host + "]" : env.service_host, env.service_port);

  const std::filesystem::path token_file = service_account_dir / "token";
  std::string error;
  const std::optional<std::string> token = detail::ReadConfigFile(token_file, error);
  if (!token) {
    throw ConfigError(fmt::format(
        "unable to load in-cluster configuration: cannot read the service account token {}: {}; "
        "let the pod mount its service account token (automountServiceAccountToken: true)",
        token_file.string(), error));
  }
  loaded.bearer_token = detail::TrimSpace(*token);
  loaded.token_file = token_file.string();

  if (std::optional<std::string> ca =
          detail::ReadConfigFile(service_account_dir / "ca.crt", error)) {
    loaded.ca_pem = *std::move(ca);
  }

  if (!env.pod_namespace.empty()) {
    loaded.namespace_name = env.pod_namespace;
  } else if (const std::optional<std::string> ns =
                 detail::ReadConfigFile(service_account_dir / "namespace", error)) {
    if (const std::string trimmed = detail::TrimSpace(*ns); !trimmed.empty()) {
      loaded.namespace_name = trimmed;
    }
  }
  return loaded;
}

}  // namespace bubble::client
