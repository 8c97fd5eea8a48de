// client/include/bubble/client/controller_program.h
//
// ControllerProgram: the main() of a controller that runs against a real API server. The
// controller is the one the simulation tests (it takes a runtime::Clientset and runs on bubble's
// fibers); the program gives it a RestClientset on the real-time loop and does what every
// controller binary does around it, the way client-go's examples and kube-controller-manager do:
//
//  - the flags: --kubeconfig, --context, --workers, --log-level, --health-probe-bind-address,
//    and for leader election --leader-elect, --lease-name, --lease-namespace, --identity,
//    --lease-duration, --renew-deadline, --retry-period (kube-controller-manager's defaults),
//    plus the program's own string flags. Bad flags and configuration are one line on stderr and
//    exit 2, before any request;
//  - health probes (with --health-probe-bind-address, controller-runtime's flag): /healthz is
//    200 "ok" unless a leader has missed its renewals 20 s past its lease (client-go's
//    HealthzAdaptor; a liveness probe then restarts it), /readyz is 200 until the program stops;
//  - the configuration: LoadConfig (the kubeconfig, KUBECONFIG, or the pod's service account);
//  - klog lines on stderr (sim::Log on real time);
//  - SIGINT/SIGTERM: the run context is cancelled, `run` returns (workers finish their keys),
//    the leader releases its Lease so a standby takes over at once, exit 0;
//  - leader election (a coordination.k8s.io Lease): `run` is called on the leading context, once.
//    A leader that loses the Lease while not stopping exits 1: its caches may be behind the new
//    leader, and a restart starts it clean as a standby.
//
//   int main(int argc, char** argv) {
//     return client::RunControllerProgram(
//         {.name = "website-controller",
//          .description = "keeps a Deployment and a Service for every Website",
//          .scheme = WebsiteScheme(),
//          .run = [](const client::ProgramContext& p, const sim::Context& ctx) {
//            runtime::cache::InformerFactory factory(p.clientset);
//            website::WebsiteController controller(p.clientset, factory, {.workers = p.workers});
//            factory.Start(ctx);
//            controller.Run(ctx);
//            factory.Shutdown();
//          }},
//         argc, argv);
//   }
//
// Exit codes: 0 stopped by a signal; 1 the run failed (its report is printed), `run` returned
// before its context ended, or the leader lost its Lease; 2 bad flags or configuration.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <bubble/client/loaded_config.h>
#include <bubble/runtime/client.h>
#include <bubble/runtime/scheme.h>
#include <bubble/sim/context.h>

namespace bubble::client {

// What the program's controller is given.
struct ProgramContext {
  runtime::Clientset& clientset;  // a RestClientset on the configuration's server
  const LoadedConfig& config;     // where it connects; config.namespace_name is the context's
  int workers;                    // --workers
  const std::string& identity;    // --identity, or hostname_pid: the elector's, and for logs
  // The program's own flags (ControllerProgram::flags), by name without "--".
  const std::map<std::string, std::string>& flags;
};

// A string flag of the program's own, `--name VALUE` or `--name=VALUE`.
struct ProgramFlag {
  std::string name;  // without "--"
  std::string default_value{};
  std::string description{};
  // Returns "" when `value` is acceptable, otherwise the one-line problem and fix.
  std::function<std::string(const std::string& value)> check{};
};

enum class LeaderElectionMode {
  kOptional,  // off unless --leader-elect
  kAlways,    // the program contends for the Lease on every run (no --leader-elect flag)
};

struct ControllerProgram {
  std::string name;  // the program's name: usage, log lines, the default Lease name
  std::string description{};
  runtime::Scheme scheme = runtime::Scheme::Builtin();
  int default_workers = 2;
  LeaderElectionMode leader_election = LeaderElectionMode::kOptional;
  std::vector<ProgramFlag> flags{};
  // Builds the controller and runs it until `ctx` is done, on a fiber of the real-time loop.
  // With leader election `ctx` is the leading context, and `run` is called at most once.
  std::function<void(const ProgramContext&, const sim::Context& ctx)> run{};
};

// Parses argv, loads the configuration and runs `program` until a signal or a lost Lease; returns
// the exit code.
int RunControllerProgram(const ControllerProgram& program, int argc, char** argv);

}  // namespace bubble::client
