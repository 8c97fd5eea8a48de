// S17 status-ping-pong and S11 resync-storm: the correct variants pass, every planted bug is
// found within its budget, and the liveness bugs fail as not converged with the writers named.
#include <catch2/catch.hpp>

#include <bubble/scenarios/convergence.h>
#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/run.h>

#include "scenario_checks.h"

namespace sc = bubble::scenarios;
namespace sim = bubble::sim;

namespace {

sim::RunResult FirstFailure(const std::string& name, const std::string& bug,
                            const std::string& latency) {
  const sc::Scenario& s = sc::GetScenario(name);
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const sc::PortfolioEntry e = sc::PortfolioFor(seed);
    sim::RunResult r = sc::RunScenario(s, {.seed = seed,
                                           .strategy = e.strategy,
                                           .pct_depth = e.pct_depth,
                                           .bugs = {bug},
                                           .set = {{"latency", latency}}});
    if (!r.Passed()) {
      return r;
    }
  }
  FAIL("bug " << bug << " not found in 20 seeds");
  return {};
}

}  // namespace

TEST_CASE("status-ping-pong: the correct variant settles, with and without latency",
          "[scenarios][liveness]") {
  sc::testing::CheckCorrect("status-ping-pong", 25, [](std::uint64_t seed) {
    return std::vector<std::pair<std::string, std::string>>{
        {"latency", seed % 2 == 0 ? "random" : "none"}};
  });
}

TEST_CASE("status-ping-pong: each planted bug is found within its budget",
          "[scenarios][liveness]") {
  sc::testing::CheckBugs("status-ping-pong");
}

TEST_CASE("status-ping-pong: both bugs fail as not converged, naming the writers",
          "[scenarios][liveness]") {
  for (const std::string bug : {"ping-pong", "self-trigger"}) {
    for (const std::string latency : {"none", "random"}) {
      const sim::RunResult r = FirstFailure("status-ping-pong", bug, latency);
      INFO(bug << " latency=" << latency << "\n" << r.report);
      REQUIRE(r.failure.has_value());
      CHECK(r.failure->kind == sim::FailureKind::kNotConverged);
      const std::string& m = r.failure->message;
      CHECK_THAT(m, Catch::Contains("widgets.example.com/status default/w"));
      CHECK_THAT(m, Catch::Contains("status-writer/worker-0"));
      if (bug == "ping-pong") {
        CHECK_THAT(m, Catch::Contains("normaliser/worker-0"));  // the pair
      }
      if (latency == "random") {
        // Time moves: the settle phase ends it, with the rate per virtual second.
        CHECK_THAT(m, Catch::Contains("invariant quiescent-after-faults violated"));
        CHECK_THAT(m, Catch::Contains("/s)  status-writer/worker-0"));
      }
      CHECK_THAT(r.report, Catch::Contains("replay: bubble run status-ping-pong"));
      CHECK(r.end_time - sim::Clock::Epoch() <= std::chrono::seconds(12));
    }
  }
}

TEST_CASE("status-ping-pong: every seed ends in the same state (convergent)",
          "[scenarios][liveness][convergence]") {
  const sc::Scenario& s = sc::GetScenario("status-ping-pong");
  REQUIRE(s.convergent);
  std::optional<sc::FinalState> first;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const sc::FinalState f = sc::RunForFinalState(sc::ResolveRun(s, {.seed = seed}));
    REQUIRE(f.result.Passed());
    REQUIRE_FALSE(f.state.objects.empty());
    if (!first) {
      first = f;
    }
    CHECK(f.hash == first->hash);
  }
}

TEST_CASE("resync-storm: the correct variant passes", "[scenarios][resync]") {
  sc::testing::CheckCorrect("resync-storm", 10);
}

TEST_CASE("resync-storm: each planted bug is found within its budget", "[scenarios][resync]") {
  sc::testing::CheckBugs("resync-storm");
}
