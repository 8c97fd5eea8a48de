// testing/test/sweep_runner_test.cc: failing sweeps, looked at through their reports (RunSeeds
// turns a report into a failed test; here the report itself is checked).
#include "sweep_runner.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include <bubble/sim/error.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/trace_file.h>

namespace detail = bubble::testing::detail;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;

namespace {

const detail::TestIdentity kTest{.binary = "/build/t", .test_name = "the test, [x]"};

// Fails at the seeds in `bad`.
bubble::testing::Body FailAt(std::set<std::uint64_t> bad) {
  return [bad](sim::Bubble& b) {
    sim::Yield();
    if (bad.contains(b.GetOptions().seed)) {
      sim::Fail("planted");
    }
  };
}

}  // namespace

TEST_CASE("a sweep stops at the first failing seed by default", "[testing][sweep]") {
  const detail::SweepReport r =
      detail::RunSweep({.count = 8, .check_determinism = false}, {}, FailAt({3, 5}), {}, kTest);
  REQUIRE(r.failed.size() == 1);
  CHECK(r.failed[0].seed == 3);
  CHECK(r.failed[0].strategy == sim::StrategyKind::kRandom);
  CHECK(r.runs == 3);
  CHECK_THAT(r.message, Contains("seed 3 strategy random failed:"));
  CHECK_THAT(r.message, Contains("planted"));
  CHECK_THAT(
      r.message,
      Contains(R"(replay: BUBBLE_SEED=3 BUBBLE_STRATEGY=random /build/t '"the test\, \[x\]"')"));
  CHECK(r.replay_commands == std::vector<std::string>{r.failed[0].replay});
}

TEST_CASE("stop_at_first_failure = false reports every failing seed", "[testing][sweep]") {
  const bubble::testing::SeedSweep sweep{
      .count = 8, .check_determinism = false, .stop_at_first_failure = false};
  const detail::SweepReport r = detail::RunSweep(sweep, {}, FailAt({3, 5}), {}, kTest);
  REQUIRE(r.failed.size() == 4);  // seeds 3 and 5 under random and under pct
  CHECK(r.runs == 16);
  CHECK(r.failed[1].seed == 5);
  CHECK(r.failed[2].strategy == sim::StrategyKind::kPct);
  CHECK_THAT(r.message,
             Contains("4 of 16 runs failed; the first:\nseed 3 strategy random failed:"));
  CHECK_THAT(r.message, Contains("  seed 5 strategy pct: planted\n    replay: BUBBLE_SEED=5 "
                                 "BUBBLE_STRATEGY=pct"));
  CHECK(r.replay_commands.size() == 4);
}

TEST_CASE("BUBBLE_ALL_SEEDS overrides the sweep either way", "[testing][sweep]") {
  detail::Environment env;
  env.all_seeds = true;
  CHECK(detail::RunSweep({.count = 8, .check_determinism = false}, {}, FailAt({3, 5}), env, kTest)
            .failed.size() == 4);
  env.all_seeds = false;
  CHECK(detail::RunSweep({.count = 8, .check_determinism = false, .stop_at_first_failure = false},
                         {}, FailAt({3, 5}), env, kTest)
            .failed.size() == 1);
}

TEST_CASE("the list of failing runs is bounded", "[testing][sweep]") {
  const bubble::testing::SeedSweep sweep{.count = 30,
                                         .strategies = {sim::StrategyKind::kFifo},
                                         .check_determinism = false,
                                         .stop_at_first_failure = false};
  const detail::SweepReport r = detail::RunSweep(
      sweep, {}, [](sim::Bubble&) { sim::Fail("x"); }, {}, kTest);
  CHECK(r.failed.size() == 30);
  CHECK(r.replay_commands.size() == detail::kMaxListedFailures);
  CHECK_THAT(r.message, Contains("  ... and 10 more\n"));
  CHECK_THAT(r.message, Contains("BUBBLE_SEED=20 "));
  CHECK_FALSE(Contains("BUBBLE_SEED=21 ").match(r.message));
}

TEST_CASE("the environment narrows the sweep to one seed and strategy", "[testing][sweep]") {
  detail::Environment env;
  env.first_seed = 5;
  env.count = 1;
  env.strategy = sim::StrategyKind::kPct;
  std::vector<std::pair<std::uint64_t, sim::StrategyKind>> runs;
  const detail::SweepReport r = detail::RunSweep(
      {.count = 100}, {},
      [&](sim::Bubble& b) { runs.emplace_back(b.GetOptions().seed, b.GetOptions().strategy); }, env,
      kTest);
  CHECK(r.Passed());
  CHECK(r.message.empty());
  // The fifo run of seed 1 that measures PCT's horizon, then seed 5 and its determinism rerun.
  CHECK(runs == std::vector<std::pair<std::uint64_t, sim::StrategyKind>>{
                    {1, sim::StrategyKind::kFifo},
                    {5, sim::StrategyKind::kPct},
                    {5, sim::StrategyKind::kPct}});
}

