// scenarios/src/orphan_adoption.cc
//
// S14 — ownerReferences and garbage-collection races (docs/scenarios.md).
//
// An App default/o (uid u1) controls N ConfigMaps labelled app=o. A driver deletes o with
// propagation Orphan and recreates it at once (uid u2: the create is retried while u1 is still
// terminating with the orphan finalizer). The fake's garbage collector orphans the children
// (removes u1's references, then the finalizer); a controller adopts every child labelled
// app=o that has no controller into the App. Both run as fibers, so the strategies explore how
// the orphaning, the recreate and the adoptions interleave.
//
// The correct controller adopts the way kubernetes' ClaimObject does after kubernetes#42639: it
// reads the child live, then the App live (after the child, so an orphaned child is never
// adopted by an App that read as alive before it was deleted), and adopts only into that App,
// not terminating and with the UID its cache holds, by an update conditional on the child's
// resourceVersion.
//
// Invariants:
//  - adoption-via-fresh-read (checked by the server at every adoption): the App a child is
//    adopted into exists with that UID and is not being deleted;
//  - orphans-never-deleted (checked by the server at every delete, and at the end): no child is
//    deleted — their owner was deleted with propagation Orphan;
//  - no-dangling-owner (after the run settles): no child names an App UID that does not exist;
//  - adopted-by-new-owner (after the run settles): every child is controlled by the current o.
//
// Planted bugs:
//  - adopt-from-cache: the controller adopts into the App of its cache as it is, without a live
//    read and without looking at its deletionTimestamp (the deployment controller before
//    kubernetes#43032): into u1 while it terminates or after it is gone (kubernetes#42639), and
//    the collector then deletes the child;
//  - gc-trusts-graph (the fake's): the collector takes an owner its informers have not reported
//    yet for an owner that is gone, without a live read, and deletes a child just adopted into
//    u2 (kubernetes#88097).
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <bubble/fake/clientset.h>
#include <bubble/fake/garbage_collector.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/controller/controller.h>
#include <bubble/runtime/unstructured.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "catalogue.h"
#include "owned_objects.h"

