// scenarios/test/informer_scenarios_test.cc
//
// S04-S07, the informer-level scenarios: each correct variant passes every seed under random and
// pct, with both FIFOs, deterministically (equal fingerprints on a rerun); each planted bug is
// found within its documented seed budget under the default portfolio, and its failing seed fails
// again with the same fingerprint and message.
#include <optional>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/run.h>

namespace sc = bubble::scenarios;
namespace sim = bubble::sim;

namespace {

constexpr std::uint64_t kCorrectSeeds = 120;  // per strategy: 240 seeds per scenario

sc::RunConfig Config(std::uint64_t seed, sim::StrategyKind strategy, int depth = 3) {
  return {.seed = seed, .strategy = strategy, .pct_depth = depth};
}

void CheckCorrect(const std::string& name) {
  const sc::Scenario& s = sc::GetScenario(name);
  for (const sim::StrategyKind strategy : {sim::StrategyKind::kRandom, sim::StrategyKind::kPct}) {
    for (std::uint64_t seed = 1; seed <= kCorrectSeeds; ++seed) {
      sc::RunConfig c = Config(seed, strategy, seed % 2 == 0 ? 2 : 3);
      c.set = {{"fifo", seed % 3 == 0 ? "delta" : "real"}};
      const sim::RunResult a = sc::RunScenario(s, c);
      INFO(fmt::format("{} seed {} strategy {}", name, seed, sim::StrategyName(strategy)));
      INFO(a.report);
      REQUIRE(a.Passed());
      const sim::RunResult b = sc::RunScenario(s, c);
      REQUIRE(b.fingerprint == a.fingerprint);
    }
  }
}

void CheckBugs(const std::string& name) {
  const sc::Scenario& s = sc::GetScenario(name);
  REQUIRE_FALSE(s.bugs.empty());
  for (const sc::BugSpec& bug : s.bugs) {
    std::optional<std::uint64_t> found;
    sim::RunResult failing;
    sc::RunConfig config;
    for (std::uint64_t seed = 1; seed <= bug.seed_budget && !found; ++seed) {
      const sc::PortfolioEntry e = sc::PortfolioFor(seed);
      config = Config(seed, e.strategy, e.pct_depth);
      config.bugs = {bug.name};
      failing = sc::RunScenario(s, config);
      if (!failing.Passed()) {
        found = seed;
      }
    }
    INFO(fmt::format("{} bug {} budget {}", name, bug.name, bug.seed_budget));
    REQUIRE(found.has_value());
    REQUIRE(failing.failure.has_value());
    CHECK(failing.failure->message.find("invariant ") != std::string::npos);
    // The failing seed fails again, the same way.
    const sim::RunResult again = sc::RunScenario(s, config);
    REQUIRE_FALSE(again.Passed());
    CHECK(again.fingerprint == failing.fingerprint);
    CHECK(again.failure->message == failing.failure->message);
  }
}

}  // namespace

TEST_CASE("relist-with-queued-events: the correct consumer leaks nothing, on every seed",
          "[scenarios][s04]") {
  CheckCorrect("relist-with-queued-events");
}

TEST_CASE("relist-with-queued-events: each planted bug is found within its seed budget",
          "[scenarios][s04]") {
  CheckBugs("relist-with-queued-events");
}

TEST_CASE("missed-delete-tombstone: the correct consumer unwraps every tombstone, on every seed",
          "[scenarios][s05]") {
  CheckCorrect("missed-delete-tombstone");
}

TEST_CASE("missed-delete-tombstone: each planted bug is found within its seed budget",
          "[scenarios][s05]") {
  CheckBugs("missed-delete-tombstone");
}

TEST_CASE("relist-swallowed-update: the consumer sees every change, on every seed",
          "[scenarios][s06]") {
  CheckCorrect("relist-swallowed-update");
}

TEST_CASE("relist-swallowed-update: each planted bug is found within its seed budget",
          "[scenarios][s06]") {
  CheckBugs("relist-swallowed-update");
}

TEST_CASE("gone-and-bookmarks: bookmarks keep the informer from relisting, on every seed",
          "[scenarios][s07]") {
  CheckCorrect("gone-and-bookmarks");
}

TEST_CASE("gone-and-bookmarks: each planted bug is found within its seed budget",
          "[scenarios][s07]") {
  CheckBugs("gone-and-bookmarks");
}
