// scenarios/src/recreated_same_name.cc
//
// S15 — the same name with a new UID (docs/scenarios.md).
//
// An App default/x owns one ConfigMap, x-child, whose data["size"] is the App's spec.size and
// whose controller ownerReference names the App's UID. The controller's reconcile is long: it
// reads the App from its cache, works for a while (up to 200 ms of virtual time), then reads
// the child live and creates or updates it. A driver creates x (uid u1, size 1), deletes it
// while that reconcile may be running, and at once creates x again (uid u2, size 2); the
// workqueue collapses the events into one key. The fake's garbage collector runs beside the
// controller and collects children whose owner is gone. (The reconcile reads the child before
// its long step, so it may see the previous x's child the collector is about to delete.)
//
// The correct controller re-reads the App from its cache after the long step (the UID and the
// spec it writes are the current ones), and leaves a child whose controller is another UID to
// the garbage collector, reconciling again later.
//
// Invariants:
//  - no-stale-owner-write (checked at every child write, as it is sent): a write never carries
//    the ownerReference of a UID the controller's cache has already replaced (u1's after the
//    cache holds u2);
//  - previous-state-cleaned (after the run settles): no ConfigMap names an App UID that is not
//    the current x's (the garbage collector removed u1's child);
//  - converges-to-own-spec (after the run settles): x-child exists, its controller is the
//    current x and its size is x's.
//
// Planted bugs:
//  - stale-owner: the write uses the App read before the long step (u1's UID and spec after
//    u2 replaced it);
//  - adopt-by-name: a child named x-child is taken as the App's own whoever its controller is,
//    and updated in place with u1's ownerReference kept.
#include <memory>
#include <string>

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
constexpr char kApp[] = "x";
constexpr char kChild[] = "x-child";
constexpr char kOwnerLabel[] = "app";
constexpr sim::Duration kSettle = 20s;

struct State {
  std::shared_ptr<fake::Clientset> cs;
  bool stale_owner = false;
  bool adopt_by_name = false;
  cache::SharedIndexInformer* apps = nullptr;
};

std::string SizeText(std::int64_t size) {
  return std::to_string(size);
}

// no-stale-owner-write: `child`'s ownerReferences to x name the UID the controller's cache
// holds, if it holds x. Runs right before the write is sent.
void CheckWrite(State& s, const rt::ConfigMap& child, std::string_view verb) {
  const rt::ObjectPtr cached =
      s.apps->GetIndexer().GetByKey(fmt::format("{}/{}", kNamespace, kApp));
  if (cached == nullptr) {
    return;
  }
  for (const rt::OwnerReference& ref : child.metadata.owner_references) {
    if (ref.name == kApp && ref.uid != cached->metadata.uid) {
      sim::Fail(fmt::format(
          "invariant no-stale-owner-write violated: {} {} with the ownerReference of {} (uid {}) "
          "while the controller's cache already holds {} with uid {}",
          verb, child.metadata.name, kApp, ref.uid, kApp, cached->metadata.uid));
    }
  }
}

rt::Result<ctrl::ReconcileResult> Reconcile(State& s, const std::string& key) {
  rt::ObjectPtr app = s.apps->GetIndexer().GetByKey(key);
  if (app == nullptr) {
    return ctrl::ReconcileResult::Done();  // deleted: the garbage collector owns its children
  }
  auto children = s.cs->ConfigMaps(kNamespace);
  auto live = children.Get(kChild);
  if (!live && !rt::IsNotFound(live.error())) {
    return rt::Err(live.error());
  }
  // The long part of the reconcile (rendering the child, calling out...).
  sim::SleepFor(sim::Rand().UniformDuration(0ms, 200ms));
  if (!s.stale_owner) {
    app = s.apps->GetIndexer().GetByKey(key);  // what the controller knows now
    if (app == nullptr) {
      return ctrl::ReconcileResult::Done();
    }
  }
  const std::int64_t size = detail::AppSize(*app);
  if (!live) {
    rt::ConfigMap child({.name = kChild,
                         .namespace_ = kNamespace,
                         .labels = {{kOwnerLabel, kApp}},
                         .owner_references = {detail::ControllerRefTo(*app)}},
                        {{"size", SizeText(size)}});
    CheckWrite(s, child, "create");
    auto created = children.Create(child);
    if (!created) {
      return rt::Err(created.error());  // AlreadyExists: read the child again
    }
    sim::Log().info("\"Created child\" app=\"{}\" uid={} size={}", kApp, app->metadata.uid, size);
    return ctrl::ReconcileResult::Done();
  }
  const rt::OwnerReference* owner = detail::ControllerOf(**live);
  if (!s.adopt_by_name && (owner == nullptr || owner->uid != app->metadata.uid)) {
    // The previous x's child: the garbage collector removes it, then x gets its own.
    sim::Log().info("\"Child belongs to another owner\" child=\"{}\" owner={}", kChild,
                    owner == nullptr ? "none" : owner->uid);
    return ctrl::ReconcileResult::RequeueAfter(200ms);
  }
  if ((*live)->data.count("size") != 0 && (*live)->data.at("size") == SizeText(size)) {
    return ctrl::ReconcileResult::Done();
  }
  rt::ConfigMap next = **live;
  next.data["size"] = SizeText(size);
  CheckWrite(s, next, "update");
  auto updated = children.Update(next);
  if (!updated) {
    return rt::Err(updated.error());  // a conflict or NotFound: read again
  }
  sim::Log().info("\"Updated child\" app=\"{}\" size={}", kApp, size);
  return ctrl::ReconcileResult::Done();
}

