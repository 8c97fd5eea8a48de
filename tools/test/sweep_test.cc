// tools/test/sweep_test.cc
#include "sweep.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>

#include <catch2/catch.hpp>

#include "interrupt.h"
#include <sys/wait.h>

namespace t = bubble::cli;
namespace sc = bubble::scenarios;
namespace sim = bubble::sim;

namespace {

const sc::Scenario* S09() {
  return &sc::GetScenario("conflicting-writers");
}

// Every item of a plan, in plan order.
std::vector<t::SweepItem> Items(const t::SweepPlan& plan) {
  std::vector<t::SweepItem> out;
  for (std::size_t g = 0; g < plan.groups.size(); ++g) {
    for (std::uint64_t k = 0; k < plan.groups[g].seeds.count; ++k) {
      out.push_back(plan.Item(g, k));
    }
  }
  return out;
}

// Results by (group, seed), as ExecuteSweep hands them over.
using Results = std::map<std::pair<std::size_t, std::uint64_t>, t::ItemResult>;

Results Execute(const t::SweepPlan& plan, const t::ItemRunner& runner, t::ExecuteOptions o,
                t::ExecuteSummary* summary = nullptr) {
  Results out;
  o.on_result = [&out](const t::SweepItem& item, t::ItemResult&& r) {
    CHECK(out.emplace(std::make_pair(item.group, item.seed), std::move(r)).second);
  };
  const t::ExecuteSummary s = t::ExecuteSweep(plan, runner, o);
  if (summary != nullptr) {
    *summary = s;
  }
  return out;
}

bool NoChildLeft() {
  return ::waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD;
}

}  // namespace

TEST_CASE("PlanSweep: the portfolio alternates strategies and shards split by seed mod N",
          "[tools][sweep]") {
  t::SweepSpec spec{.scenarios = {S09()}, .seeds = {1, 10}, .shard = {1, 3}};
  const t::SweepPlan plan = t::PlanSweep(spec);
  REQUIRE(plan.groups.size() == 1);
  std::vector<std::uint64_t> seeds;
  for (const t::SweepItem& item : Items(plan)) {
    seeds.push_back(item.seed);
    CHECK(item.strategy == sc::PortfolioFor(item.seed).strategy);
  }
  CHECK(seeds == std::vector<std::uint64_t>{1, 4, 7, 10});
  CHECK(plan.runs == 4);
  CHECK(t::RunCommandFor(plan, plan.Item(0, 0)) ==
        "bubble run conflicting-writers --seed 1 --strategy pct --pct-depth 2");
}

