// tools/src/net/kubeconfig.cc
#include "kubeconfig.h"

#include <nlohmann/json.hpp>

namespace bubble::cli::net_commands {

std::string KubeconfigText(const Kubeconfig& config) {
  nlohmann::json clusters = nlohmann::json::array();
  nlohmann::json contexts = nlohmann::json::array();
  for (const KubeconfigCluster& c : config.clusters) {
    nlohmann::json cluster = {{"server", c.server}};
    if (!config.certificate_authority_file.empty()) {
      cluster["certificate-authority"] = config.certificate_authority_file;
    }
    clusters.push_back({{"name", c.name}, {"cluster", cluster}});
    contexts.push_back(
        {{"name", c.name},
         {"context",
          {{"cluster", c.name}, {"user", "bubble"}, {"namespace", config.namespace_name}}}});
  }
  const nlohmann::json doc = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters", clusters},
      // bubble's servers do not authenticate (they serve anyone who can reach their address,
      // which is why a non-loopback address gets TLS). The token is never checked: it is there
      // because kubectl asks for a user name and password on a terminal when an HTTPS server's
      // user has no credentials.
      {"users", nlohmann::json::array(
                    {{{"name", "bubble"}, {"user", {{"token", "bubble-does-not-authenticate"}}}}})},
      {"contexts", contexts},
      {"current-context", config.clusters.empty() ? "" : config.clusters.front().name},
  };
  return doc.dump(2) + "\n";
}

}  // namespace bubble::cli::net_commands
