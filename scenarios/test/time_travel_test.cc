// scenarios/test/time_travel_test.cc
//
// S08 time-travel: the correct controller passes every seed whatever apiserver-2's lag; each
// planted bug is found within its budget and names the invariant it breaks; and it is the stale
// API server that exposes them: with a lag of 0 the buggy controllers pass.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/run.h>

#include "scenario_checks.h"

namespace sc = bubble::scenarios;
namespace sim = bubble::sim;

TEST_CASE("time-travel: the correct controller never deletes a live object's data",
          "[scenarios][s08]") {
  sc::testing::CheckCorrect("time-travel", 60, [](std::uint64_t seed) {
    const char* lags[] = {"3000", "0", "10000"};
    return std::vector<std::pair<std::string, std::string>>{{"max-lag-ms", lags[seed % 3]}};
  });
}

TEST_CASE("time-travel: each planted bug is found within its seed budget", "[scenarios][s08]") {
  sc::testing::CheckBugs("time-travel");
  const sc::Scenario& s = sc::GetScenario("time-travel");
  for (const sc::BugSpec& bug : s.bugs) {
    const sim::RunResult r = sc::RunScenario(s, {.seed = 1, .bugs = {bug.name}});
    INFO(bug.name);
    REQUIRE(r.failure.has_value());
    CHECK(
        r.failure->message.starts_with("invariant verified-owner violated: the controller "
                                       "deleted default/dc1-data, the data of the live "
                                       "DataCenter dc1"));
  }
}

TEST_CASE("time-travel: without a lagging API server the planted bugs stay hidden",
          "[scenarios][s08]") {
  const sc::Scenario& s = sc::GetScenario("time-travel");
  for (const sc::BugSpec& bug : s.bugs) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      const sim::RunResult r =
          sc::RunScenario(s, {.seed = seed, .bugs = {bug.name}, .set = {{"max-lag-ms", "0"}}});
      INFO(fmt::format("bug {} seed {}", bug.name, seed));
      INFO(r.report);
      CHECK(r.Passed());
    }
  }
}
