// client/include/bubble/client/load_config.h
//
// A controller's configuration wherever it runs, as client-go's clientcmd finds it with its
// default loading rules: the kubeconfig (--kubeconfig, else KUBECONFIG's files, else
// ~/.kube/config); when there is none and the program runs in a pod, the in-cluster
// configuration.
//
//   client::LoadedConfig config =
//       client::LoadConfig({.context = flags.context}, client::ConfigEnvironment::FromProcess());
#pragma once

#include <filesystem>

#include <bubble/client/config_environment.h>
#include <bubble/client/in_cluster.h>
#include <bubble/client/kubeconfig_loader.h>
#include <bubble/client/loaded_config.h>

namespace bubble::client {

// The kubeconfig's configuration, or the in-cluster one when no kubeconfig file defines
// anything, no file was given explicitly, and `env` is a pod's; the namespace override applies
// to both. Throws ConfigError (from the kubeconfig loader or InClusterConfig) otherwise.
LoadedConfig LoadConfig(const KubeconfigOverrides& overrides, const ConfigEnvironment& env,
                        const std::filesystem::path& service_account_dir = kServiceAccountDir);

}  // namespace bubble::client
