// client/src/load_config.cc
#include "bubble/client/load_config.h"

namespace bubble::client {
namespace {

bool Empty(const Kubeconfig& config) {
  return config.clusters.empty() && config.users.empty() && config.contexts.empty() &&
         config.current_context.empty();
}

}  // namespace

LoadedConfig LoadConfig(const KubeconfigOverrides& overrides, const ConfigEnvironment& env,
                        const std::filesystem::path& service_account_dir) {
  if (!overrides.kubeconfig_file.empty()) {
    return LoadKubeconfig(overrides, env);
  }
  const Kubeconfig merged = LoadMergedKubeconfig(KubeconfigFiles(env));
  if (Empty(merged) && InCluster(env)) {
    LoadedConfig loaded = InClusterConfig(env, service_account_dir);
    if (!overrides.namespace_name.empty()) {
      loaded.namespace_name = overrides.namespace_name;
    }
    return loaded;
  }
  return ResolveKubeconfig(merged, overrides);
}

}  // namespace bubble::client
