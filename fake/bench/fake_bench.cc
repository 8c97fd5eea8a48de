// fake/bench/fake_bench.cc: throughput of the fake API server.
//
// Baselines in the same binary (read the rest as ratios): copying a ConfigMap, and inserting a
// shared pointer into a std::map. Everything else runs inside a bubble (trace in fingerprint
// mode, as in a sweep), with the watchers drained in the same fiber after each write, so a
// number is "write + deliver to N watches + receive". The last argument of the tracker, client
// and replay benchmarks is fake::Options::check_watches (the watch oracle): 1 on (the default),
// 0 off, so its cost reads off one binary.
//
//   ./build/default/fake/bubble_fake_bench --benchmark_repetitions=3 \
//       --benchmark_report_aggregates_only=true
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/fake/tracker.h>
#include <bubble/runtime/config_map.h>
#include <bubble/sim/bubble.h>

namespace {

namespace rt = bubble::runtime;
namespace sim = bubble::sim;
namespace fake = bubble::fake;

const rt::GroupVersionResource& Cms() {
  return rt::ConfigMap::StaticResource();
}

rt::ConfigMap Sample(std::string name) {
  return rt::ConfigMap(
      {.name = std::move(name), .namespace_ = "default", .labels = {{"app", "web"}}},
      {{"key", "value"}, {"other", "0123456789"}});
}

sim::Options BenchOptions() {
  sim::Options o;
  o.watchdog = std::chrono::milliseconds(0);
  return o;
}

// Runs `body` as the main fiber of a fresh bubble.
template <class Body>
void InBubble(benchmark::State& state, Body body) {
  sim::Bubble b(BenchOptions());
  const sim::RunResult r = b.Run([&] { body(); });
  if (!r.Passed()) {
    state.SkipWithError(r.report.c_str());
  }
}

void DrainAll(std::vector<rt::WatchPtr>& watches) {
  for (auto& w : watches) {
    while (auto ev = w->ResultChan().TryRecv()) {
      benchmark::DoNotOptimize(ev->object.get());
    }
  }
}

// ---- Baselines ------------------------------------------------------------------------------

void BM_Baseline_CopyConfigMap(benchmark::State& state) {
  const rt::ConfigMap cm = Sample("cm");
  for (auto _ : state) {
    rt::ConfigMap copy = cm;
    benchmark::DoNotOptimize(copy);
  }
}

BENCHMARK(BM_Baseline_CopyConfigMap);

void BM_Baseline_MapAssignSharedPtr(benchmark::State& state) {
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const rt::ConfigMap>> m;
  auto obj = std::make_shared<const rt::ConfigMap>(Sample("cm"));
  for (int i = 0; i < 1000; ++i) {
    m[{"default", fmt::format("cm{:05}", i)}] = obj;
  }
  int i = 0;
  for (auto _ : state) {
    m[{"default", fmt::format("cm{:05}", i++ % 1000)}] = obj;
  }
}

BENCHMARK(BM_Baseline_MapAssignSharedPtr);

fake::Options WithOracle(std::int64_t on) {
  fake::Options opts;
  opts.check_watches = on != 0;
  return opts;
}

// ---- Tracker writes with 0, 1, 10 watchers -----------------------------------------------------

void BM_TrackerUpdate(benchmark::State& state) {
  InBubble(state, [&] {
    fake::Tracker t(WithOracle(state.range(1)));
    (void)t.Add(Sample("cm"));
    std::vector<rt::WatchPtr> watches;
    for (int i = 0; i < state.range(0); ++i) {
      watches.push_back(*t.Watch(Cms(), i % 2 == 0 ? "" : "default", {}));
    }
    rt::ConfigMap next = Sample("cm");
    for (auto _ : state) {
      benchmark::DoNotOptimize(t.Update(Cms(), next, "default"));
      DrainAll(watches);
    }
  });
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_TrackerUpdate)->ArgsProduct({{0, 1, 10}, {0, 1}});

void BM_TrackerCreate(benchmark::State& state) {
  InBubble(state, [&] {
    auto t = std::make_unique<fake::Tracker>(WithOracle(state.range(1)));
    std::vector<rt::WatchPtr> watches;
    auto reset = [&] {
      watches.clear();
      t = std::make_unique<fake::Tracker>(WithOracle(state.range(1)));
      for (int i = 0; i < state.range(0); ++i) {
        watches.push_back(*t->Watch(Cms(), "", {}));
      }
    };
    reset();
    std::vector<rt::ConfigMap> batch;
    for (int i = 0; i < 10'000; ++i) {
      batch.push_back(Sample(fmt::format("cm{:05}", i)));
    }
    std::size_t n = 0;
    for (auto _ : state) {
      if (n == batch.size()) {
        state.PauseTiming();
        reset();
        n = 0;
        state.ResumeTiming();
      }
      benchmark::DoNotOptimize(t->Create(Cms(), batch[n++], "default"));
      DrainAll(watches);
    }
  });
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_TrackerCreate)->ArgsProduct({{0, 1, 10}, {0, 1}});

// ---- The same through the clientset (typed client, reactor chain, request trace) -------------

void BM_ClientUpdate(benchmark::State& state) {
  fake::Options opts = WithOracle(state.range(1));
  opts.record_actions = false;
  auto cs = fake::NewClientset(opts, Sample("cm"));
  InBubble(state, [&] {
    auto cms = cs->ConfigMaps("default");
    std::vector<rt::WatchPtr> watches;
    for (int i = 0; i < state.range(0); ++i) {
      watches.push_back(*cms.Watch());
    }
    rt::ConfigMap next = Sample("cm");
    for (auto _ : state) {
      benchmark::DoNotOptimize(cms.Update(next));
      DrainAll(watches);
    }
  });
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_ClientUpdate)->ArgsProduct({{0, 1, 10}, {0, 1}});

// ---- Reads of 10,000 objects
// ---------------------------------------------------------------------

constexpr int kMany = 10'000;

void Fill(fake::Tracker& t) {
  for (int i = 0; i < kMany; ++i) {
    (void)t.Add(rt::ConfigMap(
        {.name = fmt::format("cm{:05}", i), .namespace_ = fmt::format("ns{}", i % 10)},
        {{"k", "v"}}));
  }
}

void BM_TrackerList10k(benchmark::State& state) {
  fake::Tracker t;
  Fill(t);
  InBubble(state, [&] {
    for (auto _ : state) {
      auto list = t.List(Cms(), "");
      benchmark::DoNotOptimize(list->items.data());
    }
  });
  state.SetItemsProcessed(state.iterations() * kMany);
}

BENCHMARK(BM_TrackerList10k)->Unit(benchmark::kMicrosecond);

void BM_ClientList10k(benchmark::State& state) {
  fake::Options opts;
  opts.record_actions = false;
  auto cs = std::make_shared<fake::Clientset>(opts);
  Fill(cs->GetTracker());
  InBubble(state, [&] {
    auto cms = cs->ConfigMaps("");
    for (auto _ : state) {
      auto list = cms.List();  // typed: 10,000 shared_ptr<const ConfigMap>
      benchmark::DoNotOptimize(list->items.data());
    }
  });
  state.SetItemsProcessed(state.iterations() * kMany);
}

BENCHMARK(BM_ClientList10k)->Unit(benchmark::kMicrosecond);

void BM_WatchReplay10k(benchmark::State& state) {
  fake::Options opts = WithOracle(state.range(0));
  opts.watch_buffer = 2 * kMany;
  fake::Tracker t(opts);
  Fill(t);
  InBubble(state, [&] {
    for (auto _ : state) {
      auto w = t.Watch(Cms(), "", {.resource_version = "0"});
      std::vector<rt::WatchPtr> one{*w};
      DrainAll(one);
      (*w)->Stop();
    }
  });
  state.SetItemsProcessed(state.iterations() * kMany);
}

BENCHMARK(BM_WatchReplay10k)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
