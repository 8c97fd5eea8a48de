// tools/test/convergence_test.cc: `bubble sweep --check-convergence` (convergence_tally.h).
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/config_map.h>
#include <bubble/scenarios/convergence.h>

#include "convergence_tally.h"
#include "sweep.h"

namespace t = bubble::cli;
namespace sc = bubble::scenarios;
namespace sim = bubble::sim;
namespace rt = bubble::runtime;

namespace {

// Writes ConfigMap default/result: data["value"] is "fixed", or (divergent) drawn from the
// seed's generator; declared convergent either way.
sc::Scenario Writer(std::string name, bool divergent) {
  sc::Scenario s;
  s.name = std::move(name);
  s.description = "writes one ConfigMap";
  s.convergent = true;
  s.body = [divergent](const sc::ScenarioContext& ctx) -> sim::Task {
    auto cs = bubble::fake::NewClientset();
    ctx.Liveness().Track(cs);
    return [cs, divergent] {
      const std::string value =
          divergent ? fmt::format("v{}", sim::Rand().UniformInRange(0, 1)) : "fixed";
      auto made = cs->ConfigMaps("default").Create(
          rt::ConfigMap({.name = "result", .namespace_ = "default"}, {{"value", value}}));
      REQUIRE(made.has_value());
    };
  };
  return s;
}

// Sweeps seeds 1..8 of `s` with --check-convergence on 2 jobs; returns the tally's text.
std::string Sweep(const sc::Scenario& s, bool* ok) {
  t::SweepSpec spec;
  spec.scenarios = {&s};
  spec.seeds = {1, 8};
  spec.check_convergence = true;
  const t::SweepPlan plan = t::PlanSweep(spec);
  REQUIRE(plan.groups[0].check_convergence);
  t::ConvergenceTally tally(plan);
  t::ExecuteOptions o;
  o.jobs = 2;
  o.on_result = [&tally](const t::SweepItem& item, t::ItemResult&& r) {
    CHECK(r.state == t::ItemState::kPassed);
    CHECK(r.state_hash.size() == 16);
    tally.Add(item, r.state_hash);
  };
  t::ExecuteSweep(plan, t::RunItem, o);
  *ok = tally.Ok(0);
  return tally.Text();
}

}  // namespace

TEST_CASE("sweep --check-convergence passes a scenario whose seeds all end in one state",
          "[cli][convergence]") {
  const sc::Scenario s = Writer("fixed-writer", false);
  bool ok = false;
  const std::string text = Sweep(s, &ok);
  CHECK(ok);
  CHECK(text == "convergence: fixed-writer: 8 passing seed(s), one final state\n");
}

TEST_CASE("sweep --check-convergence fails a divergent scenario with a diff naming both seeds",
          "[cli][convergence]") {
  const sc::Scenario s = Writer("random-writer", true);
  bool ok = true;
  const std::string text = Sweep(s, &ok);
  INFO(text);
  CHECK_FALSE(ok);
  CHECK_THAT(text, Catch::StartsWith("convergence: random-writer: NOT CONVERGENT: 2 distinct "
                                     "final states in 8 passing seeds\nfinal server states "
                                     "differ between seed 1 and seed "));
  CHECK_THAT(text, Catch::Contains("  seed 1: bubble run random-writer --seed 1 --strategy pct"));
  CHECK_THAT(text, Catch::Contains("@@ v1/configmaps default/result\n"));
  CHECK_THAT(text, Catch::Contains("\n-    \"value\": \"v"));
  CHECK_THAT(text, Catch::Contains("\n+    \"value\": \"v"));
}

TEST_CASE("sweep --check-convergence is a usage error on a scenario that is not convergent",
          "[cli][convergence]") {
  CHECK(sc::ConvergenceUsage(sc::GetScenario("status-ping-pong")).empty());
  CHECK(sc::ConvergenceUsage(sc::GetScenario("conflicting-writers")) ==
        "--check-convergence: scenario \"conflicting-writers\" is not convergent (its final "
        "state may depend on the schedule); check only scenarios that declare "
        "Scenario::convergent");
}
