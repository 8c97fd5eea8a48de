// testing/src/sweep_runner.cc
#include "sweep_runner.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include <bubble/sim/pct_horizon.h>
#include <bubble/sim/shell_word.h>
#include <bubble/sim/trace_divergence.h>
#include <bubble/sim/trace_file.h>

#include "replay_command.h"
#include "shrink_report.h"

namespace bubble::testing::detail {

namespace {

sim::RunResult RunBody(sim::Options options, const Body& body) {
  sim::Bubble b(std::move(options));
  return b.Run([&b, &body] { body(b); });
}

// PCT's horizon when the options leave it to be measured: the decisions of a fifo run of seed 1
// (seed-independent, so a sweep and the replay of one of its seeds agree).
void MeasurePctHorizon(sim::Options& options, const Body& body,
                       std::optional<std::uint64_t>& measured) {
  if (options.strategy != sim::StrategyKind::kPct || options.pct_horizon != 0) {
    return;
  }
  if (!measured) {
    measured = sim::PctHorizonOf(RunBody(sim::PctHorizonProbe(options), body));
  }
  options.pct_horizon = *measured;
}

std::string FirstLine(std::string_view s) {
  return std::string(s.substr(0, s.find('\n')));
}

// Explains a fingerprint mismatch: reruns both with full traces and finds the first record that
// differs.
std::string ExplainDivergence(const sim::Options& options, const Body& body) {
  sim::Options full = options;
  full.trace = sim::TraceMode::kFull;
  std::vector<sim::TraceEvent> events[2];
  std::vector<std::string> names[2];
  for (int i = 0; i < 2; ++i) {
    sim::Bubble b(full);
    b.Run([&b, &body] { body(b); });
    events[i] = b.GetTrace().Events();
    names[i].assign(b.GetTrace().FiberNames().begin(), b.GetTrace().FiberNames().end());
  }
  return sim::FirstDivergence(events[0], names[0], events[1], names[1])
      .value_or("the full traces are identical (the divergence depends on the trace mode)");
}

// Applies the sweep's and the environment's limits to `options`.
void ApplyLimits(sim::Options& options, const SeedSweep* sweep, const Environment& env) {
  if (sweep != nullptr && sweep->step_limit) {
    options.step_limit = *sweep->step_limit;
  }
  if (sweep != nullptr && sweep->time_limit) {
    options.time_limit = *sweep->time_limit;
  }
  if (env.step_limit) {
    options.step_limit = *env.step_limit;
  }
  if (env.time_limit) {
    options.time_limit = *env.time_limit;
  }
}

// The message of a sweep with failures: the first failure's full text, then (when more than one
// run failed) every failing run with its replay command, at most kMaxListedFailures.
void Compose(SweepReport& report, const std::string& first_text, const std::string& trace_note) {
  std::string& m = report.message;
  if (report.failed.size() > 1) {
    m += fmt::format("{} of {} runs failed; the first:\n", report.failed.size(), report.runs);
  }
  m += first_text;
  if (report.failed.size() > 1) {
    m += "every failing run:\n";
    for (std::size_t i = 0; i < report.failed.size() && i < kMaxListedFailures; ++i) {
      const FailedRun& f = report.failed[i];
      m += fmt::format("  seed {} strategy {}: {}\n    replay: {}\n", f.seed,
                       sim::StrategyName(f.strategy), f.summary, f.replay);
    }
    if (report.failed.size() > kMaxListedFailures) {
      m += fmt::format("  ... and {} more\n", report.failed.size() - kMaxListedFailures);
    }
  }
  if (!trace_note.empty()) {
    m += trace_note + "\n";
  }
  for (std::size_t i = 0; i < report.failed.size() && i < kMaxListedFailures; ++i) {
    report.replay_commands.push_back(report.failed[i].replay);
  }
}

}  // namespace

std::string WriteTrace(const std::string& path, const sim::Options& options, const Body& body,
                       const TestIdentity& test, const AfterTracedRun& after) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return fmt::format("BUBBLE_TRACE: cannot write \"{}\": use a writable file path", path);
  }
  sim::Options full = options;
  full.trace = sim::TraceMode::kFull;
  sim::TraceFile file;
  file.origin = {.kind = "test",
                 .program = test.binary,
                 .scenario = "",
                 .test = test.test_name,
                 .replay = options.replay_command};
  sim::SetRunIdentity(file, options);
  sim::Bubble b(full);
  const sim::RunResult r = b.Run([&b, &body] { body(b); });
  sim::WriteTraceFile(out, std::move(file), b, r);
  if (after) {
    after(b, r);
  }
  out.close();
  if (!out) {
    return fmt::format("BUBBLE_TRACE: writing \"{}\" failed", path);
  }
  return fmt::format("trace of seed {} strategy {} written to {}", options.seed,
                     sim::StrategyName(options.strategy), sim::ShellWord(path));
}

