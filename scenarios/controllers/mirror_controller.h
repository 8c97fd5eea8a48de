// scenarios/controllers/mirror_controller.h
//
// MirrorController, client-go's examples/workqueue as bubble code: it mirrors every ConfigMap of
// a source namespace into a ConfigMap of the same name and data in a mirror namespace, through
// the controller helper (runtime/controller: informer handlers enqueue keys, workers reconcile,
// failed reconciles are retried with the rate limiter's backoff). Mirror objects map back to
// their source's key, so drift in the mirror namespace is repaired too.
//
// Production code: it takes a runtime::Clientset, so the same class runs in scenario S10
// (workqueue-controller, on the fake) and in the bubble-mirror-controller program (on a real API
// server, scenarios/programs/).
#pragma once

#include <memory>
#include <string>

#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/client.h>
#include <bubble/sim/context.h>

namespace bubble::scenarios {

struct MirrorOptions {
  std::string source_namespace = "src";
  std::string mirror_namespace = "mirror";
  int workers = 2;
  // Planted bugs (scenario S10):
  // reconcile logs a failed write and reports success, so the key is not retried.
  bool swallow_errors = false;
  // when the source is gone, reconcile does nothing, so its mirror leaks.
  bool leak_on_delete = false;
};

class MirrorController {
 public:
  // Registers its informer and handlers with `factory`; call before factory.Start.
  MirrorController(runtime::Clientset& client, runtime::cache::InformerFactory& factory,
                   MirrorOptions options);
  ~MirrorController();
  MirrorController(const MirrorController&) = delete;
  MirrorController& operator=(const MirrorController&) = delete;

  // Waits for the cache, then reconciles until `ctx` ends.
  void Run(const sim::Context& ctx);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace bubble::scenarios
