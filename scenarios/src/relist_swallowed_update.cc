// scenarios/src/relist_swallowed_update.cc
//
// S06 — an update seen only through a relist must reach the handler, not be swallowed as a resync
// (kubernetes/kubernetes#86015: DeltaFIFO emitted Sync for relists as for resyncs, and handlers
// dropped real changes; cilium/cilium#38772; "SharedIndexInformers can miss notifications",
// kubernetes/kubernetes#83810). The informer tells a resync from a change by comparing the
// resourceVersion strings of the old and new object (docs/semantics.md §5.4): equal strings are a
// resync, delivered only to the handlers whose resync is due.
//
// An informer watches `objects` ConfigMaps. It has two handlers: a "metrics" handler with a 30 s
// resync period (which makes the informer check for resyncs every 30 s) and the consumer, without
// resync, which keeps a copy of every object's data. From t = 31 s the test runs `rounds`
// partitions: the server ends every watch, an object's data changes in the gap and, with
// probability 1/2, the history is compacted (the re-watch is then 410 Gone and the reflector
// relists: the change arrives as a Replaced delta; otherwise it arrives through the watch's
// replay). Then 0-2 s pass.
//
// Invariant, once the informer's cache has converged and every fiber is blocked:
//  - no-swallowed-update: the consumer's copy of each object's data equals the server's.
//
// Planted bug:
//  - no-stamp-rv: the server is client-go's fake, which never writes metadata.resourceVersion
//    (docs/semantics.md §1.10.2): every object's version is "", every change compares equal to the
//    cached object and counts as a resync, and once the first resync check (t = 30 s) has cleared
//    the consumer's "syncing" flag, every change — relisted or live — is dropped for it.
#include <map>
#include <memory>
#include <string>
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
constexpr auto kMetricsResync = std::chrono::seconds(30);

using Data = std::map<std::string, std::string>;

struct State {
  std::shared_ptr<fake::Clientset> cs;
  cache::FifoKind fifo = cache::FifoKind::kReal;
  int objects = 3;
  int rounds = 3;
  // The consumer's copy.
  std::map<std::string, Data> seen;
  int updates = 0;
  int resyncs = 0;  // heard by the metrics handler
};

void Remember(State& s, const rt::ObjectPtr& obj) {
  auto cm = rt::As<rt::ConfigMap>(obj);
  if (!cm) {
    sim::Fail(fmt::format("not a ConfigMap: {}", cm.error().message));
  }
  s.seen[obj->metadata.Key()] = (*cm)->data;
}

std::map<std::string, Data> ServerData(State& s) {
  auto listed = s.cs->ConfigMaps(kNamespace).List();
  if (!listed) {
    sim::Fail(fmt::format("list configmaps: {}", listed.error().message));
  }
  std::map<std::string, Data> data;
  for (const auto& cm : listed->items) {
    data[cm->metadata.Key()] = cm->data;
  }
  return data;
}

std::map<std::string, Data> CacheData(cache::SharedIndexInformer& informer) {
  std::map<std::string, Data> data;
  for (const rt::ObjectPtr& obj : informer.GetStore().List()) {
    if (auto cm = rt::As<rt::ConfigMap>(obj)) {
      data[obj->metadata.Key()] = (*cm)->data;
    }
  }
  return data;
}

