// tools/test/sweep_test.cc
#include "sweep.h"

#include <csignal>
#include <cstdlib>

#include <catch2/catch.hpp>

namespace t = bubble::cli;
namespace sc = bubble::scenarios;
namespace sim = bubble::sim;

namespace {

const sc::Scenario* S09() {
  return &sc::GetScenario("conflicting-writers");
}

}  // namespace

TEST_CASE("PlanSweep: the portfolio alternates strategies and shards split by seed mod N",
          "[tools][sweep]") {
  t::SweepSpec spec{.scenarios = {S09()}, .seeds = {1, 10}, .shard = {1, 3}};
  const t::SweepPlan plan = t::PlanSweep(spec);
  REQUIRE(plan.groups.size() == 1);
  std::vector<std::uint64_t> seeds;
  for (const t::SweepItem& item : plan.items) {
    seeds.push_back(item.seed);
    CHECK(item.strategy == sc::PortfolioFor(item.seed).strategy);
  }
  CHECK(seeds == std::vector<std::uint64_t>{1, 4, 7, 10});
  CHECK(t::RunCommandFor(plan, plan.items[0]) ==
        "bubble run conflicting-writers --seed 1 --strategy pct --pct-depth 2");
}

TEST_CASE("PlanSweep: a fixed strategy, bugs and options reach every item", "[tools][sweep]") {
  t::SweepSpec spec{.scenarios = {S09()},
                    .bugs = {"no-retry"},
                    .set = {{"writers", "3"}},
                    .seeds = {5, 6},
                    .strategy = sim::StrategyKind::kFifo};
  const t::SweepPlan plan = t::PlanSweep(spec);
  REQUIRE(plan.items.size() == 2);
  CHECK(plan.items[1].strategy == sim::StrategyKind::kFifo);
  CHECK(t::RunCommandFor(plan, plan.items[1]) ==
        "bubble run conflicting-writers --seed 6 --strategy fifo --bug no-retry --set writers=3");
  spec.bugs = {"nope"};
  CHECK_THROWS_AS(t::PlanSweep(spec), sc::ConfigError);
}

TEST_CASE("PlanSweep: --with-bugs adds one whole hunt per bug, hunts spread over shards",
          "[tools][sweep]") {
  t::SweepSpec spec{.scenarios = {S09()}, .seeds = {1, 4}, .with_bugs = true};
  const t::SweepPlan plan = t::PlanSweep(spec);
  REQUIRE(plan.groups.size() == 1 + S09()->bugs.size());
  CHECK(plan.groups[1].hunt == S09()->bugs[0].name);
  std::size_t hunt_items = 0;
  for (const t::SweepItem& item : plan.items) {
    hunt_items += plan.groups[item.group].hunt ? 1 : 0;
  }
  std::size_t budgets = 0;
  for (const sc::BugSpec& b : S09()->bugs) {
    budgets += b.seed_budget;
  }
  CHECK(hunt_items == budgets);
  spec.shard = {1, 2};
  const t::SweepPlan sharded = t::PlanSweep(spec);
  REQUIRE(sharded.groups.size() >= 2);
  CHECK(sharded.groups[1].hunt == S09()->bugs[1].name);  // hunt 1 of 0,1,2 is shard 1's
}

TEST_CASE("ExecuteSweep runs items in workers and survives a crashing seed", "[tools][sweep]") {
  t::SweepSpec spec{.scenarios = {S09()}, .seeds = {1, 12}};
  const t::SweepPlan plan = t::PlanSweep(spec);
  auto runner = [](const t::SweepPlan&, const t::SweepItem& item) {
    if (item.seed == 5) {
      std::signal(SIGABRT, SIG_DFL);  // not Catch2's handler: die as a crashing seed would
      std::abort();
    }
    t::ItemResult r;
    r.state = item.seed == 9 ? t::ItemState::kFailed : t::ItemState::kPassed;
    r.fingerprint = "0000000000000000";
    r.message = item.seed == 9 ? "invariant failed: x" : "";
    return r;
  };
  std::size_t last_done = 0;
  const auto results = t::ExecuteSweep(
      plan, runner, {.jobs = 2, .batch_size = 4, .progress = [&](std::size_t done, std::size_t) {
                       last_done = done;
                     }});
  REQUIRE(results.size() == 12);
  CHECK(last_done == 12);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const std::uint64_t seed = plan.items[i].seed;
    INFO("seed " << seed);
    if (seed == 5) {
      CHECK(results[i].state == t::ItemState::kFailed);
      CHECK_THAT(results[i].message, Catch::Matchers::Contains("signal 6"));
    } else if (seed == 9) {
      CHECK(results[i].state == t::ItemState::kFailed);
    } else {
      CHECK(results[i].state == t::ItemState::kPassed);
    }
  }
}

