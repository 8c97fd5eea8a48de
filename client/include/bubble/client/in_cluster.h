// client/include/bubble/client/in_cluster.h
//
// The configuration of a program running in a pod (client-go's rest.InClusterConfig): the API
// server from KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, and the pod's service account
// token, CA and namespace from the files the kubelet mounts.
//
//   client::LoadedConfig config =
//   client::InClusterConfig(client::ConfigEnvironment::FromProcess());
#pragma once

#include <filesystem>
#include <string_view>

#include <bubble/client/config_environment.h>
#include <bubble/client/loaded_config.h>

namespace bubble::client {

// Where the kubelet mounts a pod's service account: files `token`, `ca.crt` and `namespace`.
inline constexpr std::string_view kServiceAccountDir =
    "/var/run/secrets/kubernetes.io/serviceaccount";

// True when `env` has the two variables every pod has (the check client-go makes).
bool InCluster(const ConfigEnvironment& env);

// The in-cluster configuration; `service_account_dir` is injectable for tests. The token is
// read now and kept as `token_file`, to be re-read as the kubelet rotates it. A missing or
// unreadable ca.crt leaves ca_pem empty (client-go logs it and carries on with the system's
// roots). The namespace is POD_NAMESPACE, else the `namespace` file, else "default". Throws
// ConfigError outside a cluster (the variables unset) or when the token cannot be read.
LoadedConfig InClusterConfig(const ConfigEnvironment& env,
                             const std::filesystem::path& service_account_dir = kServiceAccountDir);

}  // namespace bubble::client
