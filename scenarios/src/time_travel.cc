// scenarios/src/time_travel.cc
//
// S08 — time travel: a controller restarts against a stale API server (docs/scenarios.md).
//
// A custom resource, DataCenter (example.com/v1, datacenters), owns its data: for every
// DataCenter the controller keeps a ConfigMap "<name>-data" (with an ownerReference carrying the
// DataCenter's uid) and a finalizer; when the DataCenter is deleted, the controller cleans up
// (some virtual time of external work, then deletes the data) and removes the finalizer. This is
// cassandra-operator#402: after a restart, a replayed old deletion deleted the volumes of a live
// datacenter.
//
// The fake runs two API servers in front of one store (fake::Options::api_servers): apiserver-1
// is fresh, apiserver-2's watch cache lags the store by a seeded amount (option max-lag). The
// user creates DataCenter dc1, waits for its data, deletes it, waits until it is gone, creates
// dc1 again (same name, new uid) and waits for the new data. Then the controller restarts (its
// informers, queue and worker stopped, a fresh instance with new caches) against apiserver-2,
// whose first list (resourceVersion "0", the classic reflector) may show the old dc1 — still
// being deleted — or even older states, and whose watch replays the old deletion afterwards.
//
// Invariants:
//  - verified-owner (at every delete of a ConfigMap, checked by a reactor on the server): the
//    controller never deletes data whose owner, by uid, is a live DataCenter (no
//    deletionTimestamp) in the store. A destructive action must rest on a fresh (quorum) read,
//    not on state older than the state the controller already acted on;
//  - converged (at the end): dc1 has the finalizer and its data, owned by its current uid.
//
// The correct controller, before it deletes anything, reads the DataCenter with a quorum read
// (Get with resourceVersion ""): gone, another uid, or not being deleted means its cache is
// stale, and it does nothing (the informer brings the newer state).
//
// Planted bugs:
//  - trust-stale-list: the controller cleans up whatever its cache says is being deleted;
//  - verify-from-cache: it verifies, but with Get resourceVersion "0", which the API server
//    answers from the same stale watch cache;
//  - no-uid-check: it verifies with a quorum read, but only that a DataCenter of that name is
//    being deleted or exists at all — the recreated one passes (SCENARIOS S15's same name, new
//    uid).
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/controller/controller.h>
#include <bubble/runtime/unstructured.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "catalogue.h"

