// client/src/config_environment.cc
#include "bubble/client/config_environment.h"

#include <cstdlib>

namespace bubble::client {
namespace {

std::string Variable(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

ConfigEnvironment ConfigEnvironment::FromProcess() {
  return ConfigEnvironment{
      .kubeconfig = Variable("KUBECONFIG"),
      .home = Variable("HOME"),
      .service_host = Variable("KUBERNETES_SERVICE_HOST"),
      .service_port = Variable("KUBERNETES_SERVICE_PORT"),
      .pod_namespace = Variable("POD_NAMESPACE"),
      .watch_list_client = Variable("KUBE_FEATURE_WatchListClient"),
  };
}

}  // namespace bubble::client
