// scenarios/src/crash_mid_reconcile.cc
//
// S18 — crash mid-reconcile (intermediate state) and non-idempotent steps (docs/scenarios.md).
//
// A controller owns, for its parent ConfigMap apps/app, one child ConfigMap (labelled
// bubble.dev/owner=app, with an ownerReference) and one resource in a fake external system (a
// cloud API, external_system.h). Its reconcile makes several calls, each a point where the
// process can die: add the finalizer (write), create the child (write), ensure the external
// resource (an external call), write the status (write); and when the parent is being deleted:
// delete the external resources and the child, then remove the finalizer (writes). The parent is
// read from the server (a consistent read), so only a crash can leave the reconcile half done.
//
// The controller is a restartable component (restartable.h): a crash fault kills it at its K-th
// write, before the server handles it or after the server applied it (the response is lost),
// and starts a fresh instance (new informer, new queue) 1 s later. A driver fiber deletes the
// parent either while the controller is down (50 ms in) or after it restarted (5 s in).
//
// Invariants:
//  - same-as-no-crash: 5 s in (when the parent is deleted after the restart), the server and
//    the external system hold what a run without a crash holds: the parent with its finalizer
//    and status ready, one child, one external resource;
//  - no-orphans: at the end (10 s), no child is left whose parent is gone;
//  - no-leaked-external: at the end, the external system holds nothing for the deleted parent.
//
// Planted bugs:
//  - generate-name: the child is created with generateName and found again only through the
//    name recorded in the parent's status: a crash between the create and the status write
//    makes a second child (a duplicate), and deletion removes only the recorded one (orphan);
//  - finalizer-last: the finalizer is added only in the final status write (korifi #1931): a
//    parent deleted while the controller is down after it created the child is gone at once,
//    and the child and external resource are orphaned;
//  - external-create-twice: the external resource is created without an idempotent name and
//    found again only through the id recorded in the status: a crash between the create and the
//    status write creates a second one and leaks the first.
#include <memory>
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
constexpr char kParent[] = "app";
constexpr char kKey[] = "apps/app";
constexpr char kChild[] = "app-child";
constexpr char kExternal[] = "ext-apps-app";  // the idempotent external name
constexpr char kFinalizer[] = "bubble.dev/cleanup";
constexpr char kOwnerLabel[] = "bubble.dev/owner";
// Writes of one parent's life without a crash: finalizer, child, status; child, finalizer.
constexpr int kMaxWrite = 5;
constexpr sim::Duration kRestartDelay = 1s;
constexpr sim::Duration kDeleteWhileDown = 50ms;
constexpr sim::Duration kDeleteAfterRestart = 5s;
constexpr sim::Duration kEnd = 10s;

struct State {
  std::shared_ptr<fake::Clientset> cs;
  ExternalSystem ext;
  std::shared_ptr<Restartable> controller;
  bool delete_while_down = false;
  bool generate_name = false;
  bool finalizer_last = false;
  bool external_create_twice = false;
};

bool HasFinalizer(const rt::ConfigMap& cm) {
  return std::find(cm.metadata.finalizers.begin(), cm.metadata.finalizers.end(), kFinalizer) !=
         cm.metadata.finalizers.end();
}

std::string DataOf(const rt::ConfigMap& cm, const std::string& key) {
  auto it = cm.data.find(key);
  return it == cm.data.end() ? std::string() : it->second;
}

rt::Result<ctrl::ReconcileResult> Finalize(State& s, rt::ConfigMap parent) {
  auto cms = s.cs->ConfigMaps(kNamespace);
  // External resources: the correct controller deletes every one the parent owns; the buggy
  // ones only the id they recorded.
  if (s.external_create_twice) {
    if (const std::string id = DataOf(parent, "external"); !id.empty()) {
      s.ext.Delete(id);
    }
  } else {
    for (const ExternalSystem::Resource& r : s.ext.List()) {
      if (r.owner == kKey) {
        s.ext.Delete(r.id);
      }
    }
  }
  const std::string child = s.generate_name ? DataOf(parent, "child") : std::string(kChild);
  if (!child.empty()) {
    auto existing = cms.Get(child);
    if (existing) {
      auto deleted = cms.Delete(child);
      if (!deleted && !rt::IsNotFound(deleted.error())) {
        return rt::Err(deleted.error());
      }
    } else if (!rt::IsNotFound(existing.error())) {
      return rt::Err(existing.error());
    }
  }
  std::erase(parent.metadata.finalizers, std::string(kFinalizer));
  auto updated = cms.Update(parent);
  if (!updated && !rt::IsNotFound(updated.error())) {
    return rt::Err(updated.error());
  }
  return ctrl::ReconcileResult::Done();
}

