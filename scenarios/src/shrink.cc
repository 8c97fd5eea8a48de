// scenarios/src/shrink.cc: shrinking a scenario run (shrink.h).
#include "bubble/scenarios/shrink.h"

#include <ostream>
#include <utility>

#include <fmt/format.h>

#include <bubble/sim/schedule_story.h>
#include <bubble/sim/trace_file.h>

namespace bubble::scenarios {

namespace {

constexpr const char* kRealTimeFailure =
    "the run failed on its real-time budget, which no schedule decides: nothing to shrink (rerun "
    "it with a larger --real-time-budget)";

}  // namespace

sim::Rerun RerunOf(const ResolvedRun& run) {
  return [run](sim::StrategyFactory strategy) {
    ResolvedRun attempt = run;
    attempt.trace = sim::TraceMode::kFingerprint;  // decisions are recorded; no full trace
    attempt.log_level = sim::LogLevel::kOff;
    attempt.strategy = sim::StrategyKind::kReplay;  // only names the run: no PCT horizon to measure
    attempt.custom_strategy = std::move(strategy);
    return RunScenario(attempt);
  };
}

void CheckShrinkable(const RecordedRun& recorded) {
  if (recorded.passed) {
    throw ConfigError(
        "the trace records a passing run: nothing to shrink (shrink the trace of a "
        "failing run)");
  }
  if (recorded.failure.starts_with("the run used its real-time budget")) {
    throw ConfigError(kRealTimeFailure);
  }
}

ShrunkRun ShrinkRecordedRun(const RecordedRun& recorded, const std::string& program,
                            const sim::ShrinkOptions& options) {
  CheckShrinkable(recorded);
  RunConfig config = recorded.config;
  config.program = program;
  ShrunkRun out;
  out.run = ResolveRun(*recorded.scenario, config);
  out.shrink = sim::ShrinkSchedule(out.run.replay, RerunOf(out.run), options);
  const sim::RunResult& original = out.shrink.original.result;
  if (original.Passed()) {
    throw ConfigError(
        "the trace's run passes when rerun from its decisions (was it written by another build?): "
        "nothing to shrink");
  }
  if (original.failure->kind == sim::FailureKind::kRealTimeLimit) {
    throw ConfigError(kRealTimeFailure);
  }
  return out;
}

ShrunkTrace WriteShrunkTrace(const ShrunkRun& shrunk, const std::string& replay_command,
                             std::ostream& out) {
  ResolvedRun run = shrunk.run;
  run.strategy = sim::StrategyKind::kReplay;
  run.replay = shrunk.shrink.shrunk.result.decisions;
  run.replay_command = replay_command;
  run.trace = sim::TraceMode::kFull;
  run.log_level = sim::LogLevel::kOff;
  ShrunkTrace t;
  t.result = RunScenario(run, [&](sim::Bubble& b, const sim::RunResult& r) {
    sim::WriteTraceFile(out, TraceFileOf(run), b, r);
    t.story = sim::ScheduleStory(b.GetTrace().Events(), b.GetTrace().FiberNames(),
                                 shrunk.shrink.shrunk.picks);
  });
  return t;
}

}  // namespace bubble::scenarios