namespace bubble::scenarios {

namespace {

using namespace std::chrono_literals;
namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;
namespace ctrl = bubble::runtime::controller;

constexpr char kNamespace[] = "default";
constexpr char kName[] = "dc1";
constexpr char kFinalizer[] = "example.com/cleanup";
// How long the user waits for each step before the run fails (the controller is stuck).
constexpr sim::Duration kStepTimeout = 60s;

const rt::GroupVersionKind& DataCenterKind() {
  static const rt::GroupVersionKind kind{"example.com", "v1", "DataCenter"};
  return kind;
}

const rt::GroupVersionResource& DataCenterResource() {
  static const rt::GroupVersionResource resource{"example.com", "v1", "datacenters"};
  return resource;
}

std::string DataName(const std::string& dc) {
  return dc + "-data";
}

bool HasFinalizer(const rt::ObjectMeta& m) {
  return std::find(m.finalizers.begin(), m.finalizers.end(), kFinalizer) != m.finalizers.end();
}

struct State {
  std::shared_ptr<fake::Clientset> cs;
  bool trust_stale_list = false;
  bool verify_from_cache = false;
  bool no_uid_check = false;
};

// The controller's destructive step for a DataCenter its cache shows as being deleted: clean up
// the data, then release the finalizer.
rt::Result<ctrl::ReconcileResult> CleanUp(State& s, rt::Clientset& server, const sim::Context& ctx,
                                          const rt::Unstructured& cached,
                                          const std::string& instance) {
  const rt::ObjectMeta& m = cached.metadata;
  auto dcs = server.Resource(DataCenterResource(), kNamespace);
  if (!s.trust_stale_list) {
    // verify-from-cache asks for "any" version: the API server answers from its watch cache.
    const rt::GetOptions opts{.resource_version = s.verify_from_cache ? "0" : ""};
    auto fresh = dcs->Get(ctx, m.name, opts);
    if (!fresh) {
      if (rt::IsNotFound(fresh.error())) {
        sim::Log().info("{}: {} (uid {}) is gone already: the cache is stale, nothing to do",
                        instance, m.name, m.uid);
        return ctrl::ReconcileResult::Done();
      }
      return rt::Err(fresh.error());
    }
    const rt::ObjectMeta& now = (*fresh)->metadata;
    if (s.no_uid_check) {
      sim::Log().info("{}: {} exists on the server: cleaning up", instance, m.name);
    } else if (now.uid != m.uid || !now.deletion_timestamp.has_value()) {
      sim::Log().info(
          "{}: cached {} (uid {}) is being deleted, the server's (uid {}) is {}: stale cache, no "
          "cleanup",
          instance, m.name, m.uid, now.uid, now.deletion_timestamp ? "too" : "live");
      return ctrl::ReconcileResult::Done();
    }
  }
  sim::Log().info("{}: cleaning up {} (uid {})", instance, m.name, m.uid);
  // The external part of the cleanup (a snapshot of the data, say) takes a while.
  if (!sim::SleepFor(sim::Rand().UniformDuration(500ms, 2s), ctx)) {
    return rt::Err(rt::NewContextError(ctx.Err()));
  }
  auto deleted = server.ConfigMaps(kNamespace).Delete(ctx, DataName(m.name), {});
  if (!deleted && !rt::IsNotFound(deleted.error())) {
    return rt::Err(deleted.error());
  }
  rt::Unstructured next = cached;
  std::erase(next.metadata.finalizers, kFinalizer);
  auto released = dcs->Update(ctx, next, {});
  if (!released) {
    return rt::Err(released.error());  // a conflict: the cache was behind; retry
  }
  sim::Log().info("{}: released {} (uid {})", instance, m.name, m.uid);
  return ctrl::ReconcileResult::Done();
}

rt::Result<ctrl::ReconcileResult> Reconcile(State& s, rt::Clientset& server,
                                            cache::SharedIndexInformer& informer,
                                            const sim::Context& ctx, const std::string& key,
                                            const std::string& instance) {
  rt::ObjectPtr obj = informer.GetIndexer().GetByKey(key);
  if (obj == nullptr) {
    return ctrl::ReconcileResult::Done();
  }
  auto dc = rt::As<rt::Unstructured>(obj);
  if (!dc) {
    return rt::Err(dc.error());
  }
  const rt::ObjectMeta& m = (*dc)->metadata;
  if (m.deletion_timestamp.has_value()) {
    if (!HasFinalizer(m)) {
      return ctrl::ReconcileResult::Done();
    }
    return CleanUp(s, server, ctx, **dc, instance);
  }
  if (!HasFinalizer(m)) {
    rt::Unstructured next = **dc;
    next.metadata.finalizers.push_back(kFinalizer);
    auto updated = server.Resource(DataCenterResource(), kNamespace)->Update(ctx, next, {});
    if (!updated) {
      return rt::Err(updated.error());
    }
  }
  rt::ConfigMap data({.name = DataName(m.name),
                      .namespace_ = kNamespace,
                      .owner_references = {{.api_version = DataCenterKind().ApiVersion(),
                                            .kind = DataCenterKind().kind,
                                            .name = m.name,
                                            .uid = m.uid,
                                            .controller = true}}},
                     {{"owner-uid", m.uid}});
  auto created = server.ConfigMaps(kNamespace).Create(ctx, data, {});
  if (created) {
    sim::Log().info("{}: created {} for uid {}", instance, DataName(m.name), m.uid);
  } else if (!rt::IsAlreadyExists(created.error())) {
    return rt::Err(created.error());
  }
  return ctrl::ReconcileResult::Done();
}

// One controller process: an informer on DataCenters through one API server, a queue and a
// worker. Stop() is its death: everything it holds in memory goes with it.
class Instance {
 public:
  Instance(State& s, std::shared_ptr<rt::Clientset> server, std::string name)
      : server_(std::move(server)),
        name_(std::move(name)),
        // The classic reflector (list, then watch): its first list asks for resourceVersion "0",
        // which an API server answers from its watch cache.
        factory_(*server_, {.use_watch_list = false}),
        informer_(&factory_.InformerFor(DataCenterResource(), DataCenterKind())),
        controller_({.name = name_},
                    [this, &s](const sim::Context& ctx, const std::string& key) {
                      return Reconcile(s, *server_, *informer_, ctx, key, name_);
                    }),
        fibers_(name_) {
    if (!controller_.Watch(*informer_)) {
      sim::Fail("could not watch the DataCenter informer");
    }
    factory_.Start(run_.first);
    fibers_.Go(name_ + "/run", [this] { controller_.Run(run_.first); });
    sim::Log().info("{} started", name_);
  }

