// scenarios/src/relist_with_queued_events.cc
//
// S04 — a relist while events are still queued: the object created and deleted around a watch
// break must not leak (kubernetes/kubernetes#115658, fixed by #115620: CREATE O queued in the
// DeltaFIFO, the watch breaks, the relist lacks O, Replace emitted no DELETE because O was not in
// the store yet, and O leaked once its ADD was processed; fabric8io/kubernetes-client#2994,
// #3318).
//
// An informer watches `objects` ConfigMaps on a server with resourceVersions and an event history
// (fidelity stamp-rv + tombstones). A consumer derives from the handler's notifications the set of
// objects it manages. The test runs `rounds` rounds of: create a short-lived object O, end every
// watch from the server side, delete O and compact the history, then wait 0-2 s. The re-watch
// from before the compaction is 410 Gone and the reflector relists; the list lacks O. The
// strategy decides how far O got before the relist: its ADD may still sit in the FIFO (queued,
// not yet in the cache), be in the cache, or be with the handler. The FIFO's Replace must queue a
// DeletedFinalStateUnknown tombstone for O in every case, and the consumer must handle it.
//
// Invariants, once the informer's cache has converged and every fiber is blocked:
//  - cache-matches-server (I == A): the informer's cache holds exactly the server's objects.
//  - saw-delete: for every object the consumer heard added and that is gone, it heard exactly one
//    delete; it heard no delete for an object it never heard of.
//  - no-leak: the consumer manages exactly the server's objects.
//
// Planted bug:
//  - ignore-tombstones: OnDelete handles only a real object (`cm, ok := obj.(*v1.ConfigMap); if
//    !ok { return }`), so the tombstone of the relist is dropped and O leaks in the consumer.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/logger.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/cache/key_func.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/quiescence.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>

#include "catalogue.h"
#include "informer_common.h"