rt::Result<ctrl::ReconcileResult> Reconcile(State& s, const std::string& key) {
  if (key != kKey) {
    return ctrl::ReconcileResult::Done();
  }
  auto cms = s.cs->ConfigMaps(kNamespace);
  auto got = cms.Get(kParent);  // a consistent read: no cache lag, only crashes, leave traces
  if (!got) {
    return rt::IsNotFound(got.error())
               ? rt::Result<ctrl::ReconcileResult>(ctrl::ReconcileResult::Done())
               : rt::Err(got.error());
  }
  rt::ConfigMap parent = **got;
  if (parent.metadata.deletion_timestamp) {
    if (!HasFinalizer(parent)) {
      return ctrl::ReconcileResult::Done();
    }
    return Finalize(s, std::move(parent));
  }
  // 1. The finalizer first, before anything it must clean up exists.
  if (!s.finalizer_last && !HasFinalizer(parent)) {
    parent.metadata.finalizers.push_back(kFinalizer);
    auto updated = cms.Update(parent);
    if (!updated) {
      return rt::Err(updated.error());
    }
    parent = **updated;
  }
  // 2. The child.
  std::string child = s.generate_name ? DataOf(parent, "child") : std::string(kChild);
  bool child_exists = false;
  if (!child.empty()) {
    auto existing = cms.Get(child);
    if (!existing && !rt::IsNotFound(existing.error())) {
      return rt::Err(existing.error());
    }
    child_exists = existing.has_value();
  }
  if (!child_exists) {
    rt::ObjectMeta meta{.namespace_ = kNamespace, .labels = {{kOwnerLabel, kParent}}};
    if (s.generate_name) {
      meta.generate_name = std::string(kChild) + "-";
    } else {
      meta.name = kChild;
    }
    meta.owner_references.push_back({.api_version = "v1",
                                     .kind = "ConfigMap",
                                     .name = kParent,
                                     .uid = parent.metadata.uid,
                                     .controller = true});
    auto created = cms.Create(rt::ConfigMap(std::move(meta), {{"owner", kParent}}));
    if (!created && !rt::IsAlreadyExists(created.error())) {
      return rt::Err(created.error());
    }
    if (created) {
      child = (*created)->metadata.name;
    }
  }
  // 3. The external resource.
  std::string external = kExternal;
  if (s.external_create_twice) {
    external = DataOf(parent, "external");
    if (external.empty()) {
      external = s.ext.Create(kKey);
    }
  } else {
    s.ext.Ensure(kExternal, kKey);
  }
  // 4. The status (with the finalizer, in the finalizer-last variant).
  rt::ConfigMap next = parent;
  next.data["status"] = "ready";
  next.data["child"] = child;
  next.data["external"] = external;
  if (s.finalizer_last && !HasFinalizer(next)) {
    next.metadata.finalizers.push_back(kFinalizer);
  }
  if (next.data != parent.data || next.metadata.finalizers != parent.metadata.finalizers) {
    auto updated = cms.Update(next);
    if (!updated) {
      return rt::Err(updated.error());
    }
  }
  return ctrl::ReconcileResult::Done();
}

// The controller binary: a fresh informer, queue and workers on every start.
void RunController(State& s, const sim::Context& ctx) {
  cache::InformerFactory factory(*s.cs);
  ctrl::Controller controller(
      {.name = "app-controller", .workers = 1},
      [&s](const sim::Context&, const std::string& key) { return Reconcile(s, key); });
  auto watched =
      controller.Watch(factory.InformerFor<rt::ConfigMap>(), [](const rt::ObjectPtr& obj) {
        auto owner = obj->metadata.labels.find(kOwnerLabel);
        const std::string name =
            owner != obj->metadata.labels.end() ? owner->second : obj->metadata.name;
        return std::vector<std::string>{obj->metadata.namespace_ + "/" + name};
      });
  if (!watched) {
    sim::Fail(watched.error().message);
  }
  factory.Start(ctx);
  controller.Run(ctx);
  factory.Shutdown();
}

// The server and the external system, as the invariants compare them: names left out (a
// generateName child's differs per run).
struct Observed {
  bool parent = false;
  bool finalizer = false;
  std::string status;
  std::vector<std::string> children;
  std::vector<std::string> external;

  std::string Describe() const {
    return fmt::format("parent {}, {} child{} [{}], {} external resource{} [{}]",
                       parent ? fmt::format("present (finalizer {}, status \"{}\")",
                                            finalizer ? "set" : "missing", status)
                              : std::string("gone"),
                       children.size(), children.size() == 1 ? "" : "ren",
                       fmt::join(children, ", "), external.size(), external.size() == 1 ? "" : "s",
                       fmt::join(external, ", "));
  }
};

