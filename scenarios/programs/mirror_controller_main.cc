// scenarios/programs/mirror_controller_main.cc: bubble-mirror-controller, client-go's
// examples/workqueue against a real API server (or `bubble apiserver`). The controller is
// MirrorController (controllers/mirror_controller.h), the one scenario S10
// (workqueue-controller) tests through injected write faults; here it runs on a RestClientset.
//
//   bubble-mirror-controller [--kubeconfig FILE] [--context NAME] [--workers N]
//                            [--source-namespace NS] [--mirror-namespace NS] [--leader-elect ...]
//
// It needs to list and watch ConfigMaps in every namespace, and to create, update and delete
// them in the mirror namespace. SIGINT/SIGTERM stop it gracefully (exit 0).
#include <string>

#include <bubble/client/controller_program.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/sim/context.h>

#include "mirror_controller.h"

namespace {

namespace client = bubble::client;
namespace scenarios = bubble::scenarios;

// A namespace name as the API server takes it (an RFC 1123 label), checked before any request.
std::string CheckNamespace(const std::string& value) {
  const bool ok =
      !value.empty() && value.size() <= 63 && value.front() != '-' && value.back() != '-' &&
      value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
  return ok ? std::string()
            : "\"" + value +
                  "\" is not a namespace name; give lower-case letters, digits and '-' (at most "
                  "63)";
}

void RunMirror(const client::ProgramContext& program, const bubble::sim::Context& ctx) {
  bubble::runtime::cache::InformerFactory factory(program.clientset);
  scenarios::MirrorController controller(program.clientset, factory,
                                         {.source_namespace = program.flags.at("source-namespace"),
                                          .mirror_namespace = program.flags.at("mirror-namespace"),
                                          .workers = program.workers});
  factory.Start(ctx);
  controller.Run(ctx);
  factory.Shutdown();
}

}  // namespace

int main(int argc, char** argv) {
  return client::RunControllerProgram(
      {.name = "bubble-mirror-controller",
       .description = "bubble-mirror-controller: mirrors the ConfigMaps of one namespace into "
                      "another (client-go's workqueue example)",
       .flags = {{.name = "source-namespace",
                  .default_value = "src",
                  .description = "The namespace whose ConfigMaps are mirrored",
                  .check = CheckNamespace},
                 {.name = "mirror-namespace",
                  .default_value = "mirror",
                  .description = "The namespace that holds the mirrors",
                  .check = CheckNamespace}},
       .run = RunMirror},
      argc, argv);
}