std::string Show(const std::map<std::string, Data>& m) {
  std::vector<std::string> parts;
  for (const auto& [key, data] : m) {
    parts.push_back(fmt::format("{}={}", key, data.contains("v") ? data.at("v") : "-"));
  }
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

void Run(State& s) {
  const rt::GroupVersionResource& gvr = rt::ConfigMap::StaticResource();
  // The informer resyncs (every 10 min by default); the metrics handler lowers its check period
  // to 30 s.
  cache::InformerFactory factory(*s.cs,
                                 {.default_resync = std::chrono::minutes(10), .fifo = s.fifo});
  cache::SharedIndexInformer& informer = factory.InformerFor<rt::ConfigMap>();
  auto metrics = informer.AddEventHandler(
      cache::ResourceEventHandlerFuncs{
          .update =
              [&s](const rt::ObjectPtr& old_obj, const rt::ObjectPtr& obj) {
                if (old_obj->metadata.resource_version == obj->metadata.resource_version) {
                  ++s.resyncs;
                }
              },
      },
      {.resync_period = kMetricsResync, .name = "metrics"});
  auto consumer = informer.AddEventHandler(
      cache::ResourceEventHandlerFuncs{
          .add = [&s](const rt::ObjectPtr& obj, bool) { Remember(s, obj); },
          .update =
              [&s](const rt::ObjectPtr&, const rt::ObjectPtr& obj) {
                ++s.updates;
                Remember(s, obj);
              },
          .del =
              [&s](const cache::DeltaObject& obj) {
                if (auto key = cache::DeletionHandlingMetaNamespaceKeyFunc(obj)) {
                  s.seen.erase(*key);
                }
              },
      },
      {.resync_period = sim::Duration::zero(), .name = "consumer"});
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  factory.Start(ctx);
  (void)factory.WaitForCacheSync(ctx);
  sim::Log().info(
      "\"Caches synced\" objects={} resyncCheckPeriod={}s", informer.GetStore().size(),
      std::chrono::duration_cast<std::chrono::seconds>(informer.ResyncCheckPeriod()).count());

  // Past the first resync check: the consumer (no resync) is no longer "syncing".
  sim::SleepFor(kMetricsResync + std::chrono::seconds(1));
  auto cms = s.cs->ConfigMaps(kNamespace);
  for (int round = 1; round <= s.rounds; ++round) {
    s.cs->GetTracker().EndWatches(gvr);
    const std::string name = fmt::format("cm{}", 1 + sim::Rand().Uniform(s.objects));
    auto u = cms.Update(
        rt::ConfigMap({.name = name, .namespace_ = kNamespace}, {{"v", std::to_string(round)}}));
    if (!u) {
      sim::Fail(fmt::format("update {}: {}", name, u.error().message));
    }
    const bool compact = sim::Rand().Bernoulli(0.5);
    if (compact) {
      s.cs->GetTracker().Compact(gvr);
    }
    sim::Log().info("\"Partition\" round={} updated={} v={} compacted={}", round, name, round,
                    compact);
    sim::SleepFor(
        sim::Rand().UniformDuration(std::chrono::milliseconds(0), std::chrono::seconds(2)));
  }

  runtime::AwaitQuiescence([&] {
    // The server first, then the cache, written out: both reads are preemption points, and C++
    // leaves the order of `==`'s operands to the compiler (gcc and clang differ).
    const auto server = ServerData(s);
    return CacheData(informer) == server;
  });
  const std::map<std::string, Data> server = ServerData(s);
  if (CacheData(informer) != server) {
    sim::Fail(fmt::format(
        "invariant no-swallowed-update violated: the server holds {} but the informer's cache "
        "holds {}",
        Show(server), Show(CacheData(informer))));
  }
  if (s.seen != server) {
    sim::Fail(fmt::format(
        "invariant no-swallowed-update violated: the server holds {} but the consumer saw {} "
        "({} updates heard; equal resourceVersions make a change look like a resync)",
        Show(server), Show(s.seen), s.updates));
  }
  sim::Log().info("\"Consumer matches the server\" objects={} updates={} metricsResyncs={}",
                  server.size(), s.updates, s.resyncs);
  informer.RemoveEventHandler(*consumer);
  informer.RemoveEventHandler(*metrics);
  cancel();
  factory.Shutdown();
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->fifo = detail::FifoOf(ctx);
  s->rounds = static_cast<int>(ctx.IntOption("rounds"));
  s->objects = static_cast<int>(ctx.IntOption("objects"));
  fake::Options server;  // a real API server
  if (ctx.Bug("no-stamp-rv")) {
    // client-go's fake (no resourceVersions written), with the event history the relists need.
    server.fidelity = fake::Fidelity::None();
    server.fidelity.tombstones = true;
  }
  s->cs = std::make_shared<fake::Clientset>(std::move(server));
  detail::SeedConfigMaps(*s->cs, kNamespace, s->objects, {{"v", "0"}});
  return [s] { Run(*s); };
}

}  // namespace

Scenario RelistSwallowedUpdateScenario() {
  Scenario s;
  s.name = "relist-swallowed-update";
  s.catalogue = "S06";
  s.description =
      "a change seen only through a relist or a replay must reach a handler without resync, not "
      "be taken for a resync";
  s.options = {
      detail::FifoOption(),
      {.key = "objects",
       .default_value = "3",
       .description = "ConfigMaps on the server",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 10}},
      {.key = "rounds",
       .default_value = "3",
       .description = "partitions, each with a change during the gap",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 10}},
  };
  s.bugs = {
      {.name = "no-stamp-rv",
       .description = "client-go's fake never writes resourceVersions: every change looks like a "
                      "resync and a handler without resync misses it after the first resync check",
       .seed_budget = 5},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