namespace bubble::scenarios {

namespace {

using namespace std::chrono_literals;
namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;
namespace ctrl = bubble::runtime::controller;
using detail::AppResource;

constexpr char kNamespace[] = "default";
constexpr char kApp[] = "o";
constexpr char kOwnerLabel[] = "app";
constexpr sim::Duration kSettle = 20s;

struct State {
  std::shared_ptr<fake::Clientset> cs;
  int children = 3;
  bool adopt_from_cache = false;
  cache::SharedIndexInformer* apps = nullptr;
  cache::SharedIndexInformer* config_maps = nullptr;
};

std::string ChildName(int i) {
  return fmt::format("{}-{}", kApp, i);
}

// Adopts `cached` (a child without a controller, from the cache) into `app`.
rt::Result<void> Adopt(State& s, const rt::ConfigMap& cached, const rt::ObjectPtr& cached_app) {
  auto children = s.cs->ConfigMaps(kNamespace);
  rt::ConfigMap next = cached;
  rt::ObjectPtr owner = cached_app;
  if (!s.adopt_from_cache) {
    auto live = children.Get(cached.metadata.name);
    if (!live) {
      return rt::IsNotFound(live.error()) ? rt::Ok() : rt::Err(live.error());
    }
    if (detail::ControllerOf(**live) != nullptr) {
      return rt::Ok();  // adopted meanwhile
    }
    next = **live;
    owner = detail::ServerApp(*s.cs, kNamespace, kApp);
    if (owner == nullptr || owner->metadata.uid != cached_app->metadata.uid ||
        owner->metadata.deletion_timestamp) {
      return rt::Ok();  // gone, replaced or terminating: a later event brings the new one
    }
  }
  next.metadata.owner_references.push_back(detail::ControllerRefTo(*owner));
  auto updated = children.Update(next);
  if (!updated) {
    return rt::Err(updated.error());  // a conflict: read again
  }
  sim::Log().info("\"Adopted\" child=\"{}\" owner={}", next.metadata.name, owner->metadata.uid);
  return rt::Ok();
}

rt::Result<ctrl::ReconcileResult> Reconcile(State& s, const std::string& key) {
  const rt::ObjectPtr app = s.apps->GetIndexer().GetByKey(key);
  if (app == nullptr) {
    return ctrl::ReconcileResult::Done();
  }
  if (app->metadata.deletion_timestamp && !s.adopt_from_cache) {
    return ctrl::ReconcileResult::Done();  // adopting into a terminating owner re-parents orphans
  }
  for (const rt::ObjectPtr& obj : s.config_maps->GetIndexer().List()) {
    auto it = obj->metadata.labels.find(kOwnerLabel);
    if (it == obj->metadata.labels.end() || it->second != app->metadata.name ||
        detail::ControllerOf(*obj) != nullptr) {
      continue;
    }
    auto cm = rt::As<rt::ConfigMap>(obj);
    if (!cm) {
      return rt::Err(cm.error());
    }
    if (auto ok = Adopt(s, **cm, app); !ok) {
      return rt::Err(ok.error());
    }
  }
  return ctrl::ReconcileResult::Done();
}

// The server's side of the invariants: reactors that look at every child write before it is
// applied.
void WatchChildWrites(State& s) {
  fake::Tracker& tracker = s.cs->GetTracker();
  s.cs->PrependReactor("update", "configmaps", [&tracker](fake::Action& a) {
    const rt::OwnerReference* adopted = detail::ControllerOf(*a.object);
    auto old = tracker.Get(rt::ConfigMap::StaticResource(), a.namespace_, a.name);
    if (adopted == nullptr || !old || detail::ControllerOf(**old) != nullptr) {
      return fake::Reaction::Unhandled();
    }
    auto app = tracker.Get(AppResource(), a.namespace_, adopted->name);
    std::string why;
    if (!app) {
      why = fmt::format("{} does not exist", adopted->name);
    } else if ((*app)->metadata.uid != adopted->uid) {
      why = fmt::format("{} is uid {}", adopted->name, (*app)->metadata.uid);
    } else if ((*app)->metadata.deletion_timestamp) {
      why = fmt::format("{} is being deleted", adopted->name);
    }
    if (!why.empty()) {
      sim::Fail(fmt::format(
          "invariant adoption-via-fresh-read violated: {} adopted into {} uid {} while {}", a.name,
          adopted->name, adopted->uid, why));
    }
    return fake::Reaction::Unhandled();
  });
  s.cs->PrependReactor("delete", "configmaps", [](fake::Action& a) {
    sim::Fail(fmt::format(
        "invariant orphans-never-deleted violated: {} is being deleted by {}, but its owner was "
        "deleted with propagation Orphan",
        a.name, sim::CurrentFiberName()));
    return fake::Reaction::Unhandled();
  });
}

void Check(State& s) {
  const rt::ObjectPtr app = detail::ServerApp(*s.cs, kNamespace, kApp);
  if (app == nullptr) {
    sim::Fail("the driver's second o is missing at the end of the run");
  }
  const auto cms = detail::ServerConfigMaps(*s.cs, kNamespace);
  if (static_cast<int>(cms.size()) != s.children) {
    sim::Fail(fmt::format(
        "invariant orphans-never-deleted violated: {} of {} children left after the run settled",
        cms.size(), s.children));
  }
  for (const auto& cm : cms) {
    for (const rt::OwnerReference& ref : cm->metadata.owner_references) {
      if (ref.uid != app->metadata.uid) {
        sim::Fail(fmt::format(
            "invariant no-dangling-owner violated: {} names {} uid {}, which does not exist "
            "(o is uid {})",
            cm->metadata.name, ref.name, ref.uid, app->metadata.uid));
      }
    }
    const rt::OwnerReference* owner = detail::ControllerOf(*cm);
    if (owner == nullptr) {
      sim::Fail(fmt::format(
          "invariant adopted-by-new-owner violated: {} has no controller after the run settled "
          "(o is uid {})",
          cm->metadata.name, app->metadata.uid));
    }
  }
  sim::Log().info("\"Every child adopted\" owner={} children={}", app->metadata.uid, cms.size());
}

void Driver(State& s) {
  auto client = s.cs->Resource(AppResource(), kNamespace);
  const sim::Context& bg = sim::Context::Background();
  sim::SleepFor(100ms);
  auto first = client->Create(bg, detail::NewApp(kNamespace, kApp, 1), {});
  if (!first) {
    sim::Fail(fmt::format("create o: {}", first.error().message));
  }
  for (int i = 0; i < s.children; ++i) {
    rt::ConfigMap child({.name = ChildName(i),
                         .namespace_ = kNamespace,
                         .labels = {{kOwnerLabel, kApp}},
                         .owner_references = {detail::ControllerRefTo(**first)}});
    if (auto created = s.cs->ConfigMaps(kNamespace).Create(child); !created) {
      sim::Fail(fmt::format("create {}: {}", child.metadata.name, created.error().message));
    }
  }
  sim::SleepFor(sim::Rand().UniformDuration(0ms, 300ms));
  if (auto deleted = client->Delete(bg, kApp, {.propagation_policy = "Orphan"}); !deleted) {
    sim::Fail(fmt::format("delete o: {}", deleted.error().message));
  }
  // Recreate at once; AlreadyExists while u1 terminates.
  for (;;) {
    auto created = client->Create(bg, detail::NewApp(kNamespace, kApp, 2), {});
    if (created) {
      sim::Log().info("\"Recreated o\" uid={}", (*created)->metadata.uid);
      return;
    }
    if (!rt::IsAlreadyExists(created.error())) {
      sim::Fail(fmt::format("create o again: {}", created.error().message));
    }
    sim::SleepFor(5ms);
  }
}

void Run(State& s) {
  WatchChildWrites(s);
  cache::InformerFactory factory(*s.cs);
  s.apps = &factory.InformerFor(AppResource());
  s.config_maps = &factory.InformerFor<rt::ConfigMap>();
  ctrl::Controller controller(
      {.name = "apps", .workers = 1},
      [&s](const sim::Context&, const std::string& key) { return Reconcile(s, key); });
  auto watched = controller.Watch(*s.apps);
  auto watched_children =
      controller.Watch(*s.config_maps, [](const rt::ObjectPtr& obj) -> std::vector<std::string> {
        auto it = obj->metadata.labels.find(kOwnerLabel);
        if (it == obj->metadata.labels.end()) {
          return {};
        }
        return {obj->metadata.namespace_ + "/" + it->second};
      });
  if (!watched || !watched_children) {
    sim::Fail("could not watch the informers");
  }
  fake::GarbageCollector gc(*s.cs, detail::AppCollector());
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  factory.Start(ctx);
  sim::WaitGroup fibers("orphan-adoption");
  fibers.Go("controller", [&controller, &ctx = ctx] { controller.Run(ctx); });
  fibers.Go("garbage collector", [&gc, &ctx = ctx] { gc.Run(ctx); });
  fibers.Go("driver", [&s] { Driver(s); });
  sim::SleepFor(kSettle);
  Check(s);
  cancel();
  fibers.Wait();
  factory.Shutdown();
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->children = static_cast<int>(ctx.IntOption("children"));
  s->adopt_from_cache = ctx.Bug("adopt-from-cache");
  fake::Options server = detail::OwnershipServer();
  server.bugs.gc_trusts_graph = ctx.Bug("gc-trusts-graph");
  s->cs = std::make_shared<fake::Clientset>(std::move(server));
  return [s] { Run(*s); };
}

}  // namespace

Scenario OrphanAdoptionScenario() {
  Scenario s;
  s.name = "orphan-adoption";
  s.catalogue = "S14";
  s.description =
      "an owner is deleted with propagation Orphan and recreated at once; a controller adopts "
      "its children while the garbage collector orphans them: none may be deleted";
  s.options = {
      {.key = "children",
       .default_value = "3",
       .description = "ConfigMaps the App controls",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 10}},
  };
  s.bugs = {
      {.name = "adopt-from-cache",
       .description = "the controller adopts into the App of its cache as it is (no live read, "
                      "no deletionTimestamp check): into the terminating or deleted owner",
       .seed_budget = 20},
      {.name = "gc-trusts-graph",
       .description = "the garbage collector takes an owner it has not observed yet for a "
                      "deleted one, without a live read, and deletes an adopted child",
       .seed_budget = 50},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
