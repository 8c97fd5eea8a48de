// scenarios/src/run.cc
#include "bubble/scenarios/run.h"

#include <algorithm>
#include <mutex>
#include <ostream>
#include <sstream>

#include <fmt/format.h>

#include <bubble/sim/duration_text.h>
#include <bubble/sim/pct_horizon.h>
#include <bubble/sim/shell_word.h>
#include <bubble/sim/trace_divergence.h>
#include <bubble/sim/trace_file.h>

namespace bubble::scenarios {

namespace {

// Half the seeds random (it finds the races one preemption at any of many points exposes in a
// seed or two), half PCT from shallow to deep (it finds the ones that need a fiber starved
// through a long stretch, where random's coin flips rarely line up); measured in
// docs/benchmarks.md, "Finding planted bugs".
constexpr PortfolioEntry kPortfolio[] = {
    {sim::StrategyKind::kRandom, 3}, {sim::StrategyKind::kPct, 2},
    {sim::StrategyKind::kRandom, 3}, {sim::StrategyKind::kPct, 3},
    {sim::StrategyKind::kRandom, 3}, {sim::StrategyKind::kPct, 5},
    {sim::StrategyKind::kRandom, 3}, {sim::StrategyKind::kPct, 10},
};

}  // namespace

std::span<const PortfolioEntry> Portfolio() noexcept {
  return kPortfolio;
}

PortfolioEntry PortfolioFor(std::uint64_t seed) noexcept {
  return kPortfolio[seed % std::size(kPortfolio)];
}

std::string_view PortfolioDescription() noexcept {
  return "seed mod 8: even random, 1 pct depth 2, 3 pct depth 3, 5 pct depth 5, 7 pct depth 10";
}

std::uint64_t DefaultStepLimit(const Scenario& scenario) noexcept {
  return scenario.step_limit.value_or(sim::Options{}.step_limit);
}

sim::Duration DefaultTimeLimit(const Scenario& scenario) noexcept {
  return scenario.time_limit.value_or(sim::Options{}.time_limit);
}

ResolvedRun ResolveRun(const Scenario& scenario, const RunConfig& config) {
  ResolvedConfig resolved = Resolve(scenario, config.bugs, config.set);
  if (config.pct_depth < 1) {
    throw ConfigError(fmt::format("pct depth {} is not a depth: use 1 or more", config.pct_depth));
  }
  if (config.step_limit && *config.step_limit == 0) {
    throw ConfigError("step limit 0 is not a limit: use 1 or more");
  }
  if (config.time_limit && *config.time_limit <= sim::Duration::zero()) {
    throw ConfigError("the time limit must be positive");
  }
  ResolvedRun run;
  run.scenario = &scenario;
  run.options = std::move(resolved.options);
  run.bugs = std::move(resolved.bugs);
  run.seed = config.seed;
  run.strategy = config.strategy;
  run.pct_depth = config.pct_depth;
  run.step_limit = config.step_limit.value_or(DefaultStepLimit(scenario));
  run.real_time_budget = config.real_time_budget.value_or(sim::Options{}.real_time_budget);
  run.time_limit = config.time_limit.value_or(DefaultTimeLimit(scenario));
  run.preempt = config.preempt.value_or(sim::PreemptSet::All());
  if (config.pct_horizon && *config.pct_horizon == 0) {
    throw ConfigError(
        "pct horizon 0 is not a horizon: use 1 or more, or leave it out to measure it");
  }
  run.pct_horizon = config.pct_horizon;
  run.program = config.program;
  run.trace = config.trace;
  run.log_level = config.log_level;
  run.replay = config.replay;
  run.replay_command = config.replay_command;
  return run;
}

std::string ResolvedRun::Command() const {
  std::string cmd = fmt::format("{} run {} --seed {}", sim::ShellWord(program),
                                sim::ShellWord(scenario->name), seed);
  if (strategy != sim::StrategyKind::kReplay) {
    cmd += fmt::format(" --strategy {}", sim::StrategyName(strategy));
  }
  if (strategy == sim::StrategyKind::kPct) {
    cmd += fmt::format(" --pct-depth {}", pct_depth);
    if (pct_horizon) {
      cmd += fmt::format(" --pct-horizon {}", *pct_horizon);
    }
  }
  for (const std::string& bug : bugs) {
    cmd += " --bug " + sim::ShellWord(bug);
  }
  for (const OptionSpec& o : scenario->options) {
    const auto it = options.find(o.key);
    if (it != options.end() && it->second != o.default_value) {
      cmd += " --set " + sim::ShellWord(o.key + "=" + it->second);
    }
  }
  if (preempt != sim::PreemptSet::All()) {
    cmd += " --preempt " + sim::FormatPreemptSet(preempt);
  }
  if (step_limit != DefaultStepLimit(*scenario)) {
    cmd += fmt::format(" --step-limit {}", step_limit);
  }
  if (time_limit != DefaultTimeLimit(*scenario)) {
    cmd += " --time-limit " + sim::FormatExactDuration(time_limit);
  }
  return cmd;
}

sim::Options ResolvedRun::SimOptions() const {
  sim::Options o;
  o.seed = seed;
  o.strategy = strategy;
  o.pct_depth = pct_depth;
  o.pct_horizon = strategy == sim::StrategyKind::kPct ? PctHorizon() : 0;
  o.preempt = preempt;
  o.replay = replay;
  o.trace = trace;
  o.log_level = log_level;
  o.step_limit = step_limit;
  o.time_limit = time_limit;
  o.real_time_budget = real_time_budget;
  o.coverage = coverage;
  o.replay_command = replay_command.empty() ? Command() : replay_command;
  o.custom_strategy = custom_strategy;
  o.settle = scenario->settle;
  return o;
}

namespace {

sim::RunResult RunWithOptions(const ResolvedRun& run, sim::Options options,
                              const AfterRunInContext& after,
                              const std::optional<ObserveAt>& observe_at = {}) {
  const ScenarioContext* observed = nullptr;  // the context, once it exists (before Run)
  if (observe_at) {
    options.observe_instant = sim::InstantObserver{
        .at = sim::Clock::Epoch() + observe_at->at,
        .observe = [&observed, &observe_at] { observe_at->observe(*observed); }};
  }
  sim::Bubble bubble(std::move(options));
  // The context outlives the run: bodies may keep references to it.
  const ScenarioContext context(bubble, run.options, run.bugs);
  observed = &context;
  sim::Task root = run.scenario->body(context);
  sim::RunResult result = bubble.Run(std::move(root));
  if (after) {
    after(bubble, result, context);
  }
  return result;
}

AfterRunInContext InContext(const AfterRun& after) {
  if (!after) {
    return {};
  }
  return [&after](sim::Bubble& b, const sim::RunResult& r, const ScenarioContext&) { after(b, r); };
}

}  // namespace

std::uint64_t ResolvedRun::PctHorizon() const {
  return pct_horizon ? *pct_horizon : MeasurePctHorizon(*this);
}

std::uint64_t MeasurePctHorizon(const ResolvedRun& run) {
  // What the program is, not how this run explores it.
  std::string key = run.scenario->name;
  for (const auto& [k, v] : run.options) {
    key += fmt::format(" {}={}", k, v);
  }
  for (const std::string& bug : run.bugs) {
    key += " bug=" + bug;
  }
  key += fmt::format(" preempt={} steps={} time={}", sim::FormatPreemptSet(run.preempt),
                     run.step_limit, run.time_limit.count());
  static std::mutex mu;
  static std::map<std::string, std::uint64_t> measured;
  {
    const std::lock_guard<std::mutex> lock(mu);
    if (const auto it = measured.find(key); it != measured.end()) {
      return it->second;
    }
  }
  ResolvedRun fifo = run;  // SimOptions of a fifo run measures nothing
  fifo.strategy = sim::StrategyKind::kFifo;
  const std::uint64_t horizon =
      sim::PctHorizonOf(RunWithOptions(run, sim::PctHorizonProbe(fifo.SimOptions()), {}));
  const std::lock_guard<std::mutex> lock(mu);
  measured.emplace(std::move(key), horizon);
  return horizon;
}

std::string ReplayCommand(const Scenario& scenario, const RunConfig& config) {
  return ResolveRun(scenario, config).Command();
}

sim::RunResult RunScenario(const ResolvedRun& run, const AfterRun& after) {
  return RunWithOptions(run, run.SimOptions(), InContext(after));
}

sim::RunResult RunScenarioInContext(const ResolvedRun& run, const AfterRunInContext& after,
                                    const std::optional<ObserveAt>& observe_at) {
  return RunWithOptions(run, run.SimOptions(), after, observe_at);
}

sim::RunResult RunScenario(const Scenario& scenario, const RunConfig& config,
                           const AfterRun& after) {
  return RunScenario(ResolveRun(scenario, config), after);
}

sim::RunResult RunScenario(std::string_view name, const RunConfig& config, const AfterRun& after) {
  return RunScenario(GetScenario(name), config, after);
}

sim::TraceFile TraceFileOf(const ResolvedRun& run) {
  sim::TraceFile f;
  f.origin = {.kind = "scenario",
              .program = run.program,
              .scenario = run.scenario->name,
              .test = "",
              .replay = run.replay_command.empty() ? run.Command() : run.replay_command};
  f.options = run.options;
  f.bugs = run.bugs;
  sim::SetRunIdentity(f, run.SimOptions());
  return f;
}

sim::RunResult RunAndWriteTrace(ResolvedRun run, std::ostream& out) {
  run.trace = sim::TraceMode::kFull;
  return RunScenario(run, [&](sim::Bubble& b, const sim::RunResult& r) {
    sim::WriteTraceFile(out, TraceFileOf(run), b, r);
  });
}

sim::RunResult RunAndWriteTrace(const Scenario& scenario, const RunConfig& config,
                                std::ostream& out) {
  return RunAndWriteTrace(ResolveRun(scenario, config), out);
}

namespace {

[[noreturn]] void ThrowTestTrace(const TraceOrigin& origin) {
  const std::string writer =
      origin.program.empty() ? std::string("another program") : sim::ShellWord(origin.program);
  throw ForeignTraceError(
      fmt::format("was written by {} (test \"{}\"); replay it with: {}", writer, origin.test,
                  origin.replay.empty() ? std::string("(the trace does not say)") : origin.replay),
      origin);
}

// The scenario a trace names, or the error saying who wrote the trace.
const Scenario& FindRecordedScenario(const TraceOrigin& origin, const ScenarioFinder& find) {
  const Scenario* scenario = find(origin.scenario);
  if (scenario != nullptr) {
    return *scenario;
  }
  if (origin.program.empty()) {
    throw ConfigError(fmt::format("unknown scenario \"{}\" in the trace", origin.scenario));
  }
  throw ForeignTraceError(fmt::format("was written by {} (scenario \"{}\"), which this program "
                                      "does not have",
                                      sim::ShellWord(origin.program), origin.scenario),
                          origin);
}

}  // namespace

RecordedRun ParseTrace(std::string_view json_text, const ScenarioFinder& find) {
  sim::TraceFile file;
  try {
    file = sim::ParseTraceFile(json_text);
  } catch (const sim::TraceFileError& e) {
    // Who wrote the trace matters more than what is wrong with it: only a test binary replays
    // a test's trace, and a scenario this program lacks is another program's.
    if (e.Origin().kind == "test") {
      ThrowTestTrace(e.Origin());
    }
    if (e.Origin().kind == "scenario") {
      FindRecordedScenario(e.Origin(), find);
    }
    throw ConfigError(e.what());
  }
  RecordedRun run;
  run.origin = file.origin;
  const TraceOrigin& origin = run.origin;
  if (origin.kind == "test") {
    ThrowTestTrace(origin);
  }
  run.scenario = &FindRecordedScenario(origin, find);
  run.config.program = origin.program.empty() ? run.config.program : origin.program;
  for (const auto& [key, value] : file.options) {
    run.config.set.emplace_back(key, value);
  }
  run.config.bugs = std::move(file.bugs);
  run.config.seed = file.seed;
  run.config.strategy = file.strategy;
  run.config.pct_depth = file.pct_depth;
  run.config.step_limit = file.step_limit;
  run.config.time_limit = file.time_limit;
  run.config.preempt = file.preempt;
  run.config.pct_horizon = file.pct_horizon;
  run.config.replay = std::move(file.decisions);
  run.fingerprint = file.fingerprint;
  run.passed = file.passed;
  run.failure = std::move(file.failure);
  run.records = std::move(file.records);
  run.fiber_names = std::move(file.fiber_names);
  // Options, bugs and limits must still be valid.
  ResolveRun(*run.scenario, run.config);
  return run;
}

std::string ExplainNondeterminism(const Scenario& scenario, const RunConfig& config) {
  return ExplainNondeterminism(ResolveRun(scenario, config));
}

std::string ExplainNondeterminism(const ResolvedRun& run) {
  ResolvedRun full = run;
  full.trace = sim::TraceMode::kFull;
  full.log_level = sim::LogLevel::kOff;
  std::vector<sim::TraceEvent> events[2];
  std::vector<std::string> names[2];
  for (int i = 0; i < 2; ++i) {
    RunScenario(full, [&](sim::Bubble& b, const sim::RunResult&) {
      events[i] = b.GetTrace().Events();
      const auto n = b.GetTrace().FiberNames();
      names[i].assign(n.begin(), n.end());
    });
  }
  return sim::FirstDivergence(events[0], names[0], events[1], names[1])
      .value_or("the full traces are identical (the divergence depends on the trace mode)");
}

}  // namespace bubble::scenarios
