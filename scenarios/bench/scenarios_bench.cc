// scenarios/bench/scenarios_bench.cc: the scenario suite's speed, and what preemption points cost.
//
//   ./build/default/scenarios/bubble_scenarios_bench --benchmark_counters_tabular=true
//
// Baseline in the same binary: an empty bubble run. BM_Scenario/<name>/<preempt> runs one
// scenario's correct variant, one fresh bubble per run, seeds rotating through the default
// portfolio (items/s = runs per second on one core: what one sweep job does), with every kind of
// preemption point (`all`, the default) and with none (`none`: only blocking, spawns and exits
// switch fibers). The counters are the mean steps and decisions per run: their ratio between the
// two rows is what the points add to a run.
//
// How fast the strategies find the planted bugs is `bubble hunt` (scripts/bug-table).
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

void RunScenario(benchmark::State& state, const sc::Scenario* scenario, sim::PreemptSet preempt) {
  std::uint64_t seed = 0;
  std::uint64_t steps = 0;
  std::uint64_t decisions = 0;
  for (auto _ : state) {
    ++seed;
    const sc::PortfolioEntry p = sc::PortfolioFor(seed);
    auto r = sc::RunScenario(*scenario, {.seed = seed,
                                         .strategy = p.strategy,
                                         .pct_depth = p.pct_depth,
                                         .preempt = preempt});
    if (!r.Passed()) {
      state.SkipWithError("a correct scenario failed");
      break;
    }
    steps += r.steps;
    decisions += r.decisions.size();
    benchmark::DoNotOptimize(r.fingerprint);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  const auto runs = static_cast<double>(std::max<std::uint64_t>(seed, 1));
  state.counters["steps"] = static_cast<double>(steps) / runs;
  state.counters["decisions"] = static_cast<double>(decisions) / runs;
}

int RegisterAll() {
  for (const sc::Scenario& s : sc::BuiltinScenarios()) {
    for (const sim::PreemptSet preempt : {sim::PreemptSet::All(), sim::PreemptSet::None()}) {
      benchmark::RegisterBenchmark(
          ("BM_Scenario/" + s.name + "/" + (preempt == sim::PreemptSet::All() ? "all" : "none"))
              .c_str(),
          RunScenario, &s, preempt);
    }
  }
  return 0;
}

const int registered = RegisterAll();

}  // namespace
