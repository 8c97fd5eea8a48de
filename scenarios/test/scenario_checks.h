// scenarios/test/scenario_checks.h
//
// The two checks every scenario's tests make: the correct variant passes every seed under random
// and pct, deterministically (equal fingerprints on a rerun); each planted bug is found within
// its documented seed budget under the default portfolio, and its failing seed fails again with
// the same fingerprint and message.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/run.h>

namespace bubble::scenarios::testing {

// --set values for a seed (to vary options across a sweep); empty: defaults.
using SettingsFor =
    std::function<std::vector<std::pair<std::string, std::string>>(std::uint64_t seed)>;

inline void CheckCorrect(const std::string& name, std::uint64_t seeds_per_strategy,
                         const SettingsFor& settings = {}) {
  const Scenario& s = GetScenario(name);
  for (const sim::StrategyKind strategy : {sim::StrategyKind::kRandom, sim::StrategyKind::kPct}) {
    for (std::uint64_t seed = 1; seed <= seeds_per_strategy; ++seed) {
      RunConfig c{.seed = seed, .strategy = strategy, .pct_depth = seed % 2 == 0 ? 2 : 3};
      if (settings) {
        c.set = settings(seed);
      }
      const sim::RunResult a = RunScenario(s, c);
      INFO(fmt::format("{} seed {} strategy {}", name, seed, sim::StrategyName(strategy)));
      INFO(a.report);
      REQUIRE(a.Passed());
      const sim::RunResult b = RunScenario(s, c);
      REQUIRE(b.fingerprint == a.fingerprint);
    }
  }
}

inline void CheckBugs(const std::string& name) {
  const Scenario& s = GetScenario(name);
  REQUIRE_FALSE(s.bugs.empty());
  for (const BugSpec& bug : s.bugs) {
    std::optional<std::uint64_t> found;
    sim::RunResult failing;
    RunConfig config;
    for (std::uint64_t seed = 1; seed <= bug.seed_budget && !found; ++seed) {
      const PortfolioEntry e = PortfolioFor(seed);
      config = {.seed = seed, .strategy = e.strategy, .pct_depth = e.pct_depth, .bugs = {bug.name}};
      failing = RunScenario(s, config);
      if (!failing.Passed()) {
        found = seed;
      }
    }
    INFO(fmt::format("{} bug {} budget {}", name, bug.name, bug.seed_budget));
    REQUIRE(found.has_value());
    REQUIRE(failing.failure.has_value());
    CHECK(failing.failure->message.find("invariant ") != std::string::npos);
    const sim::RunResult again = RunScenario(s, config);
    REQUIRE_FALSE(again.Passed());
    CHECK(again.fingerprint == failing.fingerprint);
    CHECK(again.failure->message == failing.failure->message);
  }
}

}  // namespace bubble::scenarios::testing
