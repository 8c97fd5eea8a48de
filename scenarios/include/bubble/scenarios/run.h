// scenarios/include/bubble/scenarios/run.h
//
// File: running a scenario once, the default strategy portfolio, the command that replays a run,
// and the Chrome trace that records one (with everything needed to replay it).
//
//   scenarios::RunConfig config{.seed = 3, .strategy = sim::StrategyKind::kPct,
//                               .bugs = {"no-conflict-check"}};
//   sim::RunResult r = scenarios::RunScenario("conflicting-writers", config);
//   if (!r.Passed()) std::cout << r.report;   // ends with "replay: bubble run ..."
//
// A RunConfig is what was asked for; ResolveRun validates it once against the scenario and gives
// a ResolvedRun, from which the replay command, the sim::Options, the trace metadata and a
// sweep's items are all derived (nothing re-validates after that).
//
// Determinism: a run is a pure function of (scenario, resolved options, bugs, seed, strategy,
// pct depth, limits) — or of (scenario, options, bugs, seed, limits, decisions) under the replay
// strategy.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/duration_text.h>
#include <bubble/sim/options.h>
#include <bubble/sim/trace_divergence.h>
#include <bubble/sim/trace_file.h>

namespace bubble::scenarios {

struct RunConfig {
  std::uint64_t seed = 1;
  sim::StrategyKind strategy = sim::StrategyKind::kRandom;
  int pct_depth = 3;
  std::vector<std::string> bugs{};
  std::vector<std::pair<std::string, std::string>> set{};  // --set KEY=VALUE, in order
  sim::TraceMode trace = sim::TraceMode::kFingerprint;
  sim::LogLevel log_level = sim::LogLevel::kOff;  // printed to stderr
  // Under StrategyKind::kReplay: the decisions to follow (the seed still feeds user randomness).
  std::vector<sim::Decision> replay{};
  // Printed in failure reports; empty: ReplayCommand() of this config.
  std::string replay_command{};
  // The program that replay commands name (argv[0] as invoked; quoted when printed).
  std::string program = "bubble";
  // Overrides of the scenario's limits (--step-limit, --time-limit); unset: the scenario's own,
  // else the kernel's defaults (sim::Options).
  std::optional<std::uint64_t> step_limit{};
  std::optional<sim::Duration> time_limit{};
  // sim::Options::real_time_budget (--real-time-budget); unset: the kernel's default. Not part
  // of the run's identity: it only ends a run that takes too long.
  std::optional<std::chrono::milliseconds> real_time_budget{};
  // Where fibers may be preempted (--preempt); unset: everywhere (sim::PreemptSet::All()).
  std::optional<sim::PreemptSet> preempt{};
  // PCT's horizon (--pct-horizon); unset: measured (MeasurePctHorizon).
  std::optional<std::uint64_t> pct_horizon{};
};

// A RunConfig validated against its scenario: options resolved (defaults filled in), bugs sorted
// and unique, limits decided. Build one with ResolveRun; copy freely.
struct ResolvedRun {
  const Scenario* scenario = nullptr;
  std::map<std::string, std::string> options;
  std::vector<std::string> bugs;
  std::uint64_t seed = 1;
  sim::StrategyKind strategy = sim::StrategyKind::kRandom;
  int pct_depth = 3;
  std::uint64_t step_limit = sim::Options{}.step_limit;
  sim::Duration time_limit = sim::Options{}.time_limit;
  sim::PreemptSet preempt = sim::PreemptSet::All();
  // Set only when asked for (--pct-horizon); otherwise a PCT run measures it.
  std::optional<std::uint64_t> pct_horizon{};
  std::string program = "bubble";
  // How to run it (not part of its identity).
  sim::TraceMode trace = sim::TraceMode::kFingerprint;
  sim::LogLevel log_level = sim::LogLevel::kOff;
  std::vector<sim::Decision> replay{};
  std::string replay_command{};  // empty: Command()
  std::chrono::milliseconds real_time_budget = sim::Options{}.real_time_budget;
  bool coverage = false;  // sim::Options::coverage (order facts for `sweep --coverage`)
  // sim::Options::custom_strategy: a strategy of the caller's instead of `strategy` (the
  // shrinker's lenient replay); `strategy` then only names the run in reports.
  std::function<std::unique_ptr<sim::Strategy>()> custom_strategy{};

