// testing/src/sweep_runner.h
//
// File: what RunOnce and RunSeeds do, apart from talking to Catch2: run the bodies, collect the
// failing runs, write the trace the environment asks for and compose the failure message. Kept
// free of Catch2 so the helpers' own tests can look at a failing sweep's report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <bubble/sim/bubble.h>
#include <bubble/sim/options.h>
#include <bubble/testing/seed_sweep.h>

#include "environment.h"

namespace bubble::testing::detail {

// Failing runs listed one by one in a failure message (the rest are counted).
inline constexpr std::size_t kMaxListedFailures = 20;

// The test being run: what replay commands and trace files name.
struct TestIdentity {
  std::string binary;
  std::string test_name;
};

struct FailedRun {
  std::uint64_t seed = 0;
  sim::StrategyKind strategy = sim::StrategyKind::kRandom;
  std::string summary;  // the failure's first line, or "not deterministic ..."
  std::string replay;   // the command that reruns it
};

struct SweepReport {
  std::uint64_t runs = 0;         // seed x strategy runs (determinism reruns not counted)
  std::vector<FailedRun> failed;  // in the order they ran
  std::string message;            // what the test fails with; empty when every run passed
  std::vector<std::string> replay_commands;  // of the listed failing runs, one line each

  bool Passed() const noexcept { return failed.empty(); }
};

// The command that reruns the run of `test` under `options` (seed, strategy; limits when they came
// from `env`), or, with `replay_file`, the one that reruns that trace's decisions.
std::string ReplayOf(const sim::Options& options, const Environment& env, const TestIdentity& test,
                     const std::string& replay_file = {});

// Called after a traced run while its bubble (and trace) is alive.
using AfterTracedRun = std::function<void(sim::Bubble&, const sim::RunResult&)>;

// Reruns `options` with a full trace into `path` as a trace file of kind "test" (its replay
// command options.replay_command); `after` sees the run. Says where it went, or why not.
std::string WriteTrace(const std::string& path, const sim::Options& options, const Body& body,
                       const TestIdentity& test, const AfterTracedRun& after = {});

// RunSeeds without Catch2: `env` narrows or widens `sweep` (seeds, strategy, all seeds, limits,
// trace file).
SweepReport RunSweep(const SeedSweep& sweep, const sim::Options& base, const Body& body,
                     const Environment& env, const TestIdentity& test);

// RunOnce without Catch2; `result` receives the run's result.
SweepReport RunSingle(sim::Options options, const Body& body, const Environment& env,
                      const TestIdentity& test, sim::RunResult& result);

}  // namespace bubble::testing::detail
