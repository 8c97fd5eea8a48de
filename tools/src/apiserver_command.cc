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
  // Faults (docs/kubectl.md, "Test against a flaky server"): checked with the rest, before
  // anything is served.
  cmd->add_option("--error-rate", args.error_rate,
                  "Percent (0-100) of API requests (get, list, watch, create, update, patch, "
                  "delete, deletecollection; not discovery) that fail: 1/2 500 InternalError, 1/4 "
                  "429 TooManyRequests with Retry-After: 1, 1/4 504 Timeout; of failed writes, "
                  "the 504s and half the 500s come after the write was applied")
      ->type_name("PCT");
  cmd->add_option("--latency", args.latency,
                  "Delay of each API request, drawn per request and each way in MIN..MAX (MAX "
                  "alone: 0..MAX), e.g. 5ms..50ms")
      ->type_name("MIN..MAX");
  cmd->add_option("--watch-lifetime", args.watch_lifetime,
                  "Every watch stream ends after a lifetime drawn in (0, D], e.g. 30s; the "
                  "client watches again")
      ->type_name("D");
  cmd->add_option("--expire-rate", args.expire_rate,
                  "Percent (0-100) of watches from a resourceVersion before which the server "
                  "compacts its history: one from an older version gets 410 Expired and the "
                  "client lists again")
      ->type_name("PCT");
  cmd->add_option("--fault-seed", args.fault_seed,
                  "Seed of the fault draws, to repeat a flaky run as closely as real time allows "
                  "(default: drawn, and printed at start)")
      ->type_name("N");
}

int ApiServer(const NetworkCommands* network, const ApiServerArgs& args) {
  if (network == nullptr) {
    ThrowWithoutNetworkCommands();
  }
  return network->ApiServer(args);
}

}  // namespace bubble::cli