TEST_CASE("PlanSweep: a fixed strategy, bugs and options reach every item", "[tools][sweep]") {
  t::SweepSpec spec{.scenarios = {S09()},
                    .bugs = {"no-retry"},
                    .set = {{"writers", "3"}},
                    .seeds = {5, 6},
                    .strategy = sim::StrategyKind::kFifo};
  const t::SweepPlan plan = t::PlanSweep(spec);
  REQUIRE(plan.runs == 2);
  CHECK(plan.Item(0, 1).strategy == sim::StrategyKind::kFifo);
  CHECK(t::RunCommandFor(plan, plan.Item(0, 1)) ==
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
  for (const t::SweepItem& item : Items(plan)) {
    hunt_items += plan.groups[item.group].hunt ? 1 : 0;
  }
  std::size_t budgets = 0;
  for (const sc::BugSpec& b : S09()->bugs) {
    budgets += b.seed_budget;
  }
  CHECK(hunt_items == budgets);
  CHECK(plan.runs == 4 + budgets);
  spec.shard = {1, 2};
  const t::SweepPlan sharded = t::PlanSweep(spec);
  REQUIRE(sharded.groups.size() >= 2);
  CHECK(sharded.groups[1].hunt == S09()->bugs[1].name);  // hunt 1 of 0,1,2 is shard 1's
}

TEST_CASE("PlanSweep: the largest seed ranges cost no memory and plan at once",
          "[tools][sweep][bounds]") {
  const auto start = std::chrono::steady_clock::now();
  t::SweepSpec spec{.scenarios = {S09()}, .seeds = {1, UINT64_MAX}, .check_determinism_percent = 5};
  const t::SweepPlan plan = t::PlanSweep(spec);
  CHECK(plan.runs == UINT64_MAX);
  CHECK(plan.Item(0, UINT64_MAX - 1).seed == UINT64_MAX);
  spec.seeds = {1, 1'000'000'000};
  spec.shard = {2, 7};
  const t::SweepPlan sharded = t::PlanSweep(spec);
  CHECK(sharded.runs == 142'857'143);
  CHECK(sharded.Item(0, sharded.runs - 1).seed == 999'999'996);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  // Two variants of 2^64-1 seeds: more runs than a counter holds, refused up front.
  spec.seeds = {1, UINT64_MAX};
  spec.shard = {};
  spec.scenarios = {S09(), &sc::GetScenario("leader-election")};
  CHECK_THROWS_AS(t::PlanSweep(spec), sc::ConfigError);
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
  std::uint64_t last_done = 0;
  t::ExecuteSummary summary;
  const Results results =
      Execute(plan, runner,
              {.jobs = 2,
               .batch_size = 4,
               .progress = [&](std::uint64_t done, std::uint64_t) { last_done = done; }},
              &summary);
  REQUIRE(results.size() == 12);
  CHECK(last_done == 12);
  CHECK(summary.done == 12);
  CHECK(summary.failed == 2);
  CHECK(summary.interrupted_by == 0);
  for (const auto& [key, r] : results) {
    const std::uint64_t seed = key.second;
    INFO("seed " << seed);
    if (seed == 5) {
      CHECK(r.state == t::ItemState::kFailed);
      CHECK_THAT(r.message, Catch::Matchers::Contains("signal 6"));
    } else if (seed == 9) {
      CHECK(r.state == t::ItemState::kFailed);
    } else {
      CHECK(r.state == t::ItemState::kPassed);
    }
  }
  CHECK(NoChildLeft());
}

TEST_CASE("ExecuteSweep: a hunt stops at its first failing seed", "[tools][sweep]") {
  t::SweepSpec spec{.scenarios = {S09()}, .seeds = {1, 1}, .with_bugs = true};
  const t::SweepPlan plan = t::PlanSweep(spec);
  auto runner = [](const t::SweepPlan&, const t::SweepItem& item) {
    t::ItemResult r;
    r.state = item.seed >= 2 ? t::ItemState::kFailed : t::ItemState::kPassed;
    return r;
  };
  const Results results = Execute(plan, runner, {.jobs = 1, .batch_size = 1});
  for (std::size_t g = 1; g < plan.groups.size(); ++g) {
    CHECK(results.count({g, 1}) == 1);
    CHECK(results.at({g, 2}).state == t::ItemState::kFailed);
    CHECK(results.count({g, 3}) == 0);  // skipped: the bug was found at seed 2
  }
}

TEST_CASE("ExecuteSweep: may_start holds new batches back, never re-runs or a lone start",
          "[tools][sweep]") {
  t::SweepSpec spec{.scenarios = {S09()}, .seeds = {1, 20}};
  const t::SweepPlan plan = t::PlanSweep(spec);
  auto runner = [](const t::SweepPlan&, const t::SweepItem&) {
    return t::ItemResult{.state = t::ItemState::kPassed};
  };
  int asked = 0;
  const Results results = Execute(plan, runner, {.jobs = 3, .batch_size = 2, .may_start = [&asked] {
                                                   ++asked;
                                                   return false;  // only ever one worker at a time
                                                 }});
  CHECK(results.size() == 20);
  CHECK(asked > 0);
}

TEST_CASE("ExecuteSweep stops on SIGTERM: workers killed and reaped, the results so far kept",
          "[tools][sweep][signals]") {
  // A billion seeds: only streaming lets this start at all.
  t::SweepSpec spec{.scenarios = {S09()}, .seeds = {1, 1'000'000'000}};
  const t::SweepPlan plan = t::PlanSweep(spec);
  auto runner = [](const t::SweepPlan&, const t::SweepItem&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return t::ItemResult{.state = t::ItemState::kPassed};
  };
  t::ExecuteSummary summary;
  std::uint64_t seen = 0;
  {
    t::InterruptWatch watch;
    t::ExecuteOptions o{.jobs = 2, .interrupt = &watch};
    o.on_result = [&seen](const t::SweepItem&, t::ItemResult&&) {
      if (++seen == 10) {
        ::kill(::getpid(), SIGTERM);  // the handler only records it
      }
    };
    summary = t::ExecuteSweep(plan, runner, o);
  }
  CHECK(summary.interrupted_by == SIGTERM);
  CHECK(summary.done >= 10);
  CHECK(summary.done < 100'000);
  CHECK(summary.done == seen);
  CHECK(NoChildLeft());
}

TEST_CASE("ExecuteSweep: a worker dies with its sweep (PR_SET_PDEATHSIG)",
          "[tools][sweep][signals]") {
  int pids[2];
  REQUIRE(::pipe(pids) == 0);
  const pid_t sweeper = ::fork();
  REQUIRE(sweeper >= 0);
  if (sweeper == 0) {
    ::close(pids[0]);
    t::SweepSpec spec{.scenarios = {S09()}, .seeds = {1, 1}};
    const t::SweepPlan plan = t::PlanSweep(spec);
    auto runner = [&pids](const t::SweepPlan&, const t::SweepItem&) {
      const pid_t me = ::getpid();
      [[maybe_unused]] const ssize_t n = ::write(pids[1], &me, sizeof(me));
      std::this_thread::sleep_for(std::chrono::seconds(60));  // an endless seed
      return t::ItemResult{.state = t::ItemState::kPassed};
    };
    t::ExecuteSweep(plan, runner, {.jobs = 1});
    ::_exit(0);
  }
  ::close(pids[1]);
  pid_t worker = -1;
  REQUIRE(::read(pids[0], &worker, sizeof(worker)) == sizeof(worker));
  ::close(pids[0]);
  ::kill(sweeper, SIGKILL);  // no handler, no cleanup: only the kernel can stop the worker
  REQUIRE(::waitpid(sweeper, nullptr, 0) == sweeper);
  // The worker, re-parented, is killed at once; a zombie nobody reaps counts as gone.
  auto alive = [worker] {
    std::ifstream stat("/proc/" + std::to_string(worker) + "/stat");
    std::string pid, comm, state;
    return stat >> pid >> comm >> state && state != "Z" && state != "X";
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (alive() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK_FALSE(alive());
}

TEST_CASE("FailureLine names the kind once", "[tools][sweep]") {
  CHECK(t::FailureLine("exception", "exception: boom") == "exception: boom");
  CHECK(t::FailureLine("invariant failed", "invariant x violated") ==
        "invariant failed: invariant x violated");
  CHECK(t::FailureLine("deadlock", "deadlocked fibers") == "deadlock: deadlocked fibers");
}

TEST_CASE("RunItem: an exception's message does not say exception twice", "[tools][sweep]") {
  const sc::Scenario thrower{.name = "thrower",
                             .description = "throws",
                             .body = [](const sc::ScenarioContext&) -> sim::Task {
                               return [] { throw std::runtime_error("boom"); };
                             }};
  t::SweepSpec spec{.scenarios = {&thrower}, .seeds = {1, 1}};
  const t::SweepPlan plan = t::PlanSweep(spec);
  const t::ItemResult r = t::RunItem(plan, plan.Item(0, 0));
  CHECK(r.state == t::ItemState::kFailed);
  CHECK(r.message == "exception: boom");
}

TEST_CASE("RunItem runs the scenario and reports failures with their message", "[tools][sweep]") {
  t::SweepSpec spec{.scenarios = {S09()}, .bugs = {"no-retry"}, .seeds = {1, 20}};
  const t::SweepPlan plan = t::PlanSweep(spec);
  bool any_failed = false;
  for (const t::SweepItem& item : Items(plan)) {
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
  REQUIRE(plan.runs == 1);
  const sc::ResolvedRun run = t::RunFor(plan, plan.Item(0, 0));
  CHECK(run.seed == 3);
  CHECK(run.step_limit == 5000);
  CHECK(run.SimOptions().time_limit == std::chrono::seconds(90));
  CHECK(t::RunCommandFor(plan, plan.Item(0, 0)) ==
        "'./my sim' run conflicting-writers --seed 3 --strategy pct --pct-depth 3 "
        "--step-limit 5000 --time-limit 90s");
  spec.step_limit = 0;
  CHECK_THROWS_AS(t::PlanSweep(spec), sc::ConfigError);
}

TEST_CASE("ExecuteSweep reports each run's wall time, and bounds what a worker sends back",
          "[tools][sweep][bounds]") {
  t::SweepSpec spec{.scenarios = {S09()}, .seeds = {1, 2}};
  const t::SweepPlan plan = t::PlanSweep(spec);
  auto runner = [](const t::SweepPlan&, const t::SweepItem& item) {
    t::ItemResult r;
    r.state = item.seed == 2 ? t::ItemState::kFailed : t::ItemState::kPassed;
    r.seconds = static_cast<double>(item.seed);  // a runner may report its own time
    if (item.seed == 2) {
      r.message = std::string(100'000, 'm');
      r.report = std::string(10'000'000, 'r');  // a 10 MB deadlock report
    }
    return r;
  };
  const Results results = Execute(plan, runner, {.jobs = 1, .batch_size = 1});
  REQUIRE(results.size() == 2);
  CHECK(results.at({0, 1}).seconds == 1.0);
  const t::ItemResult& big = results.at({0, 2});
  CHECK(big.seconds == 2.0);
  CHECK(big.message.size() < t::kMaxMessageBytes + 100);
  CHECK(big.report.size() < t::kMaxReportBytes + 100);
  CHECK_THAT(big.report, Catch::Matchers::Contains("bytes cut"));
}
