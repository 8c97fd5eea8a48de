// testing/include/bubble/testing/testing.h
//
// Running Catch2 test bodies in bubbles: one call per test, for one seed or a sweep of seeds and
// strategies. A failing run fails the test with the kernel's report (fiber, virtual time, blocked
// fibers, last trace events) and the command that reruns exactly that seed:
//
//   #include <bubble/testing/testing.h>
//
//   TEST_CASE("the controller converges", "[controller]") {
//     bubble::testing::RunSeeds({.count = 64}, {}, [](bubble::sim::Bubble& b) {
//       ...  // the body runs as fiber "main" of a fresh bubble for every seed
//     });
//   }
//
// Link bubble::testing (it brings Catch2; the test files still include <catch2/catch.hpp>
// themselves). This header includes neither Catch2 nor fmt: the helpers are compiled once.
//
// Environment, so a failure printed by CI replays locally without editing the test:
//   BUBBLE_SEED=N            run only seed N
//   BUBBLE_SEEDS=A..B        run seeds A to B (inclusive)
//   BUBBLE_STRATEGY=name     run only this strategy (fifo, random, pct)
//   BUBBLE_ALL_SEEDS=1       run every seed and report all failing ones (0: stop at the first)
//   BUBBLE_STEP_LIMIT=N      the kernel's step limit (livelock bound), N >= 1
//   BUBBLE_TIME_LIMIT=D      the virtual time limit, e.g. 90s, 10m, 2h
//   BUBBLE_TRACE=FILE        write the first failing run's trace to FILE (`bubble replay FILE`
//                            names the command that reruns it; open it in Perfetto)
//   BUBBLE_SHRINK=1          shrink the first failing run to the fewest preemptions that fail
//                            the same way (sim/shrink.h) and add its story to the message; with
//                            BUBBLE_TRACE=FILE its trace goes to FILE's .shrunk.json sibling
//   BUBBLE_REPLAY=FILE       run once, following the decisions of a trace this test wrote
// A malformed value fails the test with a one-line message saying what is expected.
//
// Replay commands name the test binary and the test, escaped as a Catch2 test spec and quoted
// for a POSIX shell whatever the test's name holds; they are also printed to stderr one per
// line (Catch2 wraps long messages). A name beginning or ending with '*' or beginning with
// "exclude:" cannot be matched exactly by Catch2 and may select more tests.
#pragma once

#include <bubble/sim/bubble.h>
#include <bubble/sim/options.h>
#include <bubble/testing/seed_sweep.h>

namespace bubble::testing {

// Runs `body` once as the root fiber of a fresh bubble with `options`; fails the current test
// with the run's report if the run fails. Returns the result for further checks. Honours
// BUBBLE_STEP_LIMIT, BUBBLE_TIME_LIMIT and BUBBLE_TRACE (not the seed variables: the seed is
// the test's).
sim::RunResult RunOnce(sim::Options options, const Body& body);

// Runs `body` over the seeds and strategies of `sweep` (or those the environment names), each in
// a fresh bubble built from `base` with the seed, strategy and limits filled in. Fails the test
// with the first failing run's report and a replay command for each failing run (stops at the
// first unless sweep.stop_at_first_failure is false or BUBBLE_ALL_SEEDS=1). With
// sweep.check_determinism every seed runs twice and the fingerprints must match.
void RunSeeds(const SeedSweep& sweep, const sim::Options& base, const Body& body);

}  // namespace bubble::testing
