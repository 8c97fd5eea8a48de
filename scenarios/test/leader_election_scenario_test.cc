// scenarios/test/leader_election_scenario_test.cc
//
// S12 (leader-election): the correct candidates keep one leader at a time and elect a new one in
// time on every seed under random and pct, deterministically; each planted bug is found within
// its documented seed budget, and its failing seed fails again the same way.
#include <cstdint>
#include <optional>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/run.h>

namespace sc = bubble::scenarios;
namespace sim = bubble::sim;

namespace {

const sc::Scenario& S12() {
  return sc::GetScenario("leader-election");
}

}  // namespace

TEST_CASE("leader-election: one leader at a time, elected in time, on every seed",
          "[scenarios][s12]") {
  const auto strategy = GENERATE(sim::StrategyKind::kRandom, sim::StrategyKind::kPct);
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const sc::RunConfig c{.seed = seed, .strategy = strategy, .pct_depth = seed % 2 == 0 ? 2 : 3};
    const sim::RunResult a = sc::RunScenario(S12(), c);
    INFO(fmt::format("seed {} strategy {}", seed, sim::StrategyName(strategy)));
    INFO(a.report);
    REQUIRE(a.Passed());
    const sim::RunResult b = sc::RunScenario(S12(), c);
    REQUIRE(b.fingerprint == a.fingerprint);
  }
}

TEST_CASE("leader-election: other timings and latencies keep the invariants", "[scenarios][s12]") {
  const auto latency = GENERATE(std::string("0"), std::string("1000"));
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const sc::PortfolioEntry e = sc::PortfolioFor(seed);
    sc::RunConfig c{.seed = seed, .strategy = e.strategy, .pct_depth = e.pct_depth};
    c.set = {{"latency-ms", latency}, {"run-seconds", "300"}};
    const sim::RunResult r = sc::RunScenario(S12(), c);
    INFO(fmt::format("seed {} latency-ms {}", seed, latency));
    INFO(r.report);
    REQUIRE(r.Passed());
  }
}

TEST_CASE("leader-election: each planted bug is found within its seed budget", "[scenarios][s12]") {
  for (const sc::BugSpec& bug : S12().bugs) {
    std::optional<std::uint64_t> found;
    sim::RunResult failing;
    sc::RunConfig config;
    for (std::uint64_t seed = 1; seed <= bug.seed_budget && !found; ++seed) {
      const sc::PortfolioEntry e = sc::PortfolioFor(seed);
      config = {.seed = seed, .strategy = e.strategy, .pct_depth = e.pct_depth, .bugs = {bug.name}};
      failing = sc::RunScenario(S12(), config);
      if (!failing.Passed()) {
        found = seed;
      }
    }
    INFO("bug " << bug.name << " budget " << bug.seed_budget);
    REQUIRE(found.has_value());
    const std::string want = bug.name == "no-conflict-check"
                                 ? "invariant single-leader violated"
                                 : "invariant writes-only-by-leader violated";
    CHECK_THAT(failing.failure->message, Catch::Matchers::Contains(want));
    CHECK_THAT(failing.report, Catch::Matchers::Contains("replay: bubble run leader-election"));
    // The failing seed fails again, identically.
    const sim::RunResult again = sc::RunScenario(S12(), config);
    CHECK(!again.Passed());
    CHECK(again.fingerprint == failing.fingerprint);
    CHECK(again.failure->message == failing.failure->message);
  }
}

TEST_CASE("leader-election: a split brain replays from its decisions", "[scenarios][s12]") {
  std::optional<sim::RunResult> failing;
  sc::RunConfig c{.seed = 1, .strategy = sim::StrategyKind::kRandom, .bugs = {"no-conflict-check"}};
  for (std::uint64_t seed = 1; seed <= 200 && !failing; ++seed) {
    c.seed = seed;
    sim::RunResult r = sc::RunScenario(S12(), c);
    if (!r.Passed()) {
      failing = std::move(r);
    }
  }
  REQUIRE(failing.has_value());
  sc::RunConfig replay = c;
  replay.strategy = sim::StrategyKind::kReplay;
  replay.replay = failing->decisions;
  const sim::RunResult again = sc::RunScenario(S12(), replay);
  CHECK(!again.Passed());
  CHECK(again.fingerprint == failing->fingerprint);
}