namespace bubble::scenarios {

namespace {

namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;

constexpr char kNamespace[] = "default";

struct State {
  std::shared_ptr<fake::Clientset> cs;
  cache::FifoKind fifo = cache::FifoKind::kReal;
  int rounds = 3;
  bool ignore_tombstones = false;
  // The consumer.
  std::set<std::string> managed;
  std::map<std::string, int> adds;
  std::map<std::string, int> deletes;
  int tombstones = 0;
};

void OnDelete(State& s, const cache::DeltaObject& obj) {
  const bool tombstone = std::holds_alternative<cache::DeletedFinalStateUnknown>(obj);
  if (tombstone && s.ignore_tombstones) {
    sim::Log().info("\"Error decoding object, invalid type\" type=DeletedFinalStateUnknown key={}",
                    std::get<cache::DeletedFinalStateUnknown>(obj).key);
    return;
  }
  const rt::Result<std::string> key = cache::DeletionHandlingMetaNamespaceKeyFunc(obj);
  if (!key) {
    sim::Fail(fmt::format("OnDelete: no key: {}", key.error().message));
  }
  if (tombstone) {
    ++s.tombstones;
  }
  ++s.deletes[*key];
  s.managed.erase(*key);
  sim::Log().info("\"Stopped managing\" key={} tombstone={}", *key, tombstone);
}

std::vector<std::string> ServerKeys(State& s) {
  return detail::ServerConfigMapKeys(*s.cs, kNamespace);
}

void Check(State& s, cache::SharedIndexInformer& informer) {
  const std::vector<std::string> server = ServerKeys(s);
  const std::vector<std::string> cached = informer.GetStore().ListKeys();
  if (cached != server) {
    sim::Fail(fmt::format(
        "invariant cache-matches-server violated: the server holds [{}] but the informer's cache "
        "holds [{}]",
        fmt::join(server, ", "), fmt::join(cached, ", ")));
  }
  const std::set<std::string> on_server(server.begin(), server.end());
  for (const auto& [key, added] : s.adds) {
    const int deleted = s.deletes.contains(key) ? s.deletes.at(key) : 0;
    const int want = on_server.contains(key) ? 0 : 1;
    if (deleted != want) {
      sim::Fail(fmt::format(
          "invariant saw-delete violated: the consumer heard {} adds and {} deletes of {}, which "
          "is {} the server; want {} deletes",
          added, deleted, key, want == 0 ? "on" : "gone from", want));
    }
  }
  for (const auto& [key, deleted] : s.deletes) {
    if (!s.adds.contains(key)) {
      sim::Fail(fmt::format(
          "invariant saw-delete violated: the consumer heard {} deletes of {} but never an add",
          deleted, key));
    }
  }
  const std::vector<std::string> managed(s.managed.begin(), s.managed.end());
  if (managed != server) {
    sim::Fail(fmt::format(
        "invariant no-leak violated: the server holds [{}] but the consumer manages [{}]",
        fmt::join(server, ", "), fmt::join(managed, ", ")));
  }
}

void Run(State& s) {
  const rt::GroupVersionResource& gvr = rt::ConfigMap::StaticResource();
  cache::InformerFactory factory(*s.cs, {.fifo = s.fifo});
  cache::SharedIndexInformer& informer = factory.InformerFor<rt::ConfigMap>();
  auto handle = informer.AddEventHandler(
      cache::ResourceEventHandlerFuncs{
          .add =
              [&s](const rt::ObjectPtr& obj, bool) {
                ++s.adds[obj->metadata.Key()];
                s.managed.insert(obj->metadata.Key());
              },
          .update = [&s](const rt::ObjectPtr&,
                         const rt::ObjectPtr& obj) { s.managed.insert(obj->metadata.Key()); },
          .del = [&s](const cache::DeltaObject& obj) { OnDelete(s, obj); },
      },
      {.name = "manager"});
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  factory.Start(ctx);
  (void)factory.WaitForCacheSync(ctx);
  sim::Log().info("\"Caches synced\" objects={}", informer.GetStore().size());

  auto cms = s.cs->ConfigMaps(kNamespace);
  for (int round = 1; round <= s.rounds; ++round) {
    const std::string name = fmt::format("short-lived-{}", round);
    if (auto c = cms.Create(rt::ConfigMap({.name = name, .namespace_ = kNamespace})); !c) {
      sim::Fail(fmt::format("create {}: {}", name, c.error().message));
    }
    // The watch breaks with O's ADD somewhere between the watch and the handler.
    s.cs->GetTracker().EndWatches(gvr);
    if (auto d = cms.Delete(name); !d) {
      sim::Fail(fmt::format("delete {}: {}", name, d.error().message));
    }
    s.cs->GetTracker().Compact(gvr);
    sim::Log().info("\"Watch broken\" round={} created-and-deleted={}", round, name);
    sim::SleepFor(
        sim::Rand().UniformDuration(std::chrono::milliseconds(0), std::chrono::seconds(2)));
  }

  runtime::AwaitQuiescence([&] {
    // The server first, then the cache, written out: both reads are preemption points, and C++
    // leaves the order of `==`'s operands to the compiler (gcc and clang differ).
    const std::vector<std::string> server = ServerKeys(s);
    return informer.GetStore().ListKeys() == server;
  });
  Check(s, informer);
  sim::Log().info("\"Consumer matches the server\" objects={} tombstones={}",
                  informer.GetStore().size(), s.tombstones);
  informer.RemoveEventHandler(*handle);
  cancel();
  factory.Shutdown();
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->fifo = detail::FifoOf(ctx);
  s->rounds = static_cast<int>(ctx.IntOption("rounds"));
  s->ignore_tombstones = ctx.Bug("ignore-tombstones");
  fake::Options server;
  s->cs = std::make_shared<fake::Clientset>(std::move(server));
  const int objects = static_cast<int>(ctx.IntOption("objects"));
  detail::SeedConfigMaps(*s->cs, kNamespace, objects);
  return [s] { Run(*s); };
}

}  // namespace

Scenario RelistWithQueuedEventsScenario() {
  Scenario s;
  s.name = "relist-with-queued-events";
  s.catalogue = "S04";
  s.description =
      "an object created and deleted around a watch break, its ADD maybe still queued, must not "
      "leak after the relist";
  s.options = {
      detail::FifoOption(),
      {.key = "objects",
       .default_value = "2",
       .description = "ConfigMaps on the server before the informer starts",
       .int_range = std::pair<std::int64_t, std::int64_t>{0, 10}},
      {.key = "rounds",
       .default_value = "3",
       .description = "watch breaks, each around a short-lived object",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 10}},
  };
  s.bugs = {
      {.name = "ignore-tombstones",
       .description = "OnDelete handles only a real object and drops the relist's "
                      "DeletedFinalStateUnknown: the short-lived object leaks",
       .seed_budget = 6},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