namespace {

// What follows a failure's text: where BUBBLE_TRACE wrote the run and, with BUBBLE_SHRINK, the
// shrunk run (when the failure is a failed run, not a determinism check's).
std::string Notes(const sim::Options& options, const Body& body,
                  const std::optional<std::vector<sim::Decision>>& decisions,
                  const Environment& env, const TestIdentity& test) {
  std::string notes =
      env.trace_file.empty() ? std::string() : WriteTrace(env.trace_file, options, body, test);
  if (env.shrink && decisions) {
    std::string shrunk = ShrinkFailingRun(options, body, *decisions, env, test);
    while (!shrunk.empty() && shrunk.back() == '\n') {
      shrunk.pop_back();
    }
    notes += (notes.empty() ? "" : "\n") + shrunk;
  }
  return notes;
}

// BUBBLE_REPLAY=FILE: one run following the decisions of a trace this test wrote.
SweepReport RunReplayFile(sim::Options options, const Body& body, const Environment& env,
                          const TestIdentity& test, sim::RunResult& result) {
  SweepReport report;
  report.runs = 1;
  const std::string& path = env.replay_file;
  std::string problem;
  sim::TraceFile file;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problem = fmt::format(
        "BUBBLE_REPLAY=\"{}\": cannot read it: name a trace BUBBLE_TRACE or BUBBLE_SHRINK wrote",
        path);
  } else {
    try {
      file = sim::ParseTraceFile(sim::ReadTraceText(in));
    } catch (const sim::TraceFileError& e) {
      problem = fmt::format("BUBBLE_REPLAY=\"{}\": {}", path, e.what());
    }
  }
  if (problem.empty() && (file.origin.kind != "test" || file.origin.test != test.test_name)) {
    problem = fmt::format(
        "BUBBLE_REPLAY=\"{}\" records {}, not this test (\"{}\"): run the test it names", path,
        file.origin.kind == "test" ? fmt::format("test \"{}\"", file.origin.test)
                                   : fmt::format("scenario \"{}\"", file.origin.scenario),
        test.test_name);
  }
  if (!problem.empty()) {
    report.failed.push_back({options.seed, options.strategy, problem, ""});
    report.message = problem + "\n";
    return report;
  }
  options.seed = file.seed;
  options.strategy = sim::StrategyKind::kReplay;
  options.replay = std::move(file.decisions);
  options.step_limit = file.step_limit.value_or(options.step_limit);
  options.time_limit = file.time_limit.value_or(options.time_limit);
  options.preempt = file.preempt.value_or(options.preempt);
  ApplyLimits(options, nullptr, env);
  options.replay_command = ReplayOf(options, env, test, path);
  result = RunBody(options, body);
  std::string summary;
  std::string text;
  if (!result.Passed()) {
    summary = FirstLine(result.failure ? result.failure->message : result.report);
    text = fmt::format("replay of {} failed:\n{}", path, result.report);
  } else if (result.fingerprint != file.fingerprint) {
    summary = fmt::format("replay of {} passed with fingerprint {}; the trace recorded {} ({})",
                          path, result.FingerprintHex(), sim::FormatFingerprint(file.fingerprint),
                          file.passed ? "a pass" : "a failure");
    text = summary + "\n";
  }
  if (!summary.empty()) {
    report.failed.push_back({options.seed, options.strategy, summary, options.replay_command});
    Compose(report, text, "");
  }
  return report;
}

}  // namespace

