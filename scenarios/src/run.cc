// scenarios/src/run.cc
#include "bubble/scenarios/run.h"

#include <charconv>
#include <chrono>
#include <ostream>
#include <sstream>

#include <fmt/format.h>

#include <bubble/sim/shell_word.h>

namespace bubble::scenarios {

namespace {

constexpr int kTraceFormatVersion = 1;

constexpr PortfolioEntry kPortfolio[] = {
    {sim::StrategyKind::kRandom, 3},
    {sim::StrategyKind::kPct, 2},
    {sim::StrategyKind::kRandom, 3},
    {sim::StrategyKind::kPct, 3},
};

std::optional<sim::EventKind> ParseEventKind(std::string_view name) {
  for (int k = 0; k <= static_cast<int>(sim::EventKind::kFailure); ++k) {
    const auto kind = static_cast<sim::EventKind>(k);
    if (sim::EventKindName(kind) == name) {
      return kind;
    }
  }
  return std::nullopt;
}

bool SameRecord(const sim::TraceEvent& a, const sim::TraceEvent& b) {
  return a.time_ns == b.time_ns && a.fiber == b.fiber && a.kind == b.kind && a.arg == b.arg &&
         a.detail == b.detail;
}

}  // namespace

PortfolioEntry PortfolioFor(std::uint64_t seed) noexcept {
  return kPortfolio[seed % std::size(kPortfolio)];
}

std::string_view PortfolioDescription() noexcept {
  return "seed mod 4: 0 random, 1 pct depth 2, 2 random, 3 pct depth 3";
}

std::uint64_t DefaultStepLimit(const Scenario& scenario) noexcept {
  return scenario.step_limit.value_or(sim::Options{}.step_limit);
}

sim::Duration DefaultTimeLimit(const Scenario& scenario) noexcept {
  return scenario.time_limit.value_or(sim::Options{}.time_limit);
}

std::optional<sim::Duration> ParseDuration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    ++digits;
  }
  if (digits == 0 || digits > 12) {
    return std::nullopt;
  }
  std::int64_t n = 0;
  std::from_chars(text.data(), text.data() + digits, n);
  const std::string_view unit = text.substr(digits);
  sim::Duration d{};
  if (unit == "ns") {
    d = std::chrono::nanoseconds(n);
  } else if (unit == "us") {
    d = std::chrono::microseconds(n);
  } else if (unit == "ms") {
    d = std::chrono::milliseconds(n);
  } else if (unit == "s") {
    d = std::chrono::seconds(n);
  } else if (unit == "m") {
    d = std::chrono::minutes(n);
  } else if (unit == "h") {
    d = std::chrono::hours(n);
  } else {
    return std::nullopt;
  }
  if (d <= sim::Duration::zero()) {
    return std::nullopt;
  }
  return d;
}

