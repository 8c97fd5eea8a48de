// sim/test/shrink_test.cc: schedule shrinking (shrink.h) and the story of a run
// (schedule_story.h) on a planted lost update among noisy fibers.
#include "bubble/sim/shrink.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/preempt.h>
#include <bubble/sim/schedule_story.h>
#include <bubble/sim/wait_group.h>

namespace sim = bubble::sim;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;

namespace {

// Two adders read a counter, reach a cache-read preemption point and write it back; four noise
// fibers read the cache and yield meanwhile. A lost update fails the run; one preemption between
// an adder's read and its write is enough, the random strategy takes dozens.
void LostUpdateAmongNoise() {
  int counter = 0;
  sim::WaitGroup wg;
  for (int i = 0; i < 2; ++i) {
    wg.Go(fmt::format("adder-{}", i), [&counter] {
      for (int k = 0; k < 3; ++k) {
        const int read = counter;
        sim::PreemptionPoint(sim::PreemptKind::kCache, "cache: get", "default/counter");
        counter = read + 1;
        sim::Yield();
      }
    });
  }
  for (int i = 0; i < 4; ++i) {
    wg.Go(fmt::format("noise-{}", i), [] {
      for (int k = 0; k < 4; ++k) {
        sim::PreemptionPoint(sim::PreemptKind::kCache, "cache: get", "default/noise");
        sim::Yield();
      }
    });
  }
  wg.Wait();
  if (counter != 6) {
    sim::Fail(fmt::format("lost update: counter is {} after 6 increments", counter));
  }
}

sim::RunResult Run(sim::Options options) {
  sim::Bubble b(std::move(options));
  return b.Run(LostUpdateAmongNoise);
}

// The shrinker's rerun of LostUpdateAmongNoise.
sim::RunResult Rerun(sim::StrategyFactory strategy) {
  sim::Options o;
  o.custom_strategy = std::move(strategy);
  return Run(std::move(o));
}

// The first seed from 1 on whose random run fails.
sim::RunResult FirstFailingRandomRun() {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    sim::RunResult r = Run({.seed = seed, .strategy = sim::StrategyKind::kRandom});
    if (!r.Passed()) {
      return r;
    }
  }
  FAIL("no random seed in 1..200 loses an update");
  return {};
}

}  // namespace

TEST_CASE("a failure's signature masks the numbers that move with the schedule", "[shrink]") {
  sim::Failure a;
  a.kind = sim::FailureKind::kInvariant;
  a.message = "lost update: counter is 4 after 6 increments\ndetails 1";
  sim::Failure b = a;
  b.message = "lost update: counter is 5 after 6 increments\ndetails 2";
  CHECK(sim::FailureSignature(a) ==
        "invariant failed: lost update: counter is # after # increments");
  CHECK(sim::SameFailure(a, b));
  b.kind = sim::FailureKind::kException;
  CHECK_FALSE(sim::SameFailure(a, b));
  b = a;
  b.message = "deadlock: counter is 4 after 6 increments";
  CHECK_FALSE(sim::SameFailure(a, b));
}

