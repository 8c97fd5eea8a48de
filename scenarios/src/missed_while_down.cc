// scenarios/src/missed_while_down.cc
//
// S16 — events missed while the controller is down (docs/scenarios.md).
//
// A controller C keeps one resource in a fake external system (external_system.h) for every
// ConfigMap of namespace apps: "ext-apps-<name>", created when the object appears and deleted
// when it goes. The objects carry no finalizer. C is a restartable component (restartable.h).
// A driver fiber creates the objects, crashes C at a seeded moment, and while C is down deletes
// one object (X) and creates another (Y); C restarts 1 s after the crash with a fresh informer,
// whose initial List shows Y and not X: no DELETE event for X will ever come.
//
// Invariant:
//  - external-matches-objects: 3 s after the restart, the external system holds exactly one
//    resource per current object (external state == f(current objects)).
//
// The correct controller is level-triggered: reconcile(key) ensures the resource when the
// object exists and deletes it when it does not, and on every start it enqueues the owner of
// every external resource it finds (a resync of the external state against the list), so X's
// key is reconciled although nothing about X is in the new cache.
//
// Planted bug:
//  - edge-triggered-cleanup: the external resource is deleted only in the informer's DELETE
//    handler (controller-runtime #243; COSI #89): X's deletion happened while C was down, so its
//    resource leaks.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/controller/controller.h>
#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/restartable.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>

#include "catalogue.h"
#include "external_system.h"

