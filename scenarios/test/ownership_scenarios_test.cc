// scenarios/test/ownership_scenarios_test.cc
//
// S13 finalizer-race, S14 orphan-adoption and S15 recreated-same-name (the scenarios of
// ownership, finalizers and the fake's garbage collector): correct variants pass every seed
// deterministically; planted bugs are found within budget, replay, and fail the invariant they
// are planted against.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "scenario_checks.h"

namespace {

using bubble::scenarios::testing::CheckBugs;
using bubble::scenarios::testing::CheckCorrect;
using Settings = std::vector<std::pair<std::string, std::string>>;
namespace sc = bubble::scenarios;

// The first run of `bug` that fails within its budget (default portfolio) names `invariant`.
void CheckNames(const std::string& scenario, const std::string& bug, const std::string& invariant) {
  const sc::Scenario& s = sc::GetScenario(scenario);
  std::uint64_t budget = 0;
  for (const sc::BugSpec& b : s.bugs) {
    if (b.name == bug) {
      budget = b.seed_budget;
    }
  }
  REQUIRE(budget > 0);
  for (std::uint64_t seed = 1; seed <= budget; ++seed) {
    const sc::PortfolioEntry e = sc::PortfolioFor(seed);
    const bubble::sim::RunResult r = sc::RunScenario(
        s, {.seed = seed, .strategy = e.strategy, .pct_depth = e.pct_depth, .bugs = {bug}});
    if (!r.Passed()) {
      INFO(r.report);
      REQUIRE(r.failure.has_value());
      CHECK(r.failure->message.find(fmt::format("invariant {} violated", invariant)) !=
            std::string::npos);
      return;
    }
  }
  FAIL(fmt::format("{} --bug {} not found in {} seeds", scenario, bug, budget));
}

}  // namespace

TEST_CASE("finalizer-race: no external state leaks and nothing stays terminating",
          "[scenarios][s13]") {
  CheckCorrect("finalizer-race", 100, [](std::uint64_t seed) {
    return Settings{{"apps", std::to_string(1 + seed % 4)},
                    {"update-errors", seed % 3 == 0 ? "0" : "20"}};
  });
}

TEST_CASE("finalizer-race: planted bugs are found within budget and name their invariant",
          "[scenarios][s13]") {
  CheckBugs("finalizer-race");
  CheckNames("finalizer-race", "external-before-finalizer", "no-orphaned-external-state");
  CheckNames("finalizer-race", "not-found-is-failure", "terminating-objects-go");
}

TEST_CASE("orphan-adoption: orphans are adopted by the new owner and never deleted",
          "[scenarios][s14]") {
  CheckCorrect("orphan-adoption", 100, [](std::uint64_t seed) {
    return Settings{{"children", std::to_string(1 + seed % 4)}};
  });
}

TEST_CASE("orphan-adoption: planted bugs are found within budget and name their invariant",
          "[scenarios][s14]") {
  CheckBugs("orphan-adoption");
  CheckNames("orphan-adoption", "adopt-from-cache", "adoption-via-fresh-read");
  CheckNames("orphan-adoption", "gc-trusts-graph", "orphans-never-deleted");
}

TEST_CASE("recreated-same-name: the new UID converges and the old one's child is collected",
          "[scenarios][s15]") {
  CheckCorrect("recreated-same-name", 100);
}

TEST_CASE("recreated-same-name: planted bugs are found within budget and name their invariant",
          "[scenarios][s15]") {
  CheckBugs("recreated-same-name");
  CheckNames("recreated-same-name", "stale-owner", "no-stale-owner-write");
  CheckNames("recreated-same-name", "adopt-by-name", "no-stale-owner-write");
}
