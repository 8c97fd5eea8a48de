// scenarios/test/conflicting_writers_test.cc
//
// S09: the correct writers pass every seed under random and pct, deterministically; each planted
// bug is found within its documented seed budget, and its failing seed fails the same way twice.
#include <optional>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/run.h>

namespace sc = bubble::scenarios;
namespace sim = bubble::sim;

namespace {

const sc::Scenario& S09() {
  return sc::GetScenario("conflicting-writers");
}

sc::RunConfig Config(std::uint64_t seed, sim::StrategyKind strategy, int depth = 3) {
  return {.seed = seed, .strategy = strategy, .pct_depth = depth};
}

}  // namespace

TEST_CASE("conflicting-writers: the correct writers lose no update, on every seed",
          "[scenarios][s09]") {
  const auto strategy =
      GENERATE(sim::StrategyKind::kRandom, sim::StrategyKind::kPct, sim::StrategyKind::kFifo);
  const auto latency = GENERATE(std::string("random"), std::string("none"));
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    sc::RunConfig c = Config(seed, strategy);
    c.set = {{"latency", latency}, {"writers", seed % 2 == 0 ? "2" : "3"}};
    const sim::RunResult a = sc::RunScenario(S09(), c);
    INFO(fmt::format("seed {} strategy {} latency {}", seed, sim::StrategyName(strategy), latency));
    INFO(a.report);
    REQUIRE(a.Passed());
    const sim::RunResult b = sc::RunScenario(S09(), c);
    REQUIRE(b.fingerprint == a.fingerprint);
  }
}

TEST_CASE("conflicting-writers: each planted bug is found within its seed budget",
          "[scenarios][s09]") {
  for (const sc::BugSpec& bug : S09().bugs) {
    std::optional<std::uint64_t> found;
    sim::RunResult failing;
    sc::RunConfig config;
    for (std::uint64_t seed = 1; seed <= bug.seed_budget && !found; ++seed) {
      const sc::PortfolioEntry e = sc::PortfolioFor(seed);
      config = Config(seed, e.strategy, e.pct_depth);
      config.bugs = {bug.name};
      failing = sc::RunScenario(S09(), config);
      if (!failing.Passed()) {
        found = seed;
      }
    }
    INFO("bug " << bug.name << " budget " << bug.seed_budget);
    REQUIRE(found.has_value());
    CHECK_THAT(failing.failure->message, Catch::Matchers::Contains("invariant"));
    CHECK_THAT(failing.report, Catch::Matchers::Contains("replay: bubble run conflicting-writers"));
    // The failing seed fails again, identically.
    const sim::RunResult again = sc::RunScenario(S09(), config);
    CHECK(!again.Passed());
    CHECK(again.fingerprint == failing.fingerprint);
    CHECK(again.failure->message == failing.failure->message);
  }
}

TEST_CASE("conflicting-writers: a bug's failing run replays from its decisions",
          "[scenarios][s09]") {
  sc::RunConfig c = Config(3, sim::StrategyKind::kRandom);
  c.bugs = {"no-conflict-check"};
  std::optional<sim::RunResult> failing;
  for (std::uint64_t seed = 1; seed <= 40 && !failing; ++seed) {
    c.seed = seed;
    sim::RunResult r = sc::RunScenario(S09(), c);
    if (!r.Passed()) {
      failing = std::move(r);
    }
  }
  REQUIRE(failing.has_value());
  sc::RunConfig replay = c;
  replay.strategy = sim::StrategyKind::kReplay;
  replay.replay = failing->decisions;
  const sim::RunResult again = sc::RunScenario(S09(), replay);
  CHECK(!again.Passed());
  CHECK(again.fingerprint == failing->fingerprint);
}