void Check(State& s) {
  const rt::ObjectPtr app = detail::ServerApp(*s.cs, kNamespace, kApp);
  if (app == nullptr) {
    sim::Fail("the driver's second x is missing at the end of the run");
  }
  std::shared_ptr<const rt::ConfigMap> child;
  for (const auto& cm : detail::ServerConfigMaps(*s.cs, kNamespace)) {
    for (const rt::OwnerReference& ref : cm->metadata.owner_references) {
      if (ref.uid != app->metadata.uid) {
        sim::Fail(fmt::format(
            "invariant previous-state-cleaned violated: {} still names {} uid {} after the "
            "run settled (x is uid {})",
            cm->metadata.name, ref.name, ref.uid, app->metadata.uid));
      }
    }
    if (cm->metadata.name == kChild) {
      child = cm;
    }
  }
  const std::string want = SizeText(detail::AppSize(*app));
  const rt::OwnerReference* owner = child == nullptr ? nullptr : detail::ControllerOf(*child);
  if (child == nullptr || owner == nullptr || owner->uid != app->metadata.uid ||
      child->data.count("size") == 0 || child->data.at("size") != want) {
    sim::Fail(fmt::format(
        "invariant converges-to-own-spec violated: x (uid {}, size {}) has {} after the run "
        "settled",
        app->metadata.uid, want,
        child == nullptr ? std::string("no child")
                         : fmt::format("child controlled by {} with size {}",
                                       owner == nullptr ? "nobody" : owner->uid,
                                       child->data.count("size") ? child->data.at("size") : "-")));
  }
  sim::Log().info("\"x converged\" uid={} size={}", app->metadata.uid, want);
}

void Run(State& s) {
  cache::InformerFactory factory(*s.cs);
  cache::SharedIndexInformer& apps = factory.InformerFor(AppResource());
  s.apps = &apps;
  ctrl::Controller controller(
      {.name = "apps", .workers = 1},
      [&s](const sim::Context&, const std::string& key) { return Reconcile(s, key); });
  auto watched = controller.Watch(apps);
  auto watched_children =
      controller.Watch(factory.InformerFor<rt::ConfigMap>(),
                       [](const rt::ObjectPtr& obj) -> std::vector<std::string> {
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
  sim::WaitGroup fibers("recreated-same-name");
  fibers.Go("controller", [&controller, &ctx = ctx] { controller.Run(ctx); });
  fibers.Go("garbage collector", [&gc, &ctx = ctx] { gc.Run(ctx); });
  fibers.Go("driver", [&s] {
    auto client = s.cs->Resource(AppResource(), kNamespace);
    const sim::Context& bg = sim::Context::Background();
    sim::SleepFor(100ms);
    if (auto created = client->Create(bg, detail::NewApp(kNamespace, kApp, 1), {}); !created) {
      sim::Fail(fmt::format("create x: {}", created.error().message));
    }
    sim::SleepFor(sim::Rand().UniformDuration(0ms, 300ms));
    if (auto deleted = client->Delete(bg, kApp, {}); !deleted) {
      sim::Fail(fmt::format("delete x: {}", deleted.error().message));
    }
    if (auto created = client->Create(bg, detail::NewApp(kNamespace, kApp, 2), {}); !created) {
      sim::Fail(fmt::format("create x again: {}", created.error().message));
    }
  });
  sim::SleepFor(kSettle);
  Check(s);
  cancel();
  fibers.Wait();
  factory.Shutdown();
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->stale_owner = ctx.Bug("stale-owner");
  s->adopt_by_name = ctx.Bug("adopt-by-name");
  s->cs = std::make_shared<fake::Clientset>(detail::OwnershipServer());
  return [s] { Run(*s); };
}

}  // namespace

Scenario RecreatedSameNameScenario() {
  Scenario s;
  s.name = "recreated-same-name";
  s.catalogue = "S15";
  s.description =
      "an App is deleted and recreated under its name during a long reconcile; its child must "
      "follow the new UID and the old one's be collected";
  s.bugs = {
      {.name = "stale-owner",
       .description = "the child is written from the App read before the long step: u1's "
                      "ownerReference after u2 replaced it",
       .seed_budget = 40},
      {.name = "adopt-by-name",
       .description = "a child named x-child is taken as the App's own whoever controls it and "
                      "updated with u1's ownerReference",
       .seed_budget = 20},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