TEST_CASE("step and time limits come from the sweep, then the environment", "[testing][sweep]") {
  std::uint64_t steps = 0;
  sim::Duration time{};
  const auto record = [&](sim::Bubble& b) {
    steps = b.GetOptions().step_limit;
    time = b.GetOptions().time_limit;
  };
  const bubble::testing::SeedSweep sweep{.count = 1,
                                         .strategies = {sim::StrategyKind::kFifo},
                                         .check_determinism = false,
                                         .step_limit = 1000,
                                         .time_limit = std::chrono::seconds(30)};
  CHECK(detail::RunSweep(sweep, {}, record, {}, kTest).Passed());
  CHECK(steps == 1000);
  CHECK(time == std::chrono::seconds(30));
  detail::Environment env;
  env.step_limit = 50;
  env.time_limit = std::chrono::minutes(2);
  CHECK(detail::RunSweep(sweep, {}, record, env, kTest).Passed());
  CHECK(steps == 50);
  CHECK(time == std::chrono::minutes(2));

  // And they bite: a livelock and a runaway clock, each replayable with the same limits.
  const detail::SweepReport livelock = detail::RunSweep(
      sweep, {},
      [](sim::Bubble&) {
        for (;;) {
          sim::Yield();
        }
      },
      env, kTest);
  REQUIRE(livelock.failed.size() == 1);
  CHECK_THAT(livelock.failed[0].replay, Contains("BUBBLE_STEP_LIMIT=50 BUBBLE_TIME_LIMIT=2m "));
  CHECK_THAT(livelock.message, Contains("50"));
  const detail::SweepReport runaway = detail::RunSweep(
      sweep, {}, [](sim::Bubble&) { sim::SleepFor(std::chrono::seconds(31)); }, {}, kTest);
  CHECK(runaway.failed.size() == 1);
  CHECK(detail::RunSweep(
            sweep, {}, [](sim::Bubble&) { sim::SleepFor(std::chrono::seconds(29)); }, {}, kTest)
            .Passed());
}

TEST_CASE("a nondeterministic body fails with the first divergent record", "[testing][sweep]") {
  int calls = 0;
  const detail::SweepReport r = detail::RunSweep(
      {.count = 1, .strategies = {sim::StrategyKind::kFifo}}, {},
      [&calls](sim::Bubble&) {
        if (++calls % 2 == 0) {
          sim::Yield();
        }
        sim::TraceInstant("test", "done");
      },
      {}, kTest);
  REQUIRE(r.failed.size() == 1);
  CHECK_THAT(r.failed[0].summary, Contains("not deterministic"));
  CHECK_THAT(r.message, Contains("first divergence at trace record"));
}

TEST_CASE("BUBBLE_TRACE writes the first failing run's trace as a test's trace file",
          "[testing][sweep][trace]") {
  char path[] = "/tmp/bubble_testing_trace_XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  detail::Environment env;
  env.trace_file = path;
  const detail::SweepReport r =
      detail::RunSweep({.count = 8, .check_determinism = false, .stop_at_first_failure = false}, {},
                       FailAt({4, 6}), env, kTest);
  REQUIRE(r.failed.size() == 4);
  CHECK_THAT(r.message,
             Contains(std::string("trace of seed 4 strategy random written to ") + path));
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(path);
  const sim::TraceFile f = sim::ParseTraceFile(text.str());
  CHECK(f.origin.kind == "test");
  CHECK(f.origin.program == "/build/t");
  CHECK(f.origin.test == "the test, [x]");
  CHECK(f.origin.replay == r.failed[0].replay);
  CHECK(f.seed == 4);
  CHECK(f.strategy == sim::StrategyKind::kRandom);
  CHECK_FALSE(f.passed);
  CHECK(f.failure == "planted");
  CHECK_FALSE(f.records.empty());
}

TEST_CASE("an unwritable BUBBLE_TRACE is named in the failure", "[testing][sweep][trace]") {
  detail::Environment env;
  env.trace_file = "/nonexistent-dir/t.json";
  const detail::SweepReport r =
      detail::RunSweep({.count = 2, .check_determinism = false}, {}, FailAt({1}), env, kTest);
  CHECK_THAT(r.message, Contains("BUBBLE_TRACE: cannot write \"/nonexistent-dir/t.json\""));
}

TEST_CASE("RunSingle keeps the caller's seed and replay command", "[testing][sweep]") {
  sim::RunResult result;
  detail::SweepReport r = detail::RunSingle({.seed = 9, .replay_command = "my command"},
                                            FailAt({9}), {}, kTest, result);
  CHECK_FALSE(result.Passed());
  REQUIRE(r.failed.size() == 1);
  CHECK(r.failed[0].replay == "my command");
  CHECK_THAT(r.message, Contains("seed 9 strategy fifo failed:"));
  r = detail::RunSingle({.seed = 2}, FailAt({9}), {}, kTest, result);
  CHECK(result.Passed());
  CHECK(r.Passed());
}
