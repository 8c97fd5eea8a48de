// scenarios/src/missed_delete_tombstone.cc
//
// S05 — a delete missed during a watch gap reaches the handler as a DeletedFinalStateUnknown
// tombstone (the steady stream of DeleteFunc panics from `obj.(*v1.Pod)` type assertions:
// projectcalico/calico#12793, awslabs/eks-node-viewer#277, kubevirt/kubevirt#17880,
// openshift/cluster-version-operator#952, ...).
//
// A controller-like consumer keeps, per ConfigMap it heard about, a "resource" (a set of tracked
// keys) and runs a cleanup when it hears the delete. An informer watches `objects` ConfigMaps on
// a server with resourceVersions and an event history (fidelity stamp-rv + tombstones). The test
// then runs `rounds` partitions: it updates an object (so the watch is not "very short"), waits
// 0-2 s, ends every watch from the server side, deletes an object and, with probability 1/2,
// compacts the history, then creates a replacement. Nothing orders the reflector's re-watch
// against the delete and the compaction: re-watching first, the delete arrives as a live DELETED;
// after the delete but before the compaction, as a replayed DELETED; after the compaction, the
// watch gets 410 Expired, the reflector relists, the object is missing from the list and the
// informer delivers DeletedFinalStateUnknown{key, last known state}.
//
// Invariants, once the informer's cache has converged and every fiber is blocked:
//  - no-panic: OnDelete never fails on a tombstone.
//  - tombstone-key: the key derived with DeletionHandlingMetaNamespaceKeyFunc is the key of the
//    tombstone's last known object.
//  - cleanup-once: every deleted object the consumer had heard of was cleaned up exactly once,
//    and no other (one created and deleted in the same gap is never heard of).
//  - no-leak: the consumer tracks exactly the objects the server holds.
//  - cache-matches-server: the informer's cache holds exactly the server's objects.
//
// Planted bugs (in the consumer's OnDelete):
//  - type-assertion: `cm := obj.(*v1.ConfigMap)` — a tombstone panics the handler.
//  - drop-tombstone: `cm, ok := obj.(*v1.ConfigMap); if !ok { return }` — a tombstone is logged
//    and dropped: the cleanup never runs and the object leaks.
#include <algorithm>
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
  bool type_assertion = false;
  bool drop_tombstone = false;
  // The consumer.
  std::set<std::string> tracked;
  std::set<std::string> heard;  // every key ever added
  std::map<std::string, int> cleanups;
  int tombstones = 0;
  // The test.
  std::vector<std::string> live;  // names on the server, in creation order
  std::set<std::string> deleted;  // keys the test deleted
};

