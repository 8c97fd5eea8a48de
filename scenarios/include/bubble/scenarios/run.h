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
// Determinism: a run is a pure function of (scenario, resolved options, bugs, seed, strategy,
// pct depth) — or of (scenario, options, bugs, seed, decisions) under the replay strategy.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>

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
};

// The default strategy portfolio of `bubble sweep`: seed s runs with entry s % 4 of
//   0: random   1: pct depth 2   2: random   3: pct depth 3
// so every range of four seeds explores uniformly and with shallow and deeper PCT.
struct PortfolioEntry {
  sim::StrategyKind strategy;
  int pct_depth;
};

PortfolioEntry PortfolioFor(std::uint64_t seed) noexcept;
// "random, pct(d=2), random, pct(d=3) by seed mod 4" (for help texts and reports).
std::string_view PortfolioDescription() noexcept;

// `bubble run SCENARIO --seed N --strategy S [--pct-depth D] [--bug B]... [--set K=V]...`: the
// exact command that reruns `config` (options equal to their default are left out).
std::string ReplayCommand(const Scenario& scenario, const RunConfig& config);

// Called after the run while the bubble (and its trace) is still alive.
using AfterRun = std::function<void(sim::Bubble&, const sim::RunResult&)>;

// Runs the scenario once. Throws ConfigError for unknown bugs or options (before any run).
sim::RunResult RunScenario(const Scenario& scenario, const RunConfig& config,
                           const AfterRun& after = {});
sim::RunResult RunScenario(std::string_view name, const RunConfig& config,
                           const AfterRun& after = {});

// ---- Traces that replay ------------------------------------------------------------------

// The "bubble" metadata object a trace file carries: format version, scenario, options, bugs,
// seed, strategy, pct depth, decisions, fingerprint, result, failure, fiber names and every
// trace record ([time_ns, fiber, kind, arg, detail]).
nlohmann::json TraceMetadata(const Scenario& scenario, const RunConfig& config, sim::Bubble& bubble,
                             const sim::RunResult& result);

// Runs `config` with a full trace and writes it as Chrome trace JSON (Perfetto) whose "bubble"
// key holds TraceMetadata. Returns the run's result.
sim::RunResult RunAndWriteTrace(const Scenario& scenario, RunConfig config, std::ostream& out);

// A trace file read back: the run it records.
struct RecordedRun {
  const Scenario* scenario = nullptr;
  RunConfig config;  // strategy as recorded; `replay` holds the recorded decisions
  std::uint64_t fingerprint = 0;
  std::vector<sim::TraceEvent> records;
  std::vector<std::string> fiber_names;
};

// Parses a trace file written by RunAndWriteTrace. ConfigError if it is not one (names what is
// missing or malformed) or names an unknown scenario, option or bug.
RecordedRun ParseTrace(std::string_view json_text);

// The first record where two traces differ ("first divergence at trace record N: ..."), or
// nullopt if they are identical.
std::optional<std::string> FirstDivergence(const std::vector<sim::TraceEvent>& a,
                                           std::span<const std::string> a_names,
                                           const std::vector<sim::TraceEvent>& b,
                                           std::span<const std::string> b_names);

// Reruns `config` twice with full traces and explains why their fingerprints differ (for
// determinism checks).
std::string ExplainNondeterminism(const Scenario& scenario, const RunConfig& config);

}  // namespace bubble::scenarios
