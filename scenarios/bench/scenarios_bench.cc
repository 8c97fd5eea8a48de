// scenarios/bench/scenarios_bench.cc: the scenario suite's speed and its power to find bugs.
//
//   ./build/default/scenarios/bubble_scenarios_bench --benchmark_counters_tabular=true
//
// Baseline in the same binary: an empty bubble run. BM_Scenario/<name> runs one scenario's
// correct variant, one fresh bubble per run, seeds rotating through the default portfolio
// (items/s = runs per second on one core: what one sweep job does).
//
// BM_SeedsToFirstFailure/<scenario>/<bug>/<strategy> is the measure of how good bubble is at
// finding bugs: for 20 sweeps starting at seeds 1, 1001, 2001, ..., the number of seeds each
// sweep runs until the first failure (the failing seed counts); the counters are the median and
// the worst of the 20. Strategy "random" is uniform random scheduling; "pct" is PCT depth 3.
// Its time column is meaningless (it does a fixed amount of work once).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/run.h>
#include <bubble/sim/bubble.h>

namespace {

namespace sc = bubble::scenarios;
namespace sim = bubble::sim;

void BM_EmptyBubble(benchmark::State& state) {
  std::uint64_t seed = 0;
  for (auto _ : state) {
    sim::Bubble b(
        {.seed = ++seed, .strategy = sim::StrategyKind::kRandom, .log_level = sim::LogLevel::kOff});
    auto r = b.Run([] {});
    benchmark::DoNotOptimize(r.fingerprint);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

BENCHMARK(BM_EmptyBubble);

void RunScenario(benchmark::State& state, const sc::Scenario* scenario) {
  std::uint64_t seed = 0;
  for (auto _ : state) {
    ++seed;
    const sc::PortfolioEntry p = sc::PortfolioFor(seed);
    auto r = sc::RunScenario(*scenario,
                             {.seed = seed, .strategy = p.strategy, .pct_depth = p.pct_depth});
    if (!r.Passed()) {
      state.SkipWithError("a correct scenario failed");
      break;
    }
    benchmark::DoNotOptimize(r.fingerprint);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

std::uint64_t SeedsToFailure(const sc::Scenario& scenario, const std::string& bug,
                             sim::StrategyKind strategy, std::uint64_t first, std::uint64_t cap) {
  for (std::uint64_t n = 1; n <= cap; ++n) {
    auto r = sc::RunScenario(
        scenario, {.seed = first + n - 1, .strategy = strategy, .pct_depth = 3, .bugs = {bug}});
    if (!r.Passed()) {
      return n;
    }
  }
  return cap + 1;  // not found within the cap
}

void SeedsToFirstFailure(benchmark::State& state, const sc::Scenario* scenario, std::string bug,
                         sim::StrategyKind strategy) {
  constexpr int kSweeps = 20;
  constexpr std::uint64_t kCap = 2000;
  std::vector<std::uint64_t> found;
  for (auto _ : state) {
    found.clear();
    for (int i = 0; i < kSweeps; ++i) {
      found.push_back(
          SeedsToFailure(*scenario, bug, strategy, 1 + 1000 * static_cast<std::uint64_t>(i), kCap));
    }
  }
  std::sort(found.begin(), found.end());
  state.counters["median_seeds"] =
      static_cast<double>(found[kSweeps / 2 - 1] + found[kSweeps / 2]) / 2;
  state.counters["worst_seeds"] = static_cast<double>(found.back());
}

int RegisterAll() {
  for (const sc::Scenario& s : sc::BuiltinScenarios()) {
    benchmark::RegisterBenchmark(("BM_Scenario/" + s.name).c_str(), RunScenario, &s);
    for (const sc::BugSpec& bug : s.bugs) {
      for (auto [name, kind] : {std::pair{"random", sim::StrategyKind::kRandom},
                                std::pair{"pct", sim::StrategyKind::kPct}}) {
        benchmark::RegisterBenchmark(
            ("BM_SeedsToFirstFailure/" + s.name + "/" + bug.name + "/" + name).c_str(),
            SeedsToFirstFailure, &s, bug.name, kind)
            ->Iterations(1)
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  return 0;
}

const int registered = RegisterAll();

}  // namespace