TEST_CASE("shrinking a random run's lost update leaves a preemption or two that still lose it",
          "[shrink]") {
  const sim::RunResult failing = FirstFailingRandomRun();
  const sim::ShrinkResult s = sim::ShrinkSchedule(failing.decisions, Rerun);

  // The first rerun reproduces the input exactly.
  CHECK(s.original.result.fingerprint == failing.fingerprint);
  CHECK(s.original.result.decisions == failing.decisions);
  CHECK(s.stopped_early.empty());
  CHECK(s.attempts > 0);
  INFO("preemptions " << s.original.Preemptions() << " -> " << s.shrunk.Preemptions());
  CHECK(s.original.Preemptions() >= 10);
  CHECK(s.shrunk.Preemptions() >= 1);  // fifo does not lose an update
  CHECK(s.shrunk.Preemptions() <= 2);
  CHECK(s.shrunk.result.steps <= s.original.result.steps);
  REQUIRE_FALSE(s.shrunk.result.Passed());
  CHECK(sim::SameFailure(*s.shrunk.result.failure, *failing.failure));

  // The shrunk decisions replay (strictly) to the same run.
  const sim::RunResult replayed =
      Run({.strategy = sim::StrategyKind::kReplay, .replay = s.shrunk.result.decisions});
  CHECK(replayed.fingerprint == s.shrunk.result.fingerprint);
  REQUIRE_FALSE(replayed.Passed());
  CHECK(sim::SameFailure(*replayed.failure, *failing.failure));

  // Deterministic: the same input gives the same schedule.
  const sim::ShrinkResult again = sim::ShrinkSchedule(failing.decisions, Rerun);
  CHECK(again.shrunk.result.decisions == s.shrunk.result.decisions);
  CHECK(again.shrunk.picks == s.shrunk.picks);
  CHECK(again.attempts == s.attempts);
}

TEST_CASE("the budgets stop a shrink early and say so", "[shrink]") {
  const sim::RunResult failing = FirstFailingRandomRun();
  const sim::ShrinkResult by_attempts =
      sim::ShrinkSchedule(failing.decisions, Rerun, {.max_attempts = 2, .time_budget = {}});
  CHECK(by_attempts.attempts == 2);
  CHECK_THAT(by_attempts.stopped_early,
             StartsWith("stopped after 2 attempts (the attempt budget)"));
  REQUIRE_FALSE(by_attempts.shrunk.result.Passed());  // what it has still fails the same way
  CHECK(sim::SameFailure(*by_attempts.shrunk.result.failure, *failing.failure));

  // Each rerun takes 2ms of real time here: the first (always made) uses the budget up.
  const auto slow_rerun = [](sim::StrategyFactory strategy) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return Rerun(std::move(strategy));
  };
  const sim::ShrinkResult by_time =
      sim::ShrinkSchedule(failing.decisions, slow_rerun,
                          {.max_attempts = 5000, .time_budget = std::chrono::milliseconds(1)});
  CHECK(by_time.attempts == 0);
  CHECK_THAT(by_time.stopped_early, Contains("the time budget of 1ms ran out"));
}

TEST_CASE("a passing run has nothing to shrink", "[shrink]") {
  const sim::RunResult passing = Run({.seed = 1, .strategy = sim::StrategyKind::kFifo});
  REQUIRE(passing.Passed());
  const sim::ShrinkResult s = sim::ShrinkSchedule(passing.decisions, Rerun);
  CHECK(s.original.result.Passed());
  CHECK(s.attempts == 0);
}

TEST_CASE("the story of a shrunk run names the preemption and ends at the failure", "[shrink]") {
  const sim::RunResult failing = FirstFailingRandomRun();
  const sim::ShrinkResult s = sim::ShrinkSchedule(failing.decisions, Rerun);
  sim::Bubble b({.strategy = sim::StrategyKind::kReplay,
                 .replay = s.shrunk.result.decisions,
                 .trace = sim::TraceMode::kFull});
  b.Run(LostUpdateAmongNoise);
  const std::string story =
      sim::ScheduleStory(b.GetTrace().Events(), b.GetTrace().FiberNames(), s.shrunk.picks);
  INFO(story);
  CHECK_THAT(story, Contains("adder-0: cache: get default/counter"));
  CHECK_THAT(story, Contains("was preempted at `cache: get default/counter` (before it)"));
  CHECK_THAT(story, EndsWith("FAILED (main): lost update: counter is 5 after 6 increments\n"));

  // Long stories keep their last lines.
  const std::string short_story = sim::ScheduleStory(
      b.GetTrace().Events(), b.GetTrace().FiberNames(), s.shrunk.picks, {.max_lines = 3});
  CHECK_THAT(short_story, StartsWith("... "));
  CHECK(std::count(short_story.begin(), short_story.end(), '\n') == 4);
}
