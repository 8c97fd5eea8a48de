// client/include/bubble/client/loaded_config.h
//
// LoadedConfig: where a client connects and how it authenticates, as read from a kubeconfig or
// from a pod's service account (client-go's rest.Config, the part of it bubble supports). Plain
// data: certificates and keys are PEM text already read from their files, so a client never
// opens a file except RestConfig::token_file, which it re-reads as the token rotates.
#pragma once

#include <string>

#include <bubble/client/rest_config.h>

namespace bubble::client {

// The connection (RestConfig: what RestClientset takes; pass a LoadedConfig where a RestConfig
// is wanted) and what only loading knows.
struct LoadedConfig : RestConfig {
  std::string namespace_name = "default";  // the context's namespace (or the pod's)
  std::string context_name{};              // the kubeconfig context used; "" for in-cluster
};

}  // namespace bubble::client