  // `PROGRAM run SCENARIO --seed N --strategy S [--pct-depth D] [--pct-horizon K] [--bug B]...
  // [--set K=V]... [--preempt P] [--step-limit N] [--time-limit D]`: options equal to their
  // default and limits equal to the scenario's are left out; every word shell-quoted.
  std::string Command() const;
  // The kernel options of this run (a PCT run without --pct-horizon measures its horizon here).
  sim::Options SimOptions() const;
  // The horizon a PCT run of this configuration uses: pct_horizon, else MeasurePctHorizon.
  std::uint64_t PctHorizon() const;
};

// PCT's horizon for `run`'s program: the number of decisions a fifo run of it with seed 1 makes
// (at least 1). Seed and strategy do not enter, so every PCT seed of a sweep gets the same
// horizon and a replay command needs no extra flag. Measured once per configuration (scenario,
// options, bugs, preemption points, limits) and process; the cost is one run.
std::uint64_t MeasurePctHorizon(const ResolvedRun& run);

// Validates `config` against `scenario` (ConfigError naming the scenario and the valid choices).
ResolvedRun ResolveRun(const Scenario& scenario, const RunConfig& config);

// The limits a scenario runs with when the command line does not override them.
std::uint64_t DefaultStepLimit(const Scenario& scenario) noexcept;
sim::Duration DefaultTimeLimit(const Scenario& scenario) noexcept;

// The duration syntax of --time-limit ("90s", "250ms"): sim's parser, named here for the
// command line.
using sim::ParseDuration;

// The default strategy portfolio of `bubble sweep` (PortfolioDescription says which seed runs
// which): every short range of seeds explores uniformly and with shallow and deep PCT.
struct PortfolioEntry {
  sim::StrategyKind strategy;
  int pct_depth;
};

PortfolioEntry PortfolioFor(std::uint64_t seed) noexcept;
// The portfolio's entries: seed s runs entry s % Portfolio().size().
std::span<const PortfolioEntry> Portfolio() noexcept;
// "seed mod 8: even random, 1 pct depth 2, ..." (for help texts and reports).
std::string_view PortfolioDescription() noexcept;

// ResolveRun(scenario, config).Command(): the exact command that reruns `config`.
std::string ReplayCommand(const Scenario& scenario, const RunConfig& config);

// Called after the run while the bubble (and its trace) is still alive.
using AfterRun = std::function<void(sim::Bubble&, const sim::RunResult&)>;

// Runs the scenario once. Throws ConfigError for unknown bugs or options (before any run).
sim::RunResult RunScenario(const Scenario& scenario, const RunConfig& config,
                           const AfterRun& after = {});
sim::RunResult RunScenario(std::string_view name, const RunConfig& config,
                           const AfterRun& after = {});
sim::RunResult RunScenario(const ResolvedRun& run, const AfterRun& after = {});

// Called after the run with the scenario's context too (its Liveness() reaches the tracked
// clientsets: the convergence check reads their final state here).
using AfterRunInContext =
    std::function<void(sim::Bubble&, const sim::RunResult&, const ScenarioContext&)>;

// A look at the run at one virtual instant (`bubble run --pause-at`): `observe` gets the
// scenario's context once every step up to `at` (from the epoch) has run, or when the run ends
// first. It runs with no fiber current and may only read (sim::InstantObserver): the run's
// decisions and fingerprint stay the same.
struct ObserveAt {
  sim::Duration at{};
  std::function<void(const ScenarioContext&)> observe{};
};

sim::RunResult RunScenarioInContext(const ResolvedRun& run, const AfterRunInContext& after,
                                    const std::optional<ObserveAt>& observe_at = {});

// ---- Traces that replay ------------------------------------------------------------------

// Runs with a full trace and writes it as a trace file (sim/trace_file.h: Chrome trace JSON
// whose "bubble" key says how to replay the run; kind "scenario"). Returns the run's result.
sim::RunResult RunAndWriteTrace(ResolvedRun run, std::ostream& out);
sim::RunResult RunAndWriteTrace(const Scenario& scenario, const RunConfig& config,
                                std::ostream& out);

// What a trace file of `run` says before the outcome is added (sim::WriteTraceFile adds it): its
// origin (replay: run.replay_command, else run.Command()), options, bugs, seed, strategy, limits.
sim::TraceFile TraceFileOf(const ResolvedRun& run);

// Who wrote a trace and how to rerun it (sim::TraceFile's origin).
using sim::TraceOrigin;

// A trace this program cannot replay itself: a test's trace, or a scenario it does not have.
// The message says who wrote it and how to replay it.
class ForeignTraceError : public ConfigError {
 public:
  ForeignTraceError(std::string message, TraceOrigin origin)
      : ConfigError(std::move(message)), origin_(std::move(origin)) {}

  const TraceOrigin& Origin() const noexcept { return origin_; }

 private:
  TraceOrigin origin_;
};

// A trace file read back: the run it records.
struct RecordedRun {
  const Scenario* scenario = nullptr;
  RunConfig config;  // strategy as recorded; `replay` holds the recorded decisions
  TraceOrigin origin;
  std::uint64_t fingerprint = 0;
  bool passed = true;   // the recorded outcome
  std::string failure;  // its failure message ("" when it passed)
  std::vector<sim::TraceEvent> records;
  std::vector<std::string> fiber_names;
};

// Looks a scenario up by name (FindScenario, or a program's own list).
using ScenarioFinder = std::function<const Scenario*(std::string_view)>;

// Parses a trace file written by RunAndWriteTrace. ForeignTraceError for a test's trace or a
// scenario `find` does not know, when the trace says who wrote it; ConfigError if it is not a
// trace (names what is missing or malformed), names an unknown scenario, option or bug, or has
// another format version.
RecordedRun ParseTrace(std::string_view json_text, const ScenarioFinder& find = FindScenario);

// The first record where two traces differ (sim/trace_divergence.h).
using sim::FirstDivergence;

// Reruns `run` twice with full traces and explains why their fingerprints differ (for
// determinism checks).
std::string ExplainNondeterminism(const ResolvedRun& run);
std::string ExplainNondeterminism(const Scenario& scenario, const RunConfig& config);

}  // namespace bubble::scenarios