namespace bubble::scenarios {

namespace {

using namespace std::chrono_literals;
namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;
namespace ctrl = bubble::runtime::controller;

constexpr char kNamespace[] = "apps";
constexpr sim::Duration kRestartDelay = 1s;
constexpr sim::Duration kSettle = 3s;

struct State {
  std::shared_ptr<fake::Clientset> cs;
  ExternalSystem ext;
  std::shared_ptr<Restartable> controller;
  int objects = 2;
  bool crash = true;
  bool edge_triggered = false;
  // Drawn from the seed (CrashRng): when C crashes, and when X and Y change while it is down.
  sim::Duration crash_at{};
  sim::Duration delete_at{};
  sim::Duration create_at{};
  int victim = 0;
};

std::string ExternalId(const std::string& key) {
  return "ext-" + key.substr(0, key.find('/')) + "-" + key.substr(key.find('/') + 1);
}

rt::Result<ctrl::ReconcileResult> Reconcile(State& s, const cache::Lister<rt::ConfigMap>& lister,
                                            const std::string& key) {
  auto name = cache::SplitMetaNamespaceKey(key);
  if (!name) {
    return rt::Err(name.error());
  }
  auto obj = lister.Namespace(name->namespace_).Get(name->name);
  if (obj) {
    s.ext.Ensure(ExternalId(key), key);
  } else if (!rt::IsNotFound(obj.error())) {
    return rt::Err(obj.error());
  } else if (!s.edge_triggered) {
    s.ext.Delete(ExternalId(key));  // level-triggered: gone from the list, gone outside too
  }
  return ctrl::ReconcileResult::Done();
}

void RunController(State& s, const sim::Context& ctx) {
  cache::InformerFactory factory(*s.cs);
  auto lister = factory.ListerFor<rt::ConfigMap>();
  ctrl::Controller controller({.name = "external-controller", .workers = 1},
                              [&s, &lister](const sim::Context&, const std::string& key) {
                                return Reconcile(s, lister, key);
                              });
  cache::SharedIndexInformer& informer = factory.InformerFor<rt::ConfigMap>();
  if (auto watched = controller.Watch(informer); !watched) {
    sim::Fail(watched.error().message);
  }
  if (s.edge_triggered) {
    // Cleanup on the DELETE event only: what was deleted while the process was down is missed.
    auto added = controller.AddEventHandler(
        informer, {.del = [&s](const cache::DeltaObject& obj) {
          if (auto key = cache::DeletionHandlingMetaNamespaceKeyFunc(obj)) {
            s.ext.Delete(ExternalId(*key));
          }
        }});
    if (!added) {
      sim::Fail(added.error().message);
    }
  } else {
    // Level-triggered resync: every external resource's owner is reconciled after the caches
    // synced (the workers start only then), existing object or not.
    for (const ExternalSystem::Resource& r : s.ext.List()) {
      controller.Enqueue(r.owner);
    }
  }
  factory.Start(ctx);
  controller.Run(ctx);
  factory.Shutdown();
}

void Check(State& s) {
  auto list = s.cs->ConfigMaps(kNamespace).List();
  if (!list) {
    sim::Fail(fmt::format("list {}: {}", kNamespace, list.error().message));
  }
  std::set<std::string> want;
  for (const auto& cm : list->items) {
    want.insert(ExternalId(std::string(kNamespace) + "/" + cm->metadata.name));
  }
  std::set<std::string> got;
  for (const ExternalSystem::Resource& r : s.ext.Snapshot()) {
    got.insert(r.id);
  }
  if (want == got) {
    sim::Log().info("\"External state matches the objects\" resources={} {}", got.size(),
                    s.controller->History());
    return;
  }
  std::vector<std::string> leaked;
  std::vector<std::string> missing;
  for (const std::string& id : got) {
    if (!want.contains(id)) {
      leaked.push_back(id);
    }
  }
  for (const std::string& id : want) {
    if (!got.contains(id)) {
      missing.push_back(id);
    }
  }
  sim::Fail(fmt::format(
      "invariant external-matches-objects violated: {} after the restart the external system "
      "differs from f(current objects): leaked [{}] (their objects were deleted), missing [{}]; "
      "{}",
      sim::FormatDuration(kSettle), fmt::join(leaked, ", "), fmt::join(missing, ", "),
      s.controller->History()));
}

void Drive(State& s) {
  auto cms = s.cs->ConfigMaps(kNamespace);
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  const sim::TimePoint start = sim::Now();
  for (int i = 0; i < s.objects; ++i) {
    if (!cms.Create(rt::ConfigMap({.name = fmt::format("x{}", i), .namespace_ = kNamespace}))) {
      sim::Fail("create failed");
    }
  }
  s.controller->Start(ctx);
  if (s.crash) {
    sim::SleepUntil(start + s.crash_at);
    s.controller->Crash("the driver stops it");
  }
  // While it is down (or, without a crash, while it runs): X goes, Y comes.
  sim::SleepUntil(start + s.crash_at + s.delete_at);
  const std::string victim = fmt::format("x{}", s.victim);
  sim::Log().info("deleting {} (controller {})", victim, s.controller->Down() ? "down" : "up");
  if (!cms.Delete(victim)) {
    sim::Fail("delete failed");
  }
  sim::SleepUntil(start + s.crash_at + s.create_at);
  if (!cms.Create(rt::ConfigMap({.name = "y", .namespace_ = kNamespace}))) {
    sim::Fail("create failed");
  }
  sim::SleepUntil(start + s.crash_at + kRestartDelay + kSettle);
  Check(s);
  cancel();
  s.controller->Wait();
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->objects = static_cast<int>(ctx.IntOption("objects"));
  s->crash = ctx.Option("crash") == "seeded";
  s->edge_triggered = ctx.Bug("edge-triggered-cleanup");
  sim::Rng rng = CrashRng(ctx);
  s->crash_at = rng.UniformDuration(0ms, 300ms);
  s->delete_at = rng.UniformDuration(0ms, kRestartDelay - 1ms);
  s->create_at = rng.UniformDuration(0ms, kRestartDelay - 1ms);
  s->victim = static_cast<int>(rng.UniformInRange(0, s->objects - 1));
  s->cs = std::make_shared<fake::Clientset>(fake::Options{});
  State* raw = s.get();
  s->controller = std::make_shared<Restartable>(
      *s->cs, ComponentSpec{.name = "external-controller",
                            .run = [raw](const sim::Context& c) { RunController(*raw, c); },
                            .restart_delay = kRestartDelay});
  return [s] { Drive(*s); };
}

}  // namespace

Scenario MissedWhileDownScenario() {
  Scenario s;
  s.name = "missed-while-down";
  s.catalogue = "S16";
  s.description =
      "a controller is down while an object is deleted and another created; after the restart "
      "its external state must match the objects";
  s.options = {
      {.key = "objects",
       .default_value = "2",
       .description = "objects the controller keeps external state for before it goes down",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 5}},
      {.key = "crash",
       .default_value = "seeded",
       .description = "crash the controller at a moment drawn from the seed (0-300 ms in), or "
                      "never (then every change is seen live)",
       .allowed = {"seeded", "none"}},
  };
  s.bugs = {
      {.name = "edge-triggered-cleanup",
       .description = "external state is deleted only on a DELETE event: a deletion while the "
                      "controller is down leaks",
       .seed_budget = 5},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
