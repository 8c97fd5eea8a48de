// include/website/controller.h
//
// The Website controller: for every Website it keeps a Deployment (spec.replicas copies of
// spec.image, pods labelled app=<name>) and a Service (selector app=<name>, port 80 to
// spec.port) of the same name, records the generation it acted on in status.observedGeneration,
// and deletes both when the Website goes away. It watches Websites only; Deployments and
// Services are read from listers (informer caches), written through the client.
//
// This is production code: nothing in it knows about bubble's simulation. It takes a
// runtime::Clientset (the fake API server in tests) and runs on bubble's fibers, like any
// controller built from bubble's runtime.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/client.h>
#include <bubble/runtime/controller/controller.h>
#include <bubble/sim/context.h>

namespace website {

struct ControllerOptions {
  int workers = 2;
  // A planted bug for the example's scenario: a Conflict on a Deployment update is treated as
  // done instead of retried, so a spec change can be lost for good.
  bool ignore_conflicts = false;
};

class WebsiteController {
 public:
  // Registers the informers it needs with `factory`; call before factory.Start.
  WebsiteController(bubble::runtime::Clientset& client,
                    bubble::runtime::cache::InformerFactory& factory, ControllerOptions options);
  ~WebsiteController();

  // Waits for the caches, then reconciles until `ctx` ends.
  void Run(const bubble::sim::Context& ctx);

  const bubble::runtime::controller::ControllerStats& Stats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The labels of a Website's pods, and the selector of its Deployment and Service.
std::map<std::string, std::string> PodLabels(const std::string& website_name);

}  // namespace website