std::string ReplayOf(const sim::Options& options, const Environment& env, const TestIdentity& test,
                     const std::string& replay_file) {
  return ReplayCommand({.binary = test.binary,
                        .test_name = test.test_name,
                        .seed = options.seed,
                        .strategy = options.strategy,
                        .step_limit = env.step_limit,
                        .time_limit = env.time_limit,
                        .replay_file = replay_file});
}

SweepReport RunSweep(const SeedSweep& sweep, const sim::Options& base, const Body& body,
                     const Environment& env, const TestIdentity& test) {
  if (!env.replay_file.empty()) {
    sim::RunResult result;
    return RunReplayFile(base, body, env, test, result);
  }
  const std::uint64_t first = env.first_seed.value_or(sweep.first_seed);
  const std::uint64_t count = env.count.value_or(sweep.count);
  const std::vector<sim::StrategyKind> strategies =
      env.strategy ? std::vector<sim::StrategyKind>{*env.strategy} : sweep.strategies;
  const bool stop_at_first = !env.all_seeds.value_or(!sweep.stop_at_first_failure);

  SweepReport report;
  std::string first_text;
  std::optional<sim::Options> first_options;
  std::optional<std::vector<sim::Decision>> first_decisions;  // of a failed run
  std::optional<std::uint64_t> horizon;
  for (sim::StrategyKind strategy : strategies) {
    for (std::uint64_t i = 0; i < count; ++i) {
      if (stop_at_first && !report.failed.empty()) {
        break;
      }
      sim::Options options = base;
      options.seed = first + i;
      options.strategy = strategy;
      ApplyLimits(options, &sweep, env);
      MeasurePctHorizon(options, body, horizon);
      options.replay_command = ReplayOf(options, env, test);
      ++report.runs;
      const sim::RunResult r = RunBody(options, body);
      std::string text;
      std::string summary;
      if (!r.Passed()) {
        text = fmt::format("seed {} strategy {} failed:\n{}", options.seed,
                           sim::StrategyName(strategy), r.report);
        summary = FirstLine(r.failure ? r.failure->message : r.report);
      } else if (sweep.check_determinism) {
        const sim::RunResult again = RunBody(options, body);
        if (again.fingerprint != r.fingerprint || !again.Passed()) {
          summary = fmt::format("not deterministic (fingerprints {} and {})", r.FingerprintHex(),
                                again.FingerprintHex());
          text = fmt::format("seed {} strategy {} is {}\n{}\nreplay: {}\n", options.seed,
                             sim::StrategyName(strategy), summary, ExplainDivergence(options, body),
                             options.replay_command);
        }
      }
      if (summary.empty()) {
        continue;
      }
      if (report.failed.empty()) {
        first_text = std::move(text);
        first_options = options;
        if (!r.Passed()) {
          first_decisions = r.decisions;
        }
      }
      report.failed.push_back({options.seed, strategy, summary, options.replay_command});
    }
  }
  if (!report.failed.empty()) {
    Compose(report, first_text, Notes(*first_options, body, first_decisions, env, test));
  }
  return report;
}

SweepReport RunSingle(sim::Options options, const Body& body, const Environment& env,
                      const TestIdentity& test, sim::RunResult& result) {
  if (!env.replay_file.empty()) {
    return RunReplayFile(std::move(options), body, env, test, result);
  }
  ApplyLimits(options, nullptr, env);
  std::optional<std::uint64_t> horizon;
  MeasurePctHorizon(options, body, horizon);
  if (options.replay_command.empty()) {
    options.replay_command = ReplayOf(options, env, test);
  }
  SweepReport report;
  report.runs = 1;
  result = RunBody(options, body);
  if (!result.Passed()) {
    report.failed.push_back({options.seed, options.strategy,
                             FirstLine(result.failure ? result.failure->message : result.report),
                             options.replay_command});
    const std::string text = fmt::format("seed {} strategy {} failed:\n{}", options.seed,
                                         sim::StrategyName(options.strategy), result.report);
    Compose(report, text, Notes(options, body, result.decisions, env, test));
  }
  return report;
}

}  // namespace bubble::testing::detail
