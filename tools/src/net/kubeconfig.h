// tools/src/net/kubeconfig.h (private): the kubeconfig `bubble apiserver` and `bubble run --serve`
// write for kubectl, one context per served cluster.
#pragma once

#include <string>
#include <vector>

namespace bubble::cli::net_commands {

struct KubeconfigCluster {
  std::string name;    // the cluster's and context's name, e.g. "bubble" or "bubble-2"
  std::string server;  // e.g. "http://127.0.0.1:8080" or "https://127.0.0.1:6443/clusters/2"
};

struct Kubeconfig {
  std::vector<KubeconfigCluster> clusters;  // the first is the current context
  // A PEM file kubectl verifies an HTTPS server with; empty for plain HTTP.
  std::string certificate_authority_file{};
  std::string namespace_name = "default";
};

// The kubeconfig as JSON text (kubectl reads JSON and YAML alike).
std::string KubeconfigText(const Kubeconfig& config);

}  // namespace bubble::cli::net_commands
