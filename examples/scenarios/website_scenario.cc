// scenarios/website_scenario.cc
//
// The "website" scenario: the Website controller against a realistic fake API server, with the
// rest of a cluster simulated around it:
//  - a user fiber creates Websites, changes their image and replicas, and deletes some, for the
//    first 5 s;
//  - a "kube-controller-manager" fiber plays Kubernetes' own Deployment controller: it keeps
//    writing each Deployment's status (ready replicas), which bumps its resourceVersion, so the
//    Website controller's cached copy is often stale when it updates the spec;
//  - every API request takes 1-20 ms of virtual time.
// Invariant (checked against the server, 30 s after the user stops): every Website has a
// Deployment and a Service matching its spec and has observed its generation, and no Deployment
// or Service is left without its Website.
//
// Planted bug ignore-conflicts: the controller treats a Conflict on its Deployment update as
// done, so the spec change that conflicted is never applied.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/deployment.h>
#include <bubble/runtime/service.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/wait_group.h>

#include "website/controller.h"
#include "website/website.h"

namespace {

using namespace std::chrono_literals;
namespace rt = bubble::runtime;
namespace sim = bubble::sim;
namespace fake = bubble::fake;
namespace scenarios = bubble::scenarios;

constexpr char kNamespace[] = "web";
constexpr sim::Duration kUserWritesFor = 5s;
constexpr sim::Duration kSettleWithin = 30s;

// The user: creates, edits and deletes a few Websites.
void User(fake::Clientset& cs, int sites) {
  auto websites = cs.For<website::Website>(kNamespace);
  const sim::TimePoint end = sim::Now() + kUserWritesFor;
  while (sim::Now() < end) {
    const std::string name = fmt::format("site-{}", sim::Rand().UniformInRange(0, sites - 1));
    auto current = websites.Get(name);
    if (!current) {
      website::Website w;
      w.metadata.name = name;
      w.metadata.namespace_ = kNamespace;
      w.spec = {.image = "nginx:1.25", .replicas = 1, .port = 8080};
      (void)websites.Create(w);
    } else if (sim::Rand().Bernoulli(0.8)) {
      website::Website next = **current;
      next.spec.replicas = static_cast<std::int32_t>(sim::Rand().UniformInRange(1, 5));
      next.spec.image = fmt::format("nginx:1.{}", sim::Rand().UniformInRange(20, 27));
      (void)websites.Update(next);  // a Conflict: the user simply tries again later
    } else {
      (void)websites.Delete(name);
    }
    sim::SleepFor(sim::Rand().UniformDuration(0ms, 600ms));
  }
}

// Kubernetes' Deployment controller, reduced to what matters here: it reports pods as ready by
// writing each Deployment's status, again and again.
void KubeControllerManager(fake::Clientset& cs, const sim::Context& ctx) {
  auto deployments = cs.Deployments(kNamespace);
  while (!ctx.IsDone()) {
    if (auto list = deployments.List()) {
      for (const auto& d : list->items) {
        rt::Deployment next = *d;
        next.status.observed_generation = d->metadata.generation;
        next.status.replicas = d->spec.replicas;
        next.status.ready_replicas =
            static_cast<std::int32_t>(sim::Rand().UniformInRange(0, d->spec.replicas));
        (void)deployments.UpdateStatus(next);  // a Conflict: next round
      }
    }
    sim::SleepFor(sim::Rand().UniformDuration(100ms, 400ms));
  }
}

void Check(fake::Clientset& cs) {
  auto sites = cs.For<website::Website>(kNamespace).List();
  auto deployments = cs.Deployments(kNamespace).List();
  auto services = cs.Services(kNamespace).List();
  if (!sites || !deployments || !services) {
    sim::Fail("listing the cluster failed after the user stopped");
  }
  std::map<std::string, rt::DeploymentPtr> deployment_of;
  std::map<std::string, rt::ServicePtr> service_of;
  for (const auto& d : deployments->items)
    deployment_of[d->metadata.name] = d;
  for (const auto& s : services->items)
    service_of[s->metadata.name] = s;
  std::vector<std::string> wrong;
  for (const auto& site : sites->items) {
    const std::string& name = site->metadata.name;
    auto d = deployment_of.find(name);
    if (d == deployment_of.end()) {
      wrong.push_back(name + ": no Deployment");
    } else if (d->second->spec.replicas != site->spec.replicas ||
               d->second->spec.template_.spec.containers.empty() ||
               d->second->spec.template_.spec.containers[0].image != site->spec.image) {
      wrong.push_back(fmt::format("{}: Deployment has {} x {}, Website wants {} x {}", name,
                                  d->second->spec.replicas,
                                  d->second->spec.template_.spec.containers.empty()
                                      ? "(no container)"
                                      : d->second->spec.template_.spec.containers[0].image,
                                  site->spec.replicas, site->spec.image));
    }
    if (!service_of.contains(name))
      wrong.push_back(name + ": no Service");
    if (site->status.observed_generation != site->metadata.generation) {
      wrong.push_back(fmt::format("{}: observedGeneration {} of generation {}", name,
                                  site->status.observed_generation, site->metadata.generation));
    }
    deployment_of.erase(name);
    service_of.erase(name);
  }
  for (const auto& [name, d] : deployment_of)
    wrong.push_back(name + ": Deployment leaked");
  for (const auto& [name, s] : service_of)
    wrong.push_back(name + ": Service leaked");
  if (!wrong.empty()) {
    sim::Fail(fmt::format("invariant converged violated: {} after the user stopped: {}",
                          sim::FormatDuration(kSettleWithin), fmt::join(wrong, "; ")));
  }
}

sim::Task Body(const scenarios::ScenarioContext& ctx) {
  fake::Options server;  // the realistic default: versions, conflicts, status subresource...
  server.scheme.Register<website::Website>();
  const auto latency = std::chrono::milliseconds(ctx.IntOption("latency-ms"));
  if (latency > 0ms)
    server.faults.latency.push_back({.min = 1ms, .max = latency});
  auto cs = std::make_shared<fake::Clientset>(std::move(server));
  const website::ControllerOptions options{.workers = static_cast<int>(ctx.IntOption("workers")),
                                           .ignore_conflicts = ctx.Bug("ignore-conflicts")};
  const int sites = static_cast<int>(ctx.IntOption("websites"));
  return [cs, options, sites] {
    bubble::runtime::cache::InformerFactory factory(*cs);
    website::WebsiteController controller(*cs, factory, options);
    auto [run, stop] = sim::WithCancel(sim::Context::Background());
    factory.Start(run);
    sim::WaitGroup fibers("website scenario");
    // Init-captures: clang 14 cannot capture a structured binding.
    fibers.Go("website-controller", [&controller, &run = run] { controller.Run(run); });
    fibers.Go("kube-controller-manager", [&cs, &run = run] { KubeControllerManager(*cs, run); });
    User(*cs, sites);
    sim::SleepFor(kSettleWithin);
    Check(*cs);
    stop();
    fibers.Wait();
    factory.Shutdown();
  };
}

scenarios::Scenario WebsiteScenario() {
  return {
      .name = "website",
      .description =
          "the Website controller keeps a Deployment and a Service per Website "
          "while the user edits and a Deployment controller writes status",
      .options = {{.key = "websites",
                   .default_value = "3",
                   .description = "Websites the user works on",
                   .int_range = std::pair<std::int64_t, std::int64_t>{1, 20}},
                  {.key = "workers",
                   .default_value = "2",
                   .description = "controller workers",
                   .int_range = std::pair<std::int64_t, std::int64_t>{1, 8}},
                  {.key = "latency-ms",
                   .default_value = "20",
                   .description = "most virtual latency of an API request",
                   .int_range = std::pair<std::int64_t, std::int64_t>{0, 1000}}},
      .bugs = {{.name = "ignore-conflicts",
                .description = "a Conflict on the Deployment update is treated as done",
                .seed_budget = 50}},
      .body = Body,
  };
}

}  // namespace

BUBBLE_REGISTER_SCENARIO(WebsiteScenario());
