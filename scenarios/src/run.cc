// scenarios/src/run.cc
#include "bubble/scenarios/run.h"

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

std::string ReplayCommand(const Scenario& scenario, const RunConfig& config) {
  std::string cmd = fmt::format("bubble run {} --seed {}", scenario.name, config.seed);
  if (config.strategy != sim::StrategyKind::kReplay) {
    cmd += fmt::format(" --strategy {}", sim::StrategyName(config.strategy));
  }
  if (config.strategy == sim::StrategyKind::kPct) {
    cmd += fmt::format(" --pct-depth {}", config.pct_depth);
  }
  ResolvedConfig resolved = Resolve(scenario, config.bugs, config.set);
  for (const std::string& bug : resolved.bugs) {
    cmd += " --bug " + sim::ShellWord(bug);
  }
  for (const OptionSpec& o : scenario.options) {
    const std::string& v = resolved.options[o.key];
    if (v != o.default_value) {
      cmd += " --set " + sim::ShellWord(o.key + "=" + v);
    }
  }
  return cmd;
}

sim::RunResult RunScenario(const Scenario& scenario, const RunConfig& config,
                           const AfterRun& after) {
  const ResolvedConfig resolved = Resolve(scenario, config.bugs, config.set);
  sim::Options o;
  o.seed = config.seed;
  o.strategy = config.strategy;
  o.pct_depth = config.pct_depth;
  o.pct_horizon = scenario.pct_horizon;
  o.replay = config.replay;
  o.trace = config.trace;
  o.log_level = config.log_level;
  o.replay_command =
      config.replay_command.empty() ? ReplayCommand(scenario, config) : config.replay_command;
  sim::Bubble bubble(std::move(o));
  // The context outlives the run: bodies may keep references to it.
  const ScenarioContext context(bubble, resolved.options, resolved.bugs);
  sim::Task root = scenario.body(context);
  sim::RunResult result = bubble.Run(std::move(root));
  if (after) {
    after(bubble, result);
  }
  return result;
}

sim::RunResult RunScenario(std::string_view name, const RunConfig& config, const AfterRun& after) {
  return RunScenario(GetScenario(name), config, after);
}

nlohmann::json TraceMetadata(const Scenario& scenario, const RunConfig& config, sim::Bubble& bubble,
                             const sim::RunResult& result) {
  const ResolvedConfig resolved = Resolve(scenario, config.bugs, config.set);
  nlohmann::json j;
  j["format"] = "bubble-trace";
  j["version"] = kTraceFormatVersion;
  j["scenario"] = scenario.name;
  j["options"] = resolved.options;
  j["bugs"] = resolved.bugs;
  j["seed"] = config.seed;
  j["strategy"] = std::string(sim::StrategyName(config.strategy));
  j["pct_depth"] = config.pct_depth;
  j["decisions"] = sim::FormatDecisions(result.decisions);
  j["fingerprint"] = result.FingerprintHex();
  j["result"] = result.Passed() ? "pass" : "fail";
  j["failure"] = result.failure ? result.failure->message : std::string();
  j["replay_command"] = ReplayCommand(scenario, config);
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

sim::RunResult RunAndWriteTrace(const Scenario& scenario, RunConfig config, std::ostream& out) {
  config.trace = sim::TraceMode::kFull;
  return RunScenario(scenario, config, [&](sim::Bubble& b, const sim::RunResult& r) {
    b.GetTrace().WriteChromeJson(out, TraceMetadata(scenario, config, b, r).dump());
  });
}

RecordedRun ParseTrace(std::string_view json_text) {
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
  if (m.value("version", 0) != kTraceFormatVersion) {
    throw ConfigError(fmt::format("unsupported bubble trace version {} (this bubble reads {})",
                                  m.value("version", 0), kTraceFormatVersion));
  }
  RecordedRun run;
  try {
    run.scenario = &GetScenario(m.at("scenario").get<std::string>());
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
  // Options and bugs must still exist.
  Resolve(*run.scenario, run.config.bugs, run.config.set);
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
  RunConfig full = config;
  full.trace = sim::TraceMode::kFull;
  full.log_level = sim::LogLevel::kOff;
  std::vector<sim::TraceEvent> events[2];
  std::vector<std::string> names[2];
  for (int i = 0; i < 2; ++i) {
    RunScenario(scenario, full, [&](sim::Bubble& b, const sim::RunResult&) {
      events[i] = b.GetTrace().Events();
      const auto n = b.GetTrace().FiberNames();
      names[i].assign(n.begin(), n.end());
    });
  }
  return FirstDivergence(events[0], names[0], events[1], names[1])
      .value_or("the full traces are identical (the divergence depends on the trace mode)");
}

}  // namespace bubble::scenarios
