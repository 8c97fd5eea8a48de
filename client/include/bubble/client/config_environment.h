// client/include/bubble/client/config_environment.h
//
// The environment variables that choose a client's configuration, gathered in one value so that
// tests pass their own instead of changing the process's environment. An empty string is an
// unset variable, as client-go treats them.
#pragma once

#include <string>

namespace bubble::client {

struct ConfigEnvironment {
  std::string kubeconfig{};     // KUBECONFIG: kubeconfig files separated by ':'
  std::string home{};           // HOME: the default kubeconfig is $HOME/.kube/config
  std::string service_host{};   // KUBERNETES_SERVICE_HOST, set by the kubelet in every pod
  std::string service_port{};   // KUBERNETES_SERVICE_PORT
  std::string pod_namespace{};  // POD_NAMESPACE, which overrides the service account's namespace
  // KUBE_FEATURE_WatchListClient: client-go's switch for streaming lists (a Go boolean), which
  // RunControllerProgram turns into RestConfig::watch_list.
  std::string watch_list_client{};

  // Reads the variables above from this process's environment.
  static ConfigEnvironment FromProcess();
};

}  // namespace bubble::client
