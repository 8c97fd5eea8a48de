// tools/include/bubble/cli/network.h
//
// File: the commands of bubble's command line that open a socket: `run --serve` (a finished or
// paused run's API state, read-only, for kubectl) and `apiserver` (the fake API server, live, on
// the real-time loop). They live in their own library, bubble::cli_net, so that a program built
// on bubble::cli links no sockets and no OpenSSL; bubble::cli_main links it and offers both.
// A program with its own main() offers them by passing the implementation:
//
//   #include <bubble/cli/net_commands.h>   // bubble::cli_net
//   return bubble::cli::Main(argc, argv, {.scenarios = {...},
//                                         .network = &bubble::cli::KubernetesApiCommands()});
//
// Without it, `run --serve` and `apiserver` are usage errors that say how to get them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <bubble/sim/clock.h>

namespace bubble::fake {
class Clientset;
}  // namespace bubble::fake

namespace bubble::cli {

// Where and how a command serves (docs/cli.md, "bubble apiserver").
struct ListenArgs {
  // "127.0.0.1:8080", "[::1]:0", "localhost:0" (port 0: any free port, printed).
  std::string address;
  // PEM files of the server's certificate and key; both or neither. Neither: plain HTTP on a
  // loopback address, else (or with tls) a certificate generated at start.
  std::string tls_cert{};
  std::string tls_key{};
  bool tls = false;
  // Where the kubeconfig for kubectl is written; empty: a new directory under $TMPDIR.
  std::string kubeconfig{};
};

// A run's API state as `run --serve` serves it, frozen at `shown_at`.
struct RunState {
  std::string command;  // the command that reruns the run
  std::string outcome;  // "pass" or "fail"
  sim::TimePoint shown_at{};
  std::string instant_note;  // "the end of the run", "--pause-at", ...
  // The run's API servers (every fake::Clientset it made, fake::ClientsetCapture), each a
  // snapshot, in creation order; served as one cluster each.
  std::vector<std::shared_ptr<fake::Clientset>> clusters;
};

struct ApiServerArgs {
  ListenArgs listen;
  // fake::Fidelity::Enable names, comma-separated: "all" (the default), "client-go", ...
  std::string fidelity = "all";
  // A YAML or JSON file of objects the server starts with.
  std::string seed_objects{};
  // The faults it injects, as typed on the command line (docs/kubectl.md, "Test against a flaky
  // server"); "": off. Checked before anything is served.
  std::string error_rate{};      // --error-rate PCT: percent of API requests that fail
  std::string latency{};         // --latency MIN..MAX or MAX: per request, each way
  std::string watch_lifetime{};  // --watch-lifetime D: every watch ends within D
  std::string expire_rate{};     // --expire-rate PCT: percent of resumed watches compacted first
  std::string fault_seed{};      // --fault-seed N: the seed of the draws (default: drawn, printed)
};

class NetworkCommands {
 public:
  virtual ~NetworkCommands() = default;
  // Checks `listen` before any work starts (the address parses, can be bound, files exist and
  // hold a matching certificate and key, the kubeconfig can be written): "" or a one-line error.
  virtual std::string CheckListen(const ListenArgs& listen) const = 0;
  // Serves `state` read-only until SIGINT or SIGTERM; prints where, the kubeconfig and kubectl
  // commands to try. Returns 0, or 2 if it could not start.
  virtual int ServeRunState(const ListenArgs& listen, const RunState& state) const = 0;
  // `apiserver`: checks everything first (usage errors: 2), then serves until SIGINT or SIGTERM.
  virtual int ApiServer(const ApiServerArgs& args) const = 0;
};

}  // namespace bubble::cli
