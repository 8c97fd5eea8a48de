// client/include/bubble/client/kubeconfig_loader.h
//
// Loading a client configuration from kubeconfig files as kubectl does: the files in KUBECONFIG
// (':'-separated, missing ones skipped) merged first-definition-wins, or ~/.kube/config; then
// the chosen context (current-context unless overridden) resolved to the server, CA,
// credentials and namespace, with certificate and token files read.
//
//   client::LoadedConfig config = client::LoadKubeconfig({.namespace_name = "team-a"},
//                                                        client::ConfigEnvironment::FromProcess());
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <bubble/client/config_environment.h>
#include <bubble/client/kubeconfig.h>
#include <bubble/client/loaded_config.h>

namespace bubble::client {

// What kubectl's --kubeconfig, --context and --namespace flags choose; empty fields choose
// nothing.
struct KubeconfigOverrides {
  std::string kubeconfig_file{};  // read only this file, which must exist (KUBECONFIG is ignored)
  std::string context{};          // use this context instead of current-context
  std::string namespace_name{};   // use this namespace instead of the context's
};

// The kubeconfig files to read, in precedence order: KUBECONFIG's entries (empty entries and
// repeats dropped) if it is set, else $HOME/.kube/config.
std::vector<std::filesystem::path> KubeconfigFiles(const ConfigEnvironment& env);

// Reads and merges `files` (first definition wins). A file that does not exist is skipped; one
// that exists but cannot be read or parsed throws ConfigError.
Kubeconfig LoadMergedKubeconfig(const std::vector<std::filesystem::path>& files);

// The chosen context of `config` as a LoadedConfig: certificate, key and token files are read
// here. Throws ConfigError naming the context, cluster or user at fault (and the file defining
// it) when an entry is missing, a file cannot be read, the user has an unsupported credential
// (basic auth, an exec plugin, an auth provider) or conflicting fields.
LoadedConfig ResolveKubeconfig(const Kubeconfig& config, const KubeconfigOverrides& overrides = {});

// KubeconfigFiles, LoadMergedKubeconfig and ResolveKubeconfig in one call.
LoadedConfig LoadKubeconfig(const KubeconfigOverrides& overrides, const ConfigEnvironment& env);

}  // namespace bubble::client