Observed Observe(State& s) {
  Observed o;
  auto cms = s.cs->ConfigMaps(kNamespace);
  auto list = cms.List();
  if (!list) {
    sim::Fail(fmt::format("list {}: {}", kNamespace, list.error().message));
  }
  for (const auto& cm : list->items) {
    if (cm->metadata.name == kParent) {
      o.parent = true;
      o.finalizer = HasFinalizer(*cm);
      o.status = DataOf(*cm, "status");
    } else if (cm->metadata.labels.contains(kOwnerLabel)) {
      o.children.push_back(cm->metadata.name);
    }
  }
  for (const ExternalSystem::Resource& r : s.ext.Snapshot()) {
    if (r.owner == kKey) {
      o.external.push_back(r.id);
    }
  }
  return o;
}

void CheckSameAsNoCrash(State& s) {
  const Observed o = Observe(s);
  if (o.parent && o.finalizer && o.status == "ready" && o.children.size() == 1 &&
      o.external.size() == 1) {
    return;
  }
  sim::Fail(fmt::format(
      "invariant same-as-no-crash violated: {} in, the server and the external system hold: {}; "
      "a run without a crash holds: parent present (finalizer set, status \"ready\"), 1 child, 1 "
      "external resource. {}",
      sim::FormatDuration(kDeleteAfterRestart), o.Describe(), s.controller->History()));
}

void CheckFinal(State& s) {
  const Observed o = Observe(s);
  if (!o.children.empty() && !o.parent) {
    sim::Fail(fmt::format(
        "invariant no-orphans violated: the parent is gone but its child{} {} remain{}; {}",
        o.children.size() == 1 ? "" : "ren", fmt::join(o.children, ", "),
        o.children.size() == 1 ? "s" : "", s.controller->History()));
  }
  if (!o.external.empty()) {
    sim::Fail(fmt::format(
        "invariant no-leaked-external violated: the external system still holds {} for {} ({}); "
        "{}",
        fmt::join(o.external, ", "), kKey, o.Describe(), s.controller->History()));
  }
  if (o.parent || !o.children.empty()) {
    sim::Fail(fmt::format("invariant no-orphans violated: {} after the parent's deletion; {}",
                          o.Describe(), s.controller->History()));
  }
  sim::Log().info("\"Final state as without a crash\" {}", s.controller->History());
}

void Drive(State& s) {
  auto cms = s.cs->ConfigMaps(kNamespace);
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  s.controller->Start(ctx);
  const sim::TimePoint start = sim::Now();
  if (s.delete_while_down) {
    sim::SleepUntil(start + kDeleteWhileDown);
  } else {
    sim::SleepUntil(start + kDeleteAfterRestart);
    CheckSameAsNoCrash(s);
  }
  sim::Log().info("deleting the parent (controller {})", s.controller->Down() ? "down" : "up");
  if (auto deleted = cms.Delete(kParent); !deleted) {
    sim::Fail(fmt::format("delete {}: {}", kParent, deleted.error().message));
  }
  sim::SleepUntil(start + kEnd);
  CheckFinal(s);
  cancel();
  s.controller->Wait();
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->generate_name = ctx.Bug("generate-name");
  s->finalizer_last = ctx.Bug("finalizer-last");
  s->external_create_twice = ctx.Bug("external-create-twice");
  sim::Rng choices = CrashRng(ctx);
  const bool drawn_down = choices.Bernoulli(0.5);
  const std::string& when = ctx.Option("delete-at");
  s->delete_while_down = when == "seeded" ? drawn_down : when == "while-down";
  fake::Options server;
  s->cs = fake::NewClientset(std::move(server),
                             rt::ConfigMap({.name = kParent, .namespace_ = kNamespace}));
  State* raw = s.get();
  s->controller = std::make_shared<Restartable>(
      *s->cs,
      ComponentSpec{.name = "app-controller",
                    .run = [raw](const sim::Context& c) { RunController(*raw, c); },
                    .restart_delay = kRestartDelay},
      ResolveCrashPoint(ctx, kMaxWrite));
  return [s] { Drive(*s); };
}

}  // namespace

Scenario CrashMidReconcileScenario() {
  Scenario s;
  s.name = "crash-mid-reconcile";
  s.catalogue = "S18";
  s.description =
      "a controller crashes after a call of its reconcile and restarts with fresh caches; the "
      "final state must be the no-crash one";
  s.options = CrashOptions(kMaxWrite);
  s.options.push_back(
      {.key = "delete-at",
       .default_value = "seeded",
       .description = "when the parent is deleted: while the controller is down (50 ms), after "
                      "it restarted (5 s), or drawn from the seed",
       .allowed = {"seeded", "while-down", "after-restart"}});
  s.bugs = {
      {.name = "generate-name",
       .description = "the child is named by generateName and found only through the status: a "
                      "crash before the status write duplicates it, deletion orphans one",
       .seed_budget = 40},
      {.name = "finalizer-last",
       .description = "the finalizer is added only in the final status write: a parent deleted "
                      "while the controller is down orphans the child",
       .seed_budget = 60},
      {.name = "external-create-twice",
       .description = "the external resource has no idempotent name: a crash before the status "
                      "write creates it twice and leaks one",
       .seed_budget = 50},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
