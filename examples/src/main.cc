// src/main.cc: website-controller, the Website controller against a real cluster (or `bubble
// apiserver`). The controller is the one the tests and the scenario run; only its clientset
// differs: client::RestClientset over the kubeconfig's (or the pod's) API server instead of
// the fake, on the real-time loop instead of the simulated one.
//
//   website-controller [--kubeconfig FILE] [--context NAME] [--workers N] [--log-level LEVEL]
//                      [--leader-elect [--lease-name NAME] [--lease-namespace NS] [--identity ID]
//                       [--lease-duration D] [--renew-deadline D] [--retry-period D]]
//
// client::RunControllerProgram does what every controller binary does around the controller:
// the flags, the configuration, klog lines, a graceful stop on SIGINT/SIGTERM (the workers
// finish their keys, the informers stop, exit 0) and, with --leader-elect, a Lease that only the
// leader reconciles under (docs/production.md).
#include <bubble/client/controller_program.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/scheme.h>
#include <bubble/sim/context.h>

#include "website/controller.h"
#include "website/website.h"

namespace {

namespace client = bubble::client;
namespace rt = bubble::runtime;

rt::Scheme WebsiteScheme() {
  rt::Scheme scheme = rt::Scheme::Builtin();
  scheme.Register<website::Website>();
  return scheme;
}

void RunController(const client::ProgramContext& program, const bubble::sim::Context& ctx) {
  rt::cache::InformerFactory factory(program.clientset);
  website::WebsiteController controller(program.clientset, factory, {.workers = program.workers});
  factory.Start(ctx);
  controller.Run(ctx);
  factory.Shutdown();
}

}  // namespace

int main(int argc, char** argv) {
  return client::RunControllerProgram(
      {.name = "website-controller",
       .description = "website-controller: keeps a Deployment and a Service for every Website",
       .scheme = WebsiteScheme(),
       .run = RunController},
      argc, argv);
}
