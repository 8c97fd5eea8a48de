// scenarios/src/workqueue_controller.cc
//
// client-go's examples/workqueue as a scenario: MirrorController (controllers/mirror_controller.h,
// the code the bubble-mirror-controller program runs against a cluster) mirrors every ConfigMap
// of namespace "src" into a ConfigMap of the same name and data in namespace "mirror"; errors
// are retried with the rate limiter's backoff on the virtual clock.
//
// A writer fiber creates, updates and deletes source ConfigMaps for the first seconds while the
// fake API server fails a share of the controller's writes (a reactor, drawing from the bubble's
// generator) until `faults_end`. Mirror objects map back to their source's key, so drift in the
// mirror namespace is repaired too.
//
// Invariants:
//  - converges: `bound` after the faults and the writes stop, the mirror namespace holds exactly
//    the source objects, with the same data (checked against the server, not a cache);
//  - one-worker-per-key: no key is reconciled by two workers at once (checked by the controller
//    helper on every reconcile).
//
// Planted bugs:
//  - swallow-errors: reconcile logs a failed write and reports success, so the key is not
//    retried (a Go controller that returns nil after logging);
//  - leak-on-delete: when the source is gone, reconcile does nothing, so its mirror leaks.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/logger.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/config_map.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "catalogue.h"
#include "mirror_controller.h"

namespace bubble::scenarios {

namespace {

using namespace std::chrono_literals;
namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;

constexpr char kSource[] = "src";
constexpr char kMirror[] = "mirror";
constexpr sim::Duration kWritesFor = 10s;
constexpr sim::Duration kFaultsFor = 10s;
// Longest backoff after a run of failures within the fault window, plus the work left.
constexpr sim::Duration kConvergenceBound = 30s;

struct State {
  std::shared_ptr<fake::Clientset> cs;
  int workers = 2;
  double fault_rate = 0.3;
  bool swallow_errors = false;
  bool leak_on_delete = false;
  int injected = 0;
};

// Creates, updates and deletes source ConfigMaps among a few names for kWritesFor.
void Writer(State& s) {
  auto sources = s.cs->ConfigMaps(kSource);
  std::map<std::string, int> version;  // name -> data version, for the ones that exist
  const sim::TimePoint end = sim::Now() + kWritesFor;
  while (sim::Now() < end) {
    const std::string name = fmt::format("cm{}", sim::Rand().UniformInRange(0, 5));
    auto it = version.find(name);
    if (it == version.end()) {
      (void)sources.Create(rt::ConfigMap({.name = name, .namespace_ = kSource}, {{"v", "0"}}));
      version[name] = 0;
    } else if (sim::Rand().Bernoulli(0.7)) {
      ++it->second;
      (void)sources.Update(rt::ConfigMap({.name = name, .namespace_ = kSource},
                                         {{"v", std::to_string(it->second)}}));
    } else {
      (void)sources.Delete(name);
      version.erase(it);
    }
    sim::SleepFor(sim::Rand().UniformDuration(0ms, 800ms));
  }
}

void Check(State& s) {
  auto src = s.cs->ConfigMaps(kSource).List();
  auto mir = s.cs->ConfigMaps(kMirror).List();
  if (!src || !mir) {
    sim::Fail("list failed after the faults stopped");
  }
  std::map<std::string, std::map<std::string, std::string>> want;
  std::map<std::string, std::map<std::string, std::string>> got;
  for (const auto& cm : src->items) {
    want[cm->metadata.name] = cm->data;
  }
  for (const auto& cm : mir->items) {
    got[cm->metadata.name] = cm->data;
  }
  if (want != got) {
    std::vector<std::string> diff;
    for (const auto& [name, data] : want) {
      if (!got.contains(name)) {
        diff.push_back(name + " missing");
      } else if (got.at(name) != data) {
        diff.push_back(name + " stale");
      }
    }
    for (const auto& [name, data] : got) {
      if (!want.contains(name)) {
        diff.push_back(name + " leaked");
      }
    }
    sim::Fail(
        fmt::format("invariant converges violated: {} after the faults stopped the mirror "
                    "differs from the source: {}",
                    sim::FormatDuration(kConvergenceBound), fmt::join(diff, ", ")));
  }
  sim::Log().info("\"Mirror converged\" objects={} injectedFaults={}", want.size(), s.injected);
}

void Run(State& s) {
  const sim::TimePoint faults_end = sim::Now() + kFaultsFor;
  s.cs->PrependReactor("*", "configmaps", [&s, faults_end](fake::Action& a) {
    const bool write = a.verb == "create" || a.verb == "update" || a.verb == "delete";
    if (write && a.namespace_ == kMirror && sim::Now() < faults_end &&
        sim::Rand().Bernoulli(s.fault_rate)) {
      ++s.injected;
      return fake::Reaction::Failed(rt::NewInternalError("injected fault"));
    }
    return fake::Reaction::Unhandled();
  });

  cache::InformerFactory factory(*s.cs);
  MirrorController controller(*s.cs, factory,
                              {.source_namespace = kSource,
                               .mirror_namespace = kMirror,
                               .workers = s.workers,
                               .swallow_errors = s.swallow_errors,
                               .leak_on_delete = s.leak_on_delete});
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  factory.Start(ctx);
  sim::WaitGroup fibers("mirror scenario");
  // An init-capture: clang 14 cannot capture a structured binding.
  fibers.Go("controller", [&controller, &ctx = ctx] { controller.Run(ctx); });
  fibers.Go("writer", [&s] { Writer(s); });
  sim::SleepUntil(faults_end + kConvergenceBound);
  Check(s);
  cancel();
  fibers.Wait();
  factory.Shutdown();
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->workers = static_cast<int>(ctx.IntOption("workers"));
  s->fault_rate = static_cast<double>(ctx.IntOption("fault-rate")) / 100.0;
  s->swallow_errors = ctx.Bug("swallow-errors");
  s->leak_on_delete = ctx.Bug("leak-on-delete");
  fake::Options server;
  server.fidelity.stamp_resource_version = true;
  s->cs = std::make_shared<fake::Clientset>(std::move(server));
  return [s] { Run(*s); };
}

}  // namespace

Scenario WorkqueueControllerScenario() {
  Scenario s;
  s.name = "workqueue-controller";
  s.catalogue = "S10";
  s.description =
      "client-go's workqueue example: a controller mirrors ConfigMaps through API faults and "
      "converges";
  s.options = {
      {.key = "workers",
       .default_value = "2",
       .description = "controller workers",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 8}},
      {.key = "fault-rate",
       .default_value = "30",
       .description = "percent of the controller's writes failed during the first 10 s",
       .int_range = std::pair<std::int64_t, std::int64_t>{0, 60}},
  };
  s.bugs = {
      {.name = "swallow-errors",
       .description = "reconcile logs a failed write and returns success: the key is not retried",
       .seed_budget = 20},
      {.name = "leak-on-delete",
       .description = "reconcile ignores a deleted source: its mirror leaks",
       .seed_budget = 20},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
