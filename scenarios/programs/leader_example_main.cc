// scenarios/programs/leader_example_main.cc: bubble-leader-example, client-go's
// examples/leader-election against a real API server (or `bubble apiserver`). Replicas contend
// for a Lease; the leader works: it writes its identity into ConfigMap work-log once a second
// (controllers/work_log.h, the loop scenario S12 checks for a single writer), until it stops
// leading. Run several and kill the leader: another takes over within the lease duration, and
// `kubectl get configmap work-log -o yaml` shows the new writer.
//
//   bubble-leader-example [--kubeconfig FILE] [--context NAME] [--identity ID]
//                         [--lease-name NAME] [--lease-namespace NS] [--lease-duration D]
//                         [--renew-deadline D] [--retry-period D] [--work-log NAME]
//
// It needs get/create/update on Leases and ConfigMaps in its namespace. SIGINT/SIGTERM: the
// leader releases the Lease at once, exit 0. A leader that loses the Lease exits 1.
#include <string>

#include <bubble/client/controller_program.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>

#include "work_log.h"

namespace {

namespace client = bubble::client;
namespace scenarios = bubble::scenarios;

void RunWork(const client::ProgramContext& program, const bubble::sim::Context& ctx) {
  const std::string& log = program.flags.at("work-log");
  const std::string& ns = program.config.namespace_name;
  bubble::sim::Log().info("bubble-leader-example: {} writes ConfigMap {}/{} every second",
                          program.identity, ns, log);
  scenarios::RunWorkLog(
      program.clientset, ctx, ctx,
      {.namespace_name = ns,
       .name = log,
       .identity = program.identity,
       .after_write = [&program](int seq, const bubble::runtime::Result<void>& wrote) {
         if (!wrote) {
           // The next write retries; a leader that cannot write still holds the Lease.
           bubble::sim::Log().warn("bubble-leader-example: {} write #{}: {}", program.identity, seq,
                                   wrote.error().message);
         } else {
           bubble::sim::Log().debug("bubble-leader-example: {} wrote #{}", program.identity, seq);
         }
       }});
}

}  // namespace

int main(int argc, char** argv) {
  return client::RunControllerProgram(
      {.name = "bubble-leader-example",
       .description = "bubble-leader-example: replicas elect a leader over a Lease; the leader "
                      "writes its identity into a ConfigMap (client-go's leader-election example)",
       .default_workers = 1,
       .leader_election = client::LeaderElectionMode::kAlways,
       .flags = {{.name = "work-log",
                  .default_value = "work-log",
                  .description = "The ConfigMap the leader writes, in the context's namespace"}},
       .run = RunWork},
      argc, argv);
}
