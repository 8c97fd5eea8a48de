// tools/src/apiserver_command.cc
#include "apiserver_command.h"

#include <bubble/scenarios/registry.h>

namespace bubble::cli {

void ThrowWithoutNetworkCommands() {
  throw scenarios::ConfigError(
      "this program was built without bubble's network commands: link bubble::cli_net and pass "
      ".network = &bubble::cli::KubernetesApiCommands() to cli::Main (docs/cli.md)");
}

void AddApiServerOptions(CLI::App* cmd, ApiServerArgs& args) {
  cmd->add_option("--listen", args.listen.address,
                  "Address to serve at, e.g. 127.0.0.1:8080 (port 0: any free port, printed)")
      ->required()
      ->type_name("ADDR");
  cmd->add_option("--fidelity", args.fidelity,
                  "The fake's behaviour switches, comma-separated: all (a real API server's "
                  "behaviour, the default), client-go (client-go's fake), or switch names such "
                  "as no-finalizers, history=1000 (docs/semantics.md)")
      ->type_name("LIST");
  cmd->add_option("--seed-objects", args.seed_objects,
                  "A YAML or JSON file of objects to create at start (what kubectl apply -f "
                  "takes)")
      ->type_name("FILE");
  cmd->add_flag("--tls", args.listen.tls,
                "HTTPS with a certificate generated at start (always so on a non-loopback "
                "address)");
  cmd->add_option("--tls-cert", args.listen.tls_cert, "The server's certificate (PEM)")
      ->type_name("FILE");
  cmd->add_option("--tls-key", args.listen.tls_key, "The server's private key (PEM)")
      ->type_name("FILE");
  cmd->add_option("--kubeconfig", args.listen.kubeconfig,
                  "Where the kubeconfig goes (default: a new directory under $TMPDIR)")
      ->type_name("FILE");
}

int ApiServer(const NetworkCommands* network, const ApiServerArgs& args) {
  if (network == nullptr) {
    ThrowWithoutNetworkCommands();
  }
  return network->ApiServer(args);
}

}  // namespace bubble::cli