  void Stop() {
    run_.second();
    fibers_.Wait();
    factory_.Shutdown();
    sim::Log().info("{} stopped", name_);
  }

 private:
  std::shared_ptr<rt::Clientset> server_;
  std::string name_;
  cache::InformerFactory factory_;
  cache::SharedIndexInformer* informer_;
  ctrl::Controller controller_;
  sim::WaitGroup fibers_;
  // The process's context and its cancel (the crash).
  std::pair<sim::Context, sim::CancelFunc> run_ = sim::WithCancel(sim::Context::Background());
};

// The invariant verified-owner, checked by the server at every delete of a ConfigMap.
void CheckDelete(fake::Clientset& cs, const fake::Action& a) {
  fake::Tracker& store = cs.GetTracker();
  auto data = store.Get(a.resource, a.namespace_, a.name);
  if (!data) {
    return;
  }
  for (const rt::OwnerReference& ref : (*data)->metadata.owner_references) {
    auto owner = store.Get(DataCenterResource(), a.namespace_, ref.name);
    if (owner && (*owner)->metadata.uid == ref.uid &&
        !(*owner)->metadata.deletion_timestamp.has_value()) {
      sim::Fail(fmt::format(
          "invariant verified-owner violated: the controller deleted {}/{}, the data of the live "
          "DataCenter {} (uid {}, not being deleted): it acted on a stale view of the API "
          "server without verifying the uid against a quorum read",
          a.namespace_, a.name, ref.name, ref.uid));
    }
  }
}

// Polls the store until `done` holds.
template <class Done>
void WaitFor(std::string_view what, Done done) {
  const sim::TimePoint deadline = sim::Now() + kStepTimeout;
  while (!done()) {
    if (sim::Now() >= deadline) {
      sim::Fail(fmt::format("invariant converged violated: {} did not happen within {}", what,
                            sim::FormatDuration(kStepTimeout)));
    }
    sim::SleepFor(100ms);
  }
}

std::string DataOwnerUid(fake::Clientset& cs) {
  auto data = cs.GetTracker().Get(rt::ConfigMap::StaticResource(), kNamespace, DataName(kName));
  if (!data || (*data)->metadata.owner_references.empty()) {
    return {};
  }
  return (*data)->metadata.owner_references.front().uid;
}

rt::ObjectPtr StoredDataCenter(fake::Clientset& cs) {
  auto dc = cs.GetTracker().Get(DataCenterResource(), kNamespace, kName);
  return dc ? *dc : nullptr;
}

void Check(State& s) {
  rt::ObjectPtr dc = StoredDataCenter(*s.cs);
  if (dc == nullptr || dc->metadata.deletion_timestamp.has_value() || !HasFinalizer(dc->metadata)) {
    sim::Fail(fmt::format("invariant converged violated: {} is {}", kName,
                          dc == nullptr ? "gone" : "not live with the controller's finalizer"));
  }
  const std::string owner = DataOwnerUid(*s.cs);
  if (owner != dc->metadata.uid) {
    sim::Fail(fmt::format(
        "invariant converged violated: {} (uid {}) has {}", kName, dc->metadata.uid,
        owner.empty() ? "no data" : fmt::format("the data of another uid ({})", owner)));
  }
  sim::Log().info("{} (uid {}) has its data", kName, dc->metadata.uid);
}

void Run(State& s) {
  auto user = s.cs->Resource(DataCenterResource(), kNamespace);
  auto create = [&] {
    rt::Unstructured dc(DataCenterKind(), {.name = kName, .namespace_ = kNamespace},
                        {{"spec", {{"replicas", 3}}}});
    auto created = user->Create(sim::Context::Background(), dc, {});
    if (!created) {
      sim::Fail(fmt::format("create {}: {}", kName, created.error().message));
    }
    sim::Log().info("user: created {} (uid {})", kName, (*created)->metadata.uid);
    return (*created)->metadata.uid;
  };

  auto first = std::make_unique<Instance>(s, s.cs->ApiServer(0), "controller-1");
  const std::string old_uid = create();
  WaitFor("the first dc1's data", [&] { return DataOwnerUid(*s.cs) == old_uid; });
  sim::SleepFor(sim::Rand().UniformDuration(0ms, 1s));
  if (auto deleted = user->Delete(sim::Context::Background(), kName, {}); !deleted) {
    sim::Fail(fmt::format("delete {}: {}", kName, deleted.error().message));
  }
  sim::Log().info("user: deleted {} (uid {})", kName, old_uid);
  WaitFor("the first dc1's cleanup", [&] { return StoredDataCenter(*s.cs) == nullptr; });
  const std::string new_uid = create();
  WaitFor("the second dc1's data", [&] { return DataOwnerUid(*s.cs) == new_uid; });

  // The crash: the process and everything it cached are gone; the new one talks to the other
  // API server.
  first->Stop();
  first.reset();
  auto second = std::make_unique<Instance>(s, s.cs->ApiServer(1), "controller-2");
  sim::SleepFor(10s);
  Check(s);
  second->Stop();
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->trust_stale_list = ctx.Bug("trust-stale-list");
  s->verify_from_cache = ctx.Bug("verify-from-cache");
  s->no_uid_check = ctx.Bug("no-uid-check");
  fake::Options server;
  server.scheme.RegisterUnstructured(DataCenterKind(), true, DataCenterResource().resource);
  server.api_servers.push_back({});  // apiserver-1: fresh
  server.api_servers.push_back(
      {.lag_min = 0ms, .lag_max = std::chrono::milliseconds(ctx.IntOption("max-lag-ms"))});
  s->cs = std::make_shared<fake::Clientset>(std::move(server));
  fake::Clientset* cs = s->cs.get();
  s->cs->PrependReactor("delete", "configmaps", [cs](fake::Action& a) {
    CheckDelete(*cs, a);
    return fake::Reaction::Unhandled();
  });
  return [s] { Run(*s); };
}

}  // namespace

Scenario TimeTravelScenario() {
  Scenario s;
  s.name = "time-travel";
  s.catalogue = "S08";
  s.description =
      "a controller with a finalizer restarts against a lagging API server after its object "
      "was deleted and recreated; it must not delete the new object's data";
  s.options = {
      {.key = "max-lag-ms",
       .default_value = "3000",
       .description = "apiserver-2's watch cache lags the store by a lag drawn in [0, this] ms",
       .int_range = std::pair<std::int64_t, std::int64_t>{0, 60000}},
  };
  s.bugs = {
      {.name = "trust-stale-list",
       .description = "the restarted controller cleans up what its stale cache shows as being "
                      "deleted: it deletes the recreated object's data",
       .seed_budget = 10},
      {.name = "verify-from-cache",
       .description = "the controller verifies with Get resourceVersion \"0\", which the API "
                      "server answers from the same stale watch cache",
       .seed_budget = 10},
      {.name = "no-uid-check",
       .description = "the controller verifies with a quorum read that a DataCenter of that "
                      "name exists, not that it is the same uid being deleted",
       .seed_budget = 10},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