void OnDelete(State& s, const cache::DeltaObject& obj) {
  if (const auto* t = std::get_if<cache::DeletedFinalStateUnknown>(&obj)) {
    if (s.type_assertion) {
      sim::Fail(fmt::format(
          "invariant no-panic violated: OnDelete: interface conversion: interface {{}} is "
          "cache.DeletedFinalStateUnknown, not *v1.ConfigMap (tombstone for {})",
          t->key));
    }
    if (s.drop_tombstone) {
      sim::Log().info(
          "\"Error decoding object, invalid type\" type=DeletedFinalStateUnknown key={}", t->key);
      return;
    }
    ++s.tombstones;
  }
  const rt::Result<std::string> key = cache::DeletionHandlingMetaNamespaceKeyFunc(obj);
  if (!key) {
    sim::Fail(fmt::format("invariant tombstone-key violated: no key: {}", key.error().message));
  }
  if (const rt::ObjectPtr& o = cache::ObjectOf(obj); o != nullptr && o->metadata.Key() != *key) {
    sim::Fail(fmt::format("invariant tombstone-key violated: key {} for the last known state of {}",
                          *key, o->metadata.Key()));
  }
  ++s.cleanups[*key];
  s.tracked.erase(*key);
  sim::Log().info("\"Cleaned up\" key={} tombstone={}", *key,
                  std::holds_alternative<cache::DeletedFinalStateUnknown>(obj));
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
  for (const std::string& key : s.deleted) {
    // An object created and deleted while the informer was not looking was never heard of.
    const int want = s.heard.contains(key) ? 1 : 0;
    const int n = s.cleanups.contains(key) ? s.cleanups.at(key) : 0;
    if (n != want) {
      sim::Fail(fmt::format(
          "invariant cleanup-once violated: {} was deleted and cleaned up {} times, want {}", key,
          n, want));
    }
  }
  for (const auto& [key, n] : s.cleanups) {
    if (!s.deleted.contains(key)) {
      sim::Fail(fmt::format(
          "invariant cleanup-once violated: {} was cleaned up {} times but never deleted", key, n));
    }
  }
  const std::vector<std::string> tracked(s.tracked.begin(), s.tracked.end());
  if (tracked != server) {
    sim::Fail(fmt::format(
        "invariant no-leak violated: the server holds [{}] but the consumer tracks [{}]",
        fmt::join(server, ", "), fmt::join(tracked, ", ")));
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
                s.tracked.insert(obj->metadata.Key());
                s.heard.insert(obj->metadata.Key());
              },
          .update = [&s](const rt::ObjectPtr&,
                         const rt::ObjectPtr& obj) { s.tracked.insert(obj->metadata.Key()); },
          .del = [&s](const cache::DeltaObject& obj) { OnDelete(s, obj); },
      },
      {.name = "cleanup"});
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  factory.Start(ctx);
  (void)factory.WaitForCacheSync(ctx);
  sim::Log().info("\"Caches synced\" objects={}", informer.GetStore().size());

  auto cms = s.cs->ConfigMaps(kNamespace);
  for (int round = 1; round <= s.rounds && !s.live.empty(); ++round) {
    // An event on the watch, then a while: the watch that ends is not a "very short" one.
    const std::string touched = s.live[sim::Rand().Uniform(s.live.size())];
    if (auto u = cms.Update(rt::ConfigMap({.name = touched, .namespace_ = kNamespace},
                                          {{"round", std::to_string(round)}}));
        !u) {
      sim::Fail(fmt::format("update {}: {}", touched, u.error().message));
    }
    sim::SleepFor(
        sim::Rand().UniformDuration(std::chrono::milliseconds(0), std::chrono::seconds(2)));
    // The partition: the server ends the watch, the object goes while the reflector re-watches.
    s.cs->GetTracker().EndWatches(gvr);
    const std::size_t i = sim::Rand().Uniform(s.live.size());
    const std::string victim = s.live[i];
    s.live.erase(s.live.begin() + static_cast<std::ptrdiff_t>(i));
    if (auto d = cms.Delete(victim); !d) {
      sim::Fail(fmt::format("delete {}: {}", victim, d.error().message));
    }
    s.deleted.insert(fmt::format("{}/{}", kNamespace, victim));
    const bool compact = sim::Rand().Bernoulli(0.5);
    if (compact) {
      s.cs->GetTracker().Compact(gvr);
    }
    sim::Log().info("\"Partition\" round={} deleted={} compacted={}", round, victim, compact);
    const std::string replacement = fmt::format("r{}", round);
    if (auto c = cms.Create(rt::ConfigMap({.name = replacement, .namespace_ = kNamespace})); !c) {
      sim::Fail(fmt::format("create {}: {}", replacement, c.error().message));
    }
    s.live.push_back(replacement);
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
  s->type_assertion = ctx.Bug("type-assertion");
  s->drop_tombstone = ctx.Bug("drop-tombstone");
  fake::Options server;
  s->cs = std::make_shared<fake::Clientset>(std::move(server));
  const int objects = static_cast<int>(ctx.IntOption("objects"));
  detail::SeedConfigMaps(*s->cs, kNamespace, objects);
  for (int i = 1; i <= objects; ++i) {
    s->live.push_back(fmt::format("cm{}", i));
  }
  return [s] { Run(*s); };
}

}  // namespace

Scenario MissedDeleteTombstoneScenario() {
  Scenario s;
  s.name = "missed-delete-tombstone";
  s.catalogue = "S05";
  s.description =
      "a delete missed during a watch gap arrives as a DeletedFinalStateUnknown tombstone; the "
      "handler must unwrap it";
  s.options = {
      detail::FifoOption(),
      {.key = "objects",
       .default_value = "3",
       .description = "ConfigMaps on the server before the informer starts",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 10}},
      {.key = "rounds",
       .default_value = "3",
       .description = "partitions, each with a delete during the gap",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 10}},
  };
  s.bugs = {
      {.name = "type-assertion",
       .description = "OnDelete asserts the object is a ConfigMap: a tombstone panics the handler",
       .seed_budget = 6},
      {.name = "drop-tombstone",
       .description = "OnDelete drops what is not a ConfigMap: the missed object's cleanup never "
                      "runs and it leaks",
       .seed_budget = 6},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
