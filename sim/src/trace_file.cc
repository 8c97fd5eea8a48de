// sim/src/trace_file.cc
#include "bubble/sim/trace_file.h"

#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bubble/sim/bubble.h"
#include "bubble/sim/duration_text.h"

namespace bubble::sim {

namespace {

std::optional<EventKind> ParseEventKind(std::string_view name) {
  for (int k = 0; k <= static_cast<int>(EventKind::kFailure); ++k) {
    const auto kind = static_cast<EventKind>(k);
    if (EventKindName(kind) == name) {
      return kind;
    }
  }
  return std::nullopt;
}

std::string Metadata(const TraceFile& f) {
  nlohmann::json j;
  j["format"] = "bubble-trace";
  j["version"] = kTraceFileVersion;
  j["kind"] = f.origin.kind;
  j["program"] = f.origin.program;
  j["replay"] = f.origin.replay;
  if (f.origin.kind == "test") {
    j["test"] = f.origin.test;
  } else {
    j["scenario"] = f.origin.scenario;
    j["options"] = f.options;
    j["bugs"] = f.bugs;
  }
  j["seed"] = f.seed;
  j["strategy"] = std::string(StrategyName(f.strategy));
  j["pct_depth"] = f.pct_depth;
  if (f.step_limit) {
    j["step_limit"] = *f.step_limit;
  }
  if (f.time_limit) {
    j["time_limit"] = FormatExactDuration(*f.time_limit);
  }
  j["decisions"] = FormatDecisions(f.decisions);
  j["fingerprint"] = FormatFingerprint(f.fingerprint);
  j["result"] = f.passed ? "pass" : "fail";
  j["failure"] = f.failure;
  j["fiber_names"] = f.fiber_names;
  nlohmann::json records = nlohmann::json::array();
  for (const TraceEvent& e : f.records) {
    records.push_back(nlohmann::json::array(
        {e.time_ns, e.fiber, std::string(EventKindName(e.kind)), e.arg, e.detail}));
  }
  j["records"] = std::move(records);
  return j.dump();
}

}  // namespace

void WriteTraceFile(std::ostream& out, TraceFile file, Bubble& bubble, const RunResult& result) {
  const Trace& trace = bubble.GetTrace();
  file.decisions = result.decisions;
  file.fingerprint = result.fingerprint;
  file.passed = result.Passed();
  file.failure = result.failure ? result.failure->message : std::string();
  file.fiber_names.assign(trace.FiberNames().begin(), trace.FiberNames().end());
  file.records = trace.Events();
  trace.WriteChromeJson(out, Metadata(file));
}

TraceFile ParseTraceFile(std::string_view json_text) {
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    throw TraceFileError("not a JSON document");
  }
  if (!doc.is_object() || !doc.contains("bubble") || !doc["bubble"].is_object()) {
    throw TraceFileError(
        "not a bubble trace (no \"bubble\" metadata object; write one with --trace)");
  }
  const nlohmann::json& m = doc["bubble"];
  if (m.value("format", "") != "bubble-trace") {
    throw TraceFileError("not a bubble trace (metadata format is not \"bubble-trace\")");
  }
  TraceFile f;
  try {
    f.origin.kind = m.value("kind", "scenario");
    f.origin.program = m.value("program", "");
    f.origin.scenario = m.value("scenario", "");
    f.origin.test = m.value("test", "");
    f.origin.replay = m.value("replay", m.value("replay_command", ""));
  } catch (const nlohmann::json::exception& e) {
    throw TraceFileError(fmt::format("malformed bubble trace metadata: {}", e.what()));
  }
  const TraceOrigin& origin = f.origin;
  if (origin.kind != "scenario" && origin.kind != "test") {
    throw TraceFileError(fmt::format("unknown bubble trace kind \"{}\"", origin.kind), origin);
  }
  if (m.value("version", 0) != kTraceFileVersion) {
    throw TraceFileError(fmt::format("unsupported bubble trace version {} (this bubble reads {})",
                                     m.value("version", 0), kTraceFileVersion),
                         origin);
  }
  try {
    if (origin.kind == "scenario") {
      for (const auto& [key, value] : m.at("options").items()) {
        f.options.emplace(key, value.get<std::string>());
      }
      f.bugs = m.at("bugs").get<std::vector<std::string>>();
    }
    f.seed = m.at("seed").get<std::uint64_t>();
    const auto strategy = ParseStrategy(m.at("strategy").get<std::string>());
    if (!strategy) {
      throw TraceFileError(
          fmt::format("unknown strategy \"{}\"", m.at("strategy").get<std::string>()), origin);
    }
    f.strategy = *strategy;
    f.pct_depth = m.at("pct_depth").get<int>();
    if (m.contains("step_limit")) {
      f.step_limit = m.at("step_limit").get<std::uint64_t>();
    }
    if (m.contains("time_limit")) {
      const std::string text = m.at("time_limit").get<std::string>();
      f.time_limit = ParseDuration(text);
      if (!f.time_limit) {
        throw TraceFileError(fmt::format("malformed time limit \"{}\"", text), origin);
      }
    }
    const auto decisions = ParseDecisions(m.at("decisions").get<std::string>());
    if (!decisions) {
      throw TraceFileError("malformed decisions", origin);
    }
    f.decisions = *decisions;
    const std::string fp = m.at("fingerprint").get<std::string>();
    std::size_t used = 0;
    f.fingerprint = std::stoull(fp, &used, 16);
    if (fp.size() != 16 || used != fp.size()) {
      throw TraceFileError(fmt::format("malformed fingerprint \"{}\"", fp), origin);
    }
    f.passed = m.value("result", "pass") == "pass";
    f.failure = m.value("failure", "");
    f.fiber_names = m.at("fiber_names").get<std::vector<std::string>>();
    for (const nlohmann::json& r : m.at("records")) {
      const auto kind = r.is_array() && r.size() == 5 && r.at(2).is_string()
                            ? ParseEventKind(r.at(2).get<std::string>())
                            : std::nullopt;
      if (!kind) {
        throw TraceFileError(fmt::format("malformed trace record {}", r.dump()), origin);
      }
      f.records.push_back({r.at(0).get<std::int64_t>(), r.at(1).get<std::uint64_t>(), *kind,
                           r.at(3).get<std::uint64_t>(), r.at(4).get<std::string>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw TraceFileError(fmt::format("malformed bubble trace metadata: {}", e.what()), origin);
  } catch (const std::invalid_argument& e) {  // stoull
    throw TraceFileError(fmt::format("malformed bubble trace metadata: {}", e.what()), origin);
  } catch (const std::out_of_range& e) {  // stoull
    throw TraceFileError(fmt::format("malformed bubble trace metadata: {}", e.what()), origin);
  }
  return f;
}

}  // namespace bubble::sim
