// fake/bench/informer_bench.cc: informers in a bubble (issue 4's benchmarks).
//
// Baseline in the same binary: an empty bubble (construct, run a main fiber that returns), so
// the seed scenario reads as "N empty bubbles". Every run uses a fresh bubble with the trace in
// fingerprint mode, as a sweep does.
//
//   ./build/default/fake/bubble_informer_bench --benchmark_repetitions=3 \
//       --benchmark_report_aggregates_only=true
//
// Lives in fake/ because the seed scenario and the initial sync need the fake API server
// (runtime must not depend on fake).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/cache/list_watch.h>
#include <bubble/runtime/cache/shared_informer.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/controller/controller.h>
#include <bubble/runtime/watch.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>
#include <bubble/sim/event.h>

#include "list_and_watch_port.h"

namespace {

namespace rt = bubble::runtime;
namespace sim = bubble::sim;
namespace cache = bubble::runtime::cache;
namespace fake = bubble::fake;

sim::Options BenchOptions(std::uint64_t seed = 1) {
  sim::Options o;
  o.seed = seed;
  o.strategy = sim::StrategyKind::kRandom;
  o.trace = sim::TraceMode::kFingerprint;
  o.log_level = sim::LogLevel::kOff;
  return o;
}

// A fake server holding N ConfigMaps default/cm-000000..., added through the tracker before any
// bubble runs (shared by the benchmarks that read a large collection). Null if an add failed.
std::shared_ptr<fake::Clientset> SeededClientset(int n) {
  auto cs = std::make_shared<fake::Clientset>(fake::Options{.record_actions = false});
  for (int i = 0; i < n; ++i) {
    auto added = cs->GetTracker().Add(rt::ConfigMap(
        {.name = fmt::format("cm-{:06}", i), .namespace_ = "default"}, {{"key", "value"}}));
    if (!added) {
      return nullptr;
    }
  }
  return cs;
}

void BM_EmptyBubble(benchmark::State& state) {
  std::uint64_t seed = 0;
  for (auto _ : state) {
    sim::Bubble b(BenchOptions(++seed));
    auto r = b.Run([] {});
    benchmark::DoNotOptimize(r.fingerprint);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

BENCHMARK(BM_EmptyBubble);

// The seed's TestListAndWatch, start to finish: clientset, factory, informer, handler, sync,
// create, release the watch, Wait, shutdown. items/s = runs per second on one core.
void BM_ListAndWatchSeedScenario(benchmark::State& state) {
  const fake::testing::ListAndWatchConfig cfg;
  std::uint64_t seed = 0;
  for (auto _ : state) {
    fake::testing::ListAndWatchOutcome out;
    sim::Bubble b(BenchOptions(++seed));
    auto r = b.Run([&] { fake::testing::ListAndWatchBody(cfg, out); });
    if (!r.Passed() || out.objects_at_end != 2) {
      state.SkipWithError("the seed scenario failed");
      break;
    }
    benchmark::DoNotOptimize(r.fingerprint);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

BENCHMARK(BM_ListAndWatchSeedScenario);

// An informer's initial sync over N ConfigMaps served by the fake: list, Replace into the FIFO,
// pop into the indexer, deliver N initial adds to one handler. The clientset is built once.
void BM_InitialSync(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  auto cs = SeededClientset(n);
  if (cs == nullptr) {
    state.SkipWithError("setup failed");
    return;
  }
  std::uint64_t seed = 0;
  for (auto _ : state) {
    std::int64_t adds = 0;
    sim::Bubble b(BenchOptions(++seed));
    auto r = b.Run([&] {
      cache::SharedIndexInformer informer(
          cache::ListWatchFromClient(*cs, rt::ConfigMap::StaticResource(), ""),
          {.expected_kind = rt::ConfigMap::StaticKind()});
      auto reg = informer.AddEventHandler(
          cache::ResourceEventHandlerFuncs{.add = [&](const rt::ObjectPtr&, bool) { ++adds; }});
      auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
      sim::WaitGroup wg("informer");
      wg.Go("informer", [&informer, &ctx = ctx] { informer.Run(ctx); });
      (void)cache::WaitFor(ctx, "", {(*reg)->HasSyncedChecker()});
      cancel();
      wg.Wait();
    });
    if (!r.Passed() || adds != n) {
      std::fprintf(stderr, "%s adds=%lld\n", r.report.c_str(), static_cast<long long>(adds));
      state.SkipWithError("the informer did not sync every object");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}

BENCHMARK(BM_InitialSync)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

// Steady state: N watch events (MODIFIED of 100 rotating objects) pushed through a buffered
// watch into the reflector, RealFIFO, indexer and one handler. items/s = events per second.
void BM_EventThroughput(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  constexpr int kObjects = 100;
  std::vector<rt::ObjectPtr> versions;
  versions.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    versions.push_back(std::make_shared<const rt::ConfigMap>(
        rt::ConfigMap({.name = fmt::format("cm-{:03}", i % kObjects),
                       .namespace_ = "default",
                       .resource_version = std::to_string(i + 2)})));
  }
  std::uint64_t seed = 0;
  for (auto _ : state) {
    std::int64_t seen = 0;
    sim::Bubble b(BenchOptions(++seed));
    auto r = b.Run([&] {
      auto watcher = std::make_shared<rt::ChannelWatcher>(1024, "events");
      auto lw = std::make_shared<cache::ListWatch>(
          [](const sim::Context&, const rt::ListOptions&) -> rt::Result<rt::ObjectList> {
            rt::ObjectList list;
            list.metadata.resource_version = "1";
            return list;
          },
          [watcher](const sim::Context&, const rt::ListOptions&) -> rt::Result<rt::WatchPtr> {
            return rt::WatchPtr(watcher);
          });
      cache::SharedIndexInformer informer(lw);
      sim::Event done("all events seen");
      (void)informer.AddEventHandler(cache::ResourceEventHandlerFuncs{
          .add = [&](const rt::ObjectPtr&, bool) { ++seen; },
          .update =
              [&](const rt::ObjectPtr&, const rt::ObjectPtr&) {
                if (++seen == n) {
                  done.Set();
                }
              },
      });
      auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
      sim::WaitGroup wg("informer");
      wg.Go("informer", [&informer, &ctx = ctx] { informer.Run(ctx); });
      for (int i = 0; i < n; ++i) {
        (void)watcher->Send(
            {i < kObjects ? rt::WatchEventType::kAdded : rt::WatchEventType::kModified,
             versions[static_cast<std::size_t>(i)], nullptr});
      }
      done.Wait();
      cancel();
      wg.Wait();
    });
    if (!r.Passed() || seen != n) {
      state.SkipWithError("not every event reached the handler");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}

BENCHMARK(BM_EventThroughput)->Arg(100000)->Unit(benchmark::kMillisecond);

// A controller with 4 workers reconciling N ConfigMaps from a cold start: informer sync, N keys
// through the rate-limiting queue, each reconcile reading its object from the lister and doing
// 1 ms of virtual work. Counters: virtual_ms = virtual time until the last reconcile.
void BM_ControllerColdStart(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  auto cs = SeededClientset(n);
  if (cs == nullptr) {
    state.SkipWithError("setup failed");
    return;
  }
  namespace ctrl = bubble::runtime::controller;
  std::uint64_t seed = 0;
  double virtual_ms = 0;
  for (auto _ : state) {
    sim::Bubble b(BenchOptions(++seed));
    std::int64_t done = 0;
    auto r = b.Run([&] {
      cache::InformerFactory factory(*cs);
      auto lister = factory.ListerFor<rt::ConfigMap>();
      sim::Event all_done("all reconciled");
      ctrl::Controller controller(
          {.name = "bench", .workers = 4},
          [&](const sim::Context&, const std::string& key) -> rt::Result<ctrl::ReconcileResult> {
            auto name = cache::SplitMetaNamespaceKey(key);
            auto cm = lister.Namespace(name->namespace_).Get(name->name);
            benchmark::DoNotOptimize(cm);
            sim::SleepFor(std::chrono::milliseconds(1));
            if (++done == n) {
              all_done.Set();
            }
            return ctrl::ReconcileResult::Done();
          });
      (void)controller.Watch(factory.InformerFor<rt::ConfigMap>());
      auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
      factory.Start(ctx);
      sim::WaitGroup wg("controller");
      wg.Go("controller", [&controller, &ctx = ctx] { controller.Run(ctx); });
      all_done.Wait();
      virtual_ms =
          std::chrono::duration<double, std::milli>(sim::Now() - sim::Clock::Epoch()).count();
      cancel();
      wg.Wait();
      factory.Shutdown();
    });
    if (!r.Passed() || done != n) {
      state.SkipWithError("not every key was reconciled");
      break;
    }
  }
  state.counters["virtual_ms"] = virtual_ms;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}

BENCHMARK(BM_ControllerColdStart)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