std::string FormatLimit(sim::Duration d) {
  const std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  constexpr std::pair<std::int64_t, const char*> kUnits[] = {
      {3'600'000'000'000, "h"}, {60'000'000'000, "m"}, {1'000'000'000, "s"},
      {1'000'000, "ms"},        {1'000, "us"},         {1, "ns"}};
  for (const auto& [size, unit] : kUnits) {
    if (ns % size == 0) {
      return fmt::format("{}{}", ns / size, unit);
    }
  }
  return fmt::format("{}ns", ns);
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
  run.time_limit = config.time_limit.value_or(DefaultTimeLimit(scenario));
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
  if (step_limit != DefaultStepLimit(*scenario)) {
    cmd += fmt::format(" --step-limit {}", step_limit);
  }
  if (time_limit != DefaultTimeLimit(*scenario)) {
    cmd += " --time-limit " + FormatLimit(time_limit);
  }
  return cmd;
}

sim::Options ResolvedRun::SimOptions() const {
  sim::Options o;
  o.seed = seed;
  o.strategy = strategy;
  o.pct_depth = pct_depth;
  o.pct_horizon = scenario->pct_horizon;
  o.replay = replay;
  o.trace = trace;
  o.log_level = log_level;
  o.step_limit = step_limit;
  o.time_limit = time_limit;
  o.replay_command = replay_command.empty() ? Command() : replay_command;
  return o;
}

std::string ReplayCommand(const Scenario& scenario, const RunConfig& config) {
  return ResolveRun(scenario, config).Command();
}

sim::RunResult RunScenario(const ResolvedRun& run, const AfterRun& after) {
  sim::Bubble bubble(run.SimOptions());
  // The context outlives the run: bodies may keep references to it.
  const ScenarioContext context(bubble, run.options, run.bugs);
  sim::Task root = run.scenario->body(context);
  sim::RunResult result = bubble.Run(std::move(root));
  if (after) {
    after(bubble, result);
  }
  return result;
}

sim::RunResult RunScenario(const Scenario& scenario, const RunConfig& config,
                           const AfterRun& after) {
  return RunScenario(ResolveRun(scenario, config), after);
}

sim::RunResult RunScenario(std::string_view name, const RunConfig& config, const AfterRun& after) {
  return RunScenario(GetScenario(name), config, after);
}

nlohmann::json TraceMetadata(const ResolvedRun& run, sim::Bubble& bubble,
                             const sim::RunResult& result) {
  nlohmann::json j;
  j["format"] = "bubble-trace";
  j["version"] = kTraceFormatVersion;
  j["kind"] = "scenario";
  j["program"] = run.program;
  j["replay"] = run.Command();
  j["scenario"] = run.scenario->name;
  j["options"] = run.options;
  j["bugs"] = run.bugs;
  j["seed"] = run.seed;
  j["strategy"] = std::string(sim::StrategyName(run.strategy));
  j["pct_depth"] = run.pct_depth;
  j["step_limit"] = run.step_limit;
  j["time_limit"] = FormatLimit(run.time_limit);
  j["decisions"] = sim::FormatDecisions(result.decisions);
  j["fingerprint"] = result.FingerprintHex();
  j["result"] = result.Passed() ? "pass" : "fail";
  j["failure"] = result.failure ? result.failure->message : std::string();
  sim::Trace& trace = bubble.GetTrace();
  nlohmann::json names = nlohmann::json::array();
  for (const std::string& n : trace.FiberNames()) {
    names.push_back(n);
  }
  j["fiber_names"] = std::move(names);
  nlohmann::json records = nlohmann::json::array();
  for (const sim::TraceEvent& e : trace.Events()) {
    records.push_back(nlohmann::json::array(
        {e.time_ns, e.fiber, std::string(sim::EventKindName(e.kind)), e.arg, e.detail}));
  }
  j["records"] = std::move(records);
  return j;
}

sim::RunResult RunAndWriteTrace(ResolvedRun run, std::ostream& out) {
  run.trace = sim::TraceMode::kFull;
  return RunScenario(run, [&](sim::Bubble& b, const sim::RunResult& r) {
    b.GetTrace().WriteChromeJson(out, TraceMetadata(run, b, r).dump());
  });
}

sim::RunResult RunAndWriteTrace(const Scenario& scenario, const RunConfig& config,
                                std::ostream& out) {
  return RunAndWriteTrace(ResolveRun(scenario, config), out);
}

RecordedRun ParseTrace(std::string_view json_text, const ScenarioFinder& find) {
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    throw ConfigError("not a JSON document");
  }
  if (!doc.is_object() || !doc.contains("bubble") || !doc["bubble"].is_object()) {
    throw ConfigError("not a bubble trace (no \"bubble\" metadata object; write one with --trace)");
  }
  const nlohmann::json& m = doc["bubble"];
  if (m.value("format", "") != "bubble-trace") {
    throw ConfigError("not a bubble trace (metadata format is not \"bubble-trace\")");
  }
  RecordedRun run;
  try {
    run.origin.kind = m.value("kind", "scenario");
    run.origin.program = m.value("program", "");
    run.origin.scenario = m.value("scenario", "");
    run.origin.test = m.value("test", "");
    run.origin.replay = m.value("replay", m.value("replay_command", ""));
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("malformed bubble trace metadata: {}", e.what()));
  }
  const TraceOrigin& origin = run.origin;
  const std::string writer =
      origin.program.empty() ? std::string("another program") : sim::ShellWord(origin.program);
  if (origin.kind == "test") {
    throw ForeignTraceError(
        fmt::format(
            "was written by {} (test \"{}\"); replay it with: {}", writer, origin.test,
            origin.replay.empty() ? std::string("(the trace does not say)") : origin.replay),
        origin);
  }
  if (origin.kind != "scenario") {
    throw ConfigError(fmt::format("unknown bubble trace kind \"{}\"", origin.kind));
  }
  if (m.value("version", 0) != kTraceFormatVersion) {
    throw ConfigError(fmt::format("unsupported bubble trace version {} (this bubble reads {})",
                                  m.value("version", 0), kTraceFormatVersion));
  }
  run.scenario = find(origin.scenario);
  if (run.scenario == nullptr) {
    if (origin.program.empty()) {
      throw ConfigError(fmt::format("unknown scenario \"{}\" in the trace", origin.scenario));
    }
    throw ForeignTraceError(fmt::format("was written by {} (scenario \"{}\"), which this program "
                                        "does not have",
                                        writer, origin.scenario),
                            origin);
  }
  try {
    run.config.program = origin.program.empty() ? run.config.program : origin.program;
    for (const auto& [key, value] : m.at("options").items()) {
      run.config.set.emplace_back(key, value.get<std::string>());
    }
    run.config.bugs = m.at("bugs").get<std::vector<std::string>>();
    run.config.seed = m.at("seed").get<std::uint64_t>();
    const auto strategy = sim::ParseStrategy(m.at("strategy").get<std::string>());
    if (!strategy) {
      throw ConfigError(
          fmt::format("unknown strategy \"{}\"", m.at("strategy").get<std::string>()));
    }
    run.config.strategy = *strategy;
    run.config.pct_depth = m.at("pct_depth").get<int>();
    // Traces before limits were recorded ran with the defaults.
    if (m.contains("step_limit")) {
      run.config.step_limit = m.at("step_limit").get<std::uint64_t>();
    }
    if (m.contains("time_limit")) {
      const std::string text = m.at("time_limit").get<std::string>();
      run.config.time_limit = ParseDuration(text);
      if (!run.config.time_limit) {
        throw ConfigError(fmt::format("malformed time limit \"{}\"", text));
      }
    }
    const auto decisions = sim::ParseDecisions(m.at("decisions").get<std::string>());
    if (!decisions) {
      throw ConfigError("malformed decisions");
    }
    run.config.replay = *decisions;
    const std::string fp = m.at("fingerprint").get<std::string>();
    std::size_t used = 0;
    run.fingerprint = std::stoull(fp, &used, 16);
    if (fp.size() != 16 || used != fp.size()) {
      throw ConfigError(fmt::format("malformed fingerprint \"{}\"", fp));
    }
    run.fiber_names = m.at("fiber_names").get<std::vector<std::string>>();
    for (const nlohmann::json& r : m.at("records")) {
      const auto kind = ParseEventKind(r.at(2).get<std::string>());
      if (!kind || r.size() != 5) {
        throw ConfigError(fmt::format("malformed trace record {}", r.dump()));
      }
      run.records.push_back({r.at(0).get<std::int64_t>(), r.at(1).get<std::uint64_t>(), *kind,
                             r.at(3).get<std::uint64_t>(), r.at(4).get<std::string>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("malformed bubble trace metadata: {}", e.what()));
  } catch (const std::logic_error& e) {  // stoull
    if (dynamic_cast<const ConfigError*>(&e) != nullptr) {
      throw;
    }
    throw ConfigError(fmt::format("malformed bubble trace metadata: {}", e.what()));
  }
  // Options, bugs and limits must still be valid.
  ResolveRun(*run.scenario, run.config);
  return run;
}

std::optional<std::string> FirstDivergence(const std::vector<sim::TraceEvent>& a,
                                           std::span<const std::string> a_names,
                                           const std::vector<sim::TraceEvent>& b,
                                           std::span<const std::string> b_names) {
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    if (i < a.size() && i < b.size() && SameRecord(a[i], b[i])) {
      continue;
    }
    return fmt::format("first divergence at trace record {}:\n  expected: {}\n  actual:   {}",
                       i + 1, i < a.size() ? sim::FormatEvent(a[i], a_names) : "(end of trace)",
                       i < b.size() ? sim::FormatEvent(b[i], b_names) : "(end of trace)");
  }
  return std::nullopt;
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
  return FirstDivergence(events[0], names[0], events[1], names[1])
      .value_or("the full traces are identical (the divergence depends on the trace mode)");
}

}  // namespace bubble::scenarios
