// scenarios/src/finalizer_race.cc
//
// S13 — finalizer races (docs/scenarios.md).
//
// A controller keeps a record in an external system (a map beside the server, each call to it a
// few virtual milliseconds) for every App, and guards it with its finalizer
// example.com/external: it adds the finalizer, then creates the record; when the App is being
// deleted it deletes the record, then removes the finalizer. A driver creates Apps and deletes
// each at once (the user's delete and the controller's finalizer update race) or up to 20 ms
// later; the server fails a share of updates (option update-errors), so cleanups are retried.
//
// The correct controller creates the record only after its finalizer update succeeded (an
// update on a stale resourceVersion or on a deleted App fails, and no record is made), and
// treats a record already gone as cleaned up.
//
// Invariants, after the run settles:
//  - no-orphaned-external-state: every external record belongs to an App that exists with the
//    record's UID and carries the controller's finalizer;
//  - terminating-objects-go: no App is left with a deletionTimestamp (one with no finalizers
//    must have been deleted by the server; one with the controller's finalizer was never
//    cleaned up).
//
// Planted bugs:
//  - external-before-finalizer: the record is created before the finalizer is persisted; when
//    the delete wins, the App is gone at once and the record is orphaned
//    (cloudfoundry/korifi#1931);
//  - not-found-is-failure: a cleanup that finds the record already gone (the retry after a
//    failed finalizer removal) is treated as an error, so the finalizer is never removed and
//    the App stays terminating (aclerici38/pocket-id-operator#545).
#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/logger.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
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
constexpr char kFinalizer[] = "example.com/external";
constexpr sim::Duration kSettle = 30s;

struct State {
  std::shared_ptr<fake::Clientset> cs;
  int apps = 3;
  bool external_before_finalizer = false;
  bool not_found_is_failure = false;
  cache::SharedIndexInformer* informer = nullptr;
  // The external system: App UID -> App name.
  std::map<std::string, std::string> external;
};

// One call to the external system: it takes a little virtual time.
void ExternalCall() {
  sim::SleepFor(sim::Rand().UniformDuration(0ms, 2ms));
}

void ExternalCreate(State& s, const rt::Object& app) {
  ExternalCall();
  if (s.external.emplace(app.metadata.uid, app.metadata.name).second) {
    sim::Log().info("\"External record created\" app=\"{}\" uid={}", app.metadata.name,
                    app.metadata.uid);
  }
}

// false: there was no record.
bool ExternalDelete(State& s, const rt::Object& app) {
  ExternalCall();
  return s.external.erase(app.metadata.uid) > 0;
}

bool HasFinalizer(const rt::Object& obj) {
  const auto& f = obj.metadata.finalizers;
  return std::find(f.begin(), f.end(), kFinalizer) != f.end();
}

rt::Result<ctrl::ReconcileResult> Reconcile(State& s, const std::string& key) {
  const rt::ObjectPtr app = s.informer->GetIndexer().GetByKey(key);
  if (app == nullptr) {
    return ctrl::ReconcileResult::Done();
  }
  auto client = s.cs->Resource(AppResource(), kNamespace);
  const sim::Context& bg = sim::Context::Background();
  if (app->metadata.deletion_timestamp) {
    if (!HasFinalizer(*app)) {
      return ctrl::ReconcileResult::Done();
    }
    if (!ExternalDelete(s, *app) && s.not_found_is_failure) {
      return rt::Err(
          rt::NewInternalError(fmt::format("external record of {} not found", app->metadata.name)));
    }
    std::unique_ptr<rt::Object> next = app->Clone();
    std::erase(next->metadata.finalizers, std::string(kFinalizer));
    if (auto updated = client->Update(bg, *next, {}); !updated) {
      return rt::IsNotFound(updated.error())
                 ? rt::Result<ctrl::ReconcileResult>(ctrl::ReconcileResult::Done())
                 : rt::Err(updated.error());
    }
    sim::Log().info("\"Finalizer removed\" app=\"{}\"", app->metadata.name);
    return ctrl::ReconcileResult::Done();
  }
  if (HasFinalizer(*app)) {
    ExternalCreate(s, *app);  // idempotent: the record of an App we guard
    return ctrl::ReconcileResult::Done();
  }
  if (s.external_before_finalizer) {
    ExternalCreate(s, *app);
  }
  std::unique_ptr<rt::Object> next = app->Clone();
  next->metadata.finalizers.emplace_back(kFinalizer);
  auto updated = client->Update(bg, *next, {});
  if (!updated) {
    if (rt::IsNotFound(updated.error())) {
      return ctrl::ReconcileResult::Done();  // deleted before the finalizer was persisted
    }
    return rt::Err(updated.error());  // stale cache or an injected error: try again
  }
  sim::Log().info("\"Finalizer added\" app=\"{}\"", app->metadata.name);
  ExternalCreate(s, **updated);
  return ctrl::ReconcileResult::Done();
}

