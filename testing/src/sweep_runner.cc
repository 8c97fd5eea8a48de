// testing/src/sweep_runner.cc
#include "sweep_runner.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include <bubble/sim/shell_word.h>
#include <bubble/sim/trace_divergence.h>
#include <bubble/sim/trace_file.h>

#include "replay_command.h"

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
    sim::Options probe = options;
    probe.seed = 1;
    probe.strategy = sim::StrategyKind::kFifo;
    probe.trace = sim::TraceMode::kFingerprint;  // records the decisions
    probe.log_level = sim::LogLevel::kOff;
    probe.replay_command = "(measuring the pct horizon)";
    measured = std::max<std::uint64_t>(RunBody(std::move(probe), body).decisions.size(), 1);
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

// Reruns `options` with a full trace into `path`; says where it went, or why not.
std::string WriteTrace(const std::string& path, const sim::Options& options, const Body& body,
                       const TestIdentity& test) {
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
  file.seed = options.seed;
  file.strategy = options.strategy;
  file.pct_depth = options.pct_depth;
  file.step_limit = options.step_limit;
  file.time_limit = options.time_limit;
  file.preempt = options.preempt;
  if (options.strategy == sim::StrategyKind::kPct) {
    file.pct_horizon = options.pct_horizon;
  }
  sim::Bubble b(full);
  const sim::RunResult r = b.Run([&b, &body] { body(b); });
  sim::WriteTraceFile(out, std::move(file), b, r);
  out.close();
  if (!out) {
    return fmt::format("BUBBLE_TRACE: writing \"{}\" failed", path);
  }
  return fmt::format("trace of seed {} strategy {} written to {}", options.seed,
                     sim::StrategyName(options.strategy), sim::ShellWord(path));
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

std::string ReplayOf(const sim::Options& options, const Environment& env,
                     const TestIdentity& test) {
  return ReplayCommand({.binary = test.binary,
                        .test_name = test.test_name,
                        .seed = options.seed,
                        .strategy = options.strategy,
                        .step_limit = env.step_limit,
                        .time_limit = env.time_limit});
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

SweepReport RunSweep(const SeedSweep& sweep, const sim::Options& base, const Body& body,
                     const Environment& env, const TestIdentity& test) {
  const std::uint64_t first = env.first_seed.value_or(sweep.first_seed);
  const std::uint64_t count = env.count.value_or(sweep.count);
  const std::vector<sim::StrategyKind> strategies =
      env.strategy ? std::vector<sim::StrategyKind>{*env.strategy} : sweep.strategies;
  const bool stop_at_first = !env.all_seeds.value_or(!sweep.stop_at_first_failure);

  SweepReport report;
  std::string first_text;
  std::optional<sim::Options> first_options;
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
      }
      report.failed.push_back({options.seed, strategy, summary, options.replay_command});
    }
  }
  if (!report.failed.empty()) {
    const std::string note = env.trace_file.empty()
                                 ? std::string()
                                 : WriteTrace(env.trace_file, *first_options, body, test);
    Compose(report, first_text, note);
  }
  return report;
}

SweepReport RunSingle(sim::Options options, const Body& body, const Environment& env,
                      const TestIdentity& test, sim::RunResult& result) {
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
    const std::string note =
        env.trace_file.empty() ? std::string() : WriteTrace(env.trace_file, options, body, test);
    Compose(report, text, note);
  }
  return report;
}

}  // namespace bubble::testing::detail