TEST_CASE("ExecuteSweep: a hunt stops at its first failing seed", "[tools][sweep]") {
  t::SweepSpec spec{.scenarios = {S09()}, .seeds = {1, 1}, .with_bugs = true};
  const t::SweepPlan plan = t::PlanSweep(spec);
  auto runner = [](const t::SweepPlan&, const t::SweepItem& item) {
    t::ItemResult r;
    r.state = item.seed >= 2 ? t::ItemState::kFailed : t::ItemState::kPassed;
    return r;
  };
  const auto results = t::ExecuteSweep(plan, runner, {.jobs = 1, .batch_size = 1});
  const auto outcomes = t::Summarize(plan, results);
  for (std::size_t g = 1; g < plan.groups.size(); ++g) {
    CHECK(outcomes[g].found_at == 2u);
    CHECK(outcomes[g].ok);
  }
  std::size_t skipped = 0;
  for (const auto& r : results) {
    skipped += r.state == t::ItemState::kSkipped ? 1 : 0;
  }
  CHECK(skipped > 0);
}

TEST_CASE("RunItem runs the scenario and reports failures with their message", "[tools][sweep]") {
  t::SweepSpec spec{.scenarios = {S09()}, .bugs = {"no-retry"}, .seeds = {1, 20}};
  const t::SweepPlan plan = t::PlanSweep(spec);
  bool any_failed = false;
  for (const t::SweepItem& item : plan.items) {
    const t::ItemResult r = t::RunItem(plan, item);
    CHECK(r.fingerprint.size() == 16);
    if (r.state == t::ItemState::kFailed) {
      any_failed = true;
      CHECK_THAT(r.message, Catch::Matchers::Contains("invariant"));
    }
  }
  CHECK(any_failed);
}

TEST_CASE("PlanSweep resolves each group once: printed commands name the program and limits",
          "[tools][sweep]") {
  t::SweepSpec spec{.scenarios = {S09()},
                    .seeds = {3, 3},
                    .program = "./my sim",
                    .step_limit = 5000,
                    .time_limit = std::chrono::seconds(90)};
  const t::SweepPlan plan = t::PlanSweep(spec);
  REQUIRE(plan.items.size() == 1);
  const sc::ResolvedRun run = t::RunFor(plan, plan.items[0]);
  CHECK(run.seed == 3);
  CHECK(run.step_limit == 5000);
  CHECK(run.SimOptions().time_limit == std::chrono::seconds(90));
  CHECK(t::RunCommandFor(plan, plan.items[0]) ==
        "'./my sim' run conflicting-writers --seed 3 --strategy pct --pct-depth 3 "
        "--step-limit 5000 --time-limit 90s");
  spec.step_limit = 0;
  CHECK_THROWS_AS(t::PlanSweep(spec), sc::ConfigError);
}

TEST_CASE("ExecuteSweep reports each run's wall time for JUnit", "[tools][sweep]") {
  t::SweepSpec spec{.scenarios = {S09()}, .seeds = {1, 2}};
  const t::SweepPlan plan = t::PlanSweep(spec);
  auto runner = [](const t::SweepPlan&, const t::SweepItem& item) {
    t::ItemResult r;
    r.state = t::ItemState::kPassed;
    r.seconds = static_cast<double>(item.seed);  // a runner may report its own time
    return r;
  };
  const auto results = t::ExecuteSweep(plan, runner, {.jobs = 1, .batch_size = 1});
  REQUIRE(results.size() == 2);
  CHECK(results[0].seconds == 1.0);
  CHECK(results[1].seconds == 2.0);
}