void Check(State& s) {
  auto listed = s.cs->Resource(AppResource(), kNamespace)->List(sim::Context::Background(), {});
  if (!listed) {
    sim::Fail(fmt::format("list apps: {}", listed.error().message));
  }
  std::map<std::string, rt::ObjectPtr> by_uid;
  for (const rt::ObjectPtr& app : listed->items) {
    by_uid[app->metadata.uid] = app;
    if (app->metadata.deletion_timestamp) {
      sim::Fail(fmt::format(
          "invariant terminating-objects-go violated: {} (uid {}) is still terminating after "
          "the run settled, finalizers [{}]",
          app->metadata.name, app->metadata.uid, fmt::join(app->metadata.finalizers, ", ")));
    }
  }
  for (const auto& [uid, name] : s.external) {
    const auto it = by_uid.find(uid);
    if (it == by_uid.end() || !HasFinalizer(*it->second)) {
      sim::Fail(fmt::format(
          "invariant no-orphaned-external-state violated: the external record of {} (uid {}) "
          "outlives it: {}",
          name, uid,
          it == by_uid.end() ? "the App is gone" : "the App does not carry the finalizer"));
    }
  }
  sim::Log().info("\"No external state leaked\" records={} apps={}", s.external.size(),
                  listed->items.size());
}

void Run(State& s) {
  cache::InformerFactory factory(*s.cs);
  s.informer = &factory.InformerFor(AppResource());
  ctrl::Controller controller(
      {.name = "apps", .workers = 1},
      [&s](const sim::Context&, const std::string& key) { return Reconcile(s, key); });
  if (!controller.Watch(*s.informer)) {
    sim::Fail("could not watch the informer");
  }
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  factory.Start(ctx);
  sim::WaitGroup fibers("finalizer-race");
  fibers.Go("controller", [&controller, &ctx = ctx] { controller.Run(ctx); });
  fibers.Go("driver", [&s] {
    auto client = s.cs->Resource(AppResource(), kNamespace);
    const sim::Context& bg = sim::Context::Background();
    for (int i = 0; i < s.apps; ++i) {
      sim::SleepFor(100ms);
      const std::string name = fmt::format("x{}", i);
      if (auto created = client->Create(bg, detail::NewApp(kNamespace, name, i), {}); !created) {
        sim::Fail(fmt::format("create {}: {}", name, created.error().message));
      }
      // The user deletes it right away (the delete races the controller's finalizer update), or
      // a little later (the controller's cleanup runs).
      if (sim::Rand().Bernoulli(0.5)) {
        sim::SleepFor(sim::Rand().UniformDuration(0ms, 20ms));
      }
      if (auto deleted = client->Delete(bg, name, {}); !deleted) {
        sim::Fail(fmt::format("delete {}: {}", name, deleted.error().message));
      }
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
  s->apps = static_cast<int>(ctx.IntOption("apps"));
  s->external_before_finalizer = ctx.Bug("external-before-finalizer");
  s->not_found_is_failure = ctx.Bug("not-found-is-failure");
  fake::Options server = detail::OwnershipServer();
  const double errors = static_cast<double>(ctx.IntOption("update-errors")) / 100.0;
  if (errors > 0) {
    server.faults.errors.push_back(
        {.verb = "update",
         .resource = AppResource().resource,
         .probability = errors,
         .error = rt::NewInternalError("injected: etcd request timed out")});
  }
  s->cs = std::make_shared<fake::Clientset>(std::move(server));
  return [s] { Run(*s); };
}

}  // namespace

Scenario FinalizerRaceScenario() {
  Scenario s;
  s.name = "finalizer-race";
  s.catalogue = "S13";
  s.description =
      "a user deletes an App while the controller adds its finalizer; external state must not "
      "outlive the App and no App may stay terminating";
  s.options = {
      {.key = "apps",
       .default_value = "3",
       .description = "Apps the driver creates and deletes at once",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 20}},
      {.key = "update-errors",
       .default_value = "20",
       .description = "percent of App updates the server fails (500): cleanups are retried "
                      "(at most 30: the 30 s settle covers the rate limiter's backoff after a "
                      "dozen failures in a row, not more)",
       .int_range = std::pair<std::int64_t, std::int64_t>{0, 30}},
  };
  s.bugs = {
      {.name = "external-before-finalizer",
       .description = "the external record is created before the finalizer is persisted: a "
                      "delete that wins leaves it orphaned",
       .seed_budget = 20},
      {.name = "not-found-is-failure",
       .description = "a cleanup that finds the record already gone fails, so the finalizer "
                      "is never removed",
       .seed_budget = 30},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
