// sim/src/trace_file.cc
#include "bubble/sim/trace_file.h"

#include <array>
#include <istream>
#include <limits>
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

// The fix every message about a damaged field ends with.
constexpr std::string_view kRecordAgain =
    "the file is damaged or was edited: record the run again with --trace";

std::string TooLarge(std::size_t max_bytes) {
  return fmt::format(
      "is over {} MiB, more than any bubble trace (is it a trace? record the run "
      "again with --trace)",
      max_bytes >> 20);
}

// A JSON value as a short one-line excerpt for a message (invalid UTF-8 replaced).
std::string Excerpt(const nlohmann::json& value) {
  constexpr std::size_t kMax = 60;
  std::string text =
      value.dump(-1, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::replace);
  if (text.size() > kMax) {
    text.resize(kMax);
    text += "...";
  }
  return text;
}

std::string TypeOf(const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    return "an unsigned integer";
  }
  if (value.is_number_integer()) {
    return "a negative integer";
  }
  if (value.is_number_float()) {
    return "a fraction";
  }
  const std::string_view name = value.type_name();
  if (value.is_null()) {
    return "null";
  }
  return fmt::format("{} {}", name == "array" || name == "object" ? "an" : "a", name);
}

// Text from the file as a short excerpt for a message.
std::string Short(std::string_view text) {
  constexpr std::size_t kMax = 60;
  return text.size() <= kMax ? std::string(text) : fmt::format("{}...", text.substr(0, kMax));
}

// 16 lower-case hex digits.
std::optional<std::uint64_t> ParseFingerprint(std::string_view text) {
  if (text.size() != 16) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (const char c : text) {
    const bool digit = c >= '0' && c <= '9';
    if (!digit && !(c >= 'a' && c <= 'f')) {
      return std::nullopt;
    }
    value = value << 4 | static_cast<std::uint64_t>(digit ? c - '0' : c - 'a' + 10);
  }
  return value;
}

// The "bubble" object, read strictly: every accessor checks the type (and range) of what it
// reads, so no input reaches a conversion that throws or is undefined. Errors carry the origin
// read so far.
class Metadata {
 public:
  Metadata(const nlohmann::json& m, const TraceOrigin& origin) : m_(m), origin_(origin) {}

  [[noreturn]] void Malformed(std::string_view what) const {
    throw TraceFileError(fmt::format("malformed bubble trace: {} ({})", what, kRecordAgain),
                         origin_);
  }

  const nlohmann::json* Find(const std::string& key) const {
    const auto it = m_.find(key);
    return it == m_.end() ? nullptr : &*it;
  }

  const nlohmann::json& Get(const std::string& key) const {
    const nlohmann::json* value = Find(key);
    if (value == nullptr) {
      Malformed(fmt::format("\"{}\" is missing", key));
    }
    return *value;
  }

  const nlohmann::json& Get(const std::string& key, nlohmann::json::value_t type) const {
    const nlohmann::json& value = Get(key);
    if (value.type() != type) {
      Malformed(
          fmt::format("\"{}\" is {}, not {}", key, TypeOf(value), TypeOf(nlohmann::json(type))));
    }
    return value;
  }

  std::string StringOf(std::string_view field, const nlohmann::json& value) const {
    if (!value.is_string()) {
      Malformed(fmt::format("\"{}\" is {}, not a string", field, TypeOf(value)));
    }
    return value.get<std::string>();
  }

  // A string that messages and commands echo: one line of printable text.
  std::string CheckText(std::string_view field, std::string text) const {
    for (const char c : text) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        Malformed(fmt::format("\"{}\" holds a control character", field));
      }
    }
    return text;
  }

  std::string String(const std::string& key) const { return StringOf(key, Get(key)); }

  std::string String(const std::string& key, std::string fallback) const {
    return Find(key) == nullptr ? fallback : String(key);
  }

  std::string Text(const std::string& key) const { return CheckText(key, String(key)); }

  std::string Text(const std::string& key, std::string fallback) const {
    return Find(key) == nullptr ? fallback : Text(key);
  }

  std::uint64_t Unsigned(const std::string& key) const { return UnsignedOf(key, Get(key)); }

  std::uint64_t UnsignedOf(std::string_view field, const nlohmann::json& value) const {
    if (!value.is_number_unsigned()) {
      Malformed(fmt::format("\"{}\" is {}, not an unsigned integer", field, TypeOf(value)));
    }
    return value.get<std::uint64_t>();
  }

  int Int(const std::string& key) const {
    const nlohmann::json& value = Get(key);
    constexpr int kMin = std::numeric_limits<int>::min();
    constexpr int kMax = std::numeric_limits<int>::max();
    const bool fits = value.is_number_unsigned()
                          ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(kMax)
                          : value.is_number_integer() && value.get<std::int64_t>() >= kMin &&
                                value.get<std::int64_t>() <= kMax;
    if (!fits) {
      Malformed(fmt::format("\"{}\" is {}, not a 32-bit integer", key,
                            value.is_number_integer() ? Excerpt(value) : TypeOf(value)));
    }
    return value.get<int>();
  }

 private:
  const nlohmann::json& m_;
  const TraceOrigin& origin_;
};

// A record [time_ns, fiber, kind, arg, detail], within the ranges the formatters take.
TraceEvent ParseRecord(const Metadata& m, const nlohmann::json& r, std::size_t index) {
  const std::string field = fmt::format("records[{}]", index);
  if (!r.is_array() || r.size() != 5) {
    m.Malformed(fmt::format("\"{}\" is not [time_ns, fiber, kind, arg, detail]", field));
  }
  // Times are since Clock::Epoch(), which formatting offsets by its Unix time.
  constexpr std::int64_t kMaxTimeNs =
      std::numeric_limits<std::int64_t>::max() - Clock::kUnixSecondsAtEpoch * 1'000'000'000;
  const std::uint64_t time_ns = m.UnsignedOf(field + "[0]", r[0]);
  if (time_ns > static_cast<std::uint64_t>(kMaxTimeNs)) {
    m.Malformed(fmt::format("\"{}[0]\" (time) {} is beyond the virtual clock", field, time_ns));
  }
  const std::string kind_name = m.StringOf(field + "[2]", r[2]);
  const auto kind = ParseEventKind(kind_name);
  if (!kind) {
    m.Malformed(fmt::format("\"{}[2]\" is not a record kind", field));
  }
  const std::uint64_t arg = m.UnsignedOf(field + "[3]", r[3]);
  // A clock jump's argument is a duration.
  if (*kind == EventKind::kClockJump &&
      arg > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    m.Malformed(fmt::format("\"{}[3]\" (clock jump) {} is beyond the virtual clock", field, arg));
  }
  return {static_cast<std::int64_t>(time_ns), m.UnsignedOf(field + "[1]", r[1]), *kind, arg,
          m.StringOf(field + "[4]", r[4])};
}

std::string MetadataJson(const TraceFile& f) {
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
  if (f.preempt) {
    j["preempt"] = FormatPreemptSet(*f.preempt);
  }
  if (f.pct_horizon) {
    j["pct_horizon"] = *f.pct_horizon;
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

void SetRunIdentity(TraceFile& file, const Options& options) {
  file.seed = options.seed;
  file.strategy = options.strategy;
  file.pct_depth = options.pct_depth;
  file.step_limit = options.step_limit;
  file.time_limit = options.time_limit;
  file.preempt = options.preempt;
  file.pct_horizon.reset();
  if (options.strategy == StrategyKind::kPct) {
    file.pct_horizon = options.pct_horizon;
  }
}

void WriteTraceFile(std::ostream& out, TraceFile file, Bubble& bubble, const RunResult& result) {
  const Trace& trace = bubble.GetTrace();
  file.decisions = result.decisions;
  file.fingerprint = result.fingerprint;
  file.passed = result.Passed();
  file.failure = result.failure ? result.failure->message : std::string();
  file.fiber_names.assign(trace.FiberNames().begin(), trace.FiberNames().end());
  file.records = trace.Events();
  trace.WriteChromeJson(out, MetadataJson(file));
}

std::string ReadTraceText(std::istream& in, std::size_t max_bytes) {
  std::string text;
  std::array<char, 64 * 1024> chunk;
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got > max_bytes - text.size()) {
      throw TraceFileError(TooLarge(max_bytes));
    }
    text.append(chunk.data(), got);
  }
  if (in.bad()) {
    throw TraceFileError("cannot be read (an I/O error; check the file)");
  }
  return text;
}

TraceFile ParseTraceFile(std::string_view json_text) {
  if (json_text.size() > kTraceFileMaxBytes) {
    throw TraceFileError(TooLarge(kTraceFileMaxBytes));
  }
  // The callback sees every value with the number of arrays and objects around it, so nesting
  // is refused at kTraceFileMaxDepth before it can cost stack or memory.
  const nlohmann::json::parser_callback_t refuse_deep_nesting =
      [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kTraceFileMaxDepth) {
          throw TraceFileError(fmt::format(
              "not a bubble trace (JSON nested deeper than {} levels; a trace nests 4: write one "
              "with --trace)",
              kTraceFileMaxDepth));
        }
        return true;
      };
  const nlohmann::json doc =
      nlohmann::json::parse(json_text, refuse_deep_nesting, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    throw TraceFileError("not a JSON document (write a trace with --trace)");
  }
  const auto bubble = doc.is_object() ? doc.find("bubble") : doc.end();
  if (bubble == doc.end() || !bubble->is_object()) {
    throw TraceFileError(
        "not a bubble trace (no \"bubble\" metadata object; write one with --trace)");
  }
  TraceFile f;
  const TraceOrigin unknown;
  const Metadata raw(*bubble, unknown);
  const nlohmann::json* format = raw.Find("format");
  if (format == nullptr || !format->is_string() || *format != "bubble-trace") {
    throw TraceFileError(
        "not a bubble trace (metadata format is not \"bubble-trace\"; write one with --trace)");
  }
  // Who wrote the trace, read first: an error below still names the program that replays it.
  f.origin.kind = raw.Text("kind", "scenario");
  f.origin.program = raw.Text("program", "");
  f.origin.scenario = raw.Text("scenario", "");
  f.origin.test = raw.Text("test", "");
  f.origin.replay = raw.Text("replay", raw.Text("replay_command", ""));
  const TraceOrigin& origin = f.origin;
  const Metadata m(*bubble, origin);
  if (origin.kind != "scenario" && origin.kind != "test") {
    throw TraceFileError(fmt::format("unknown bubble trace kind \"{}\" (write the trace with "
                                     "this bubble)",
                                     Short(origin.kind)),
                         origin);
  }
  const nlohmann::json* version = m.Find("version");
  if (version == nullptr || !version->is_number_integer() ||
      *version != nlohmann::json(kTraceFileVersion)) {
    throw TraceFileError(
        fmt::format("unsupported bubble trace version {} (this bubble reads {}: "
                    "record the run again with this bubble)",
                    version == nullptr ? "(none)" : Excerpt(*version), kTraceFileVersion),
        origin);
  }
  if (origin.kind == "scenario") {
    const nlohmann::json& options = m.Get("options", nlohmann::json::value_t::object);
    for (const auto& [key, value] : options.items()) {
      const std::string field = "options." + Short(m.CheckText("options", key));
      f.options.emplace(key, m.CheckText(field, m.StringOf(field, value)));
    }
    const nlohmann::json& bugs = m.Get("bugs", nlohmann::json::value_t::array);
    for (const nlohmann::json& bug : bugs) {
      f.bugs.push_back(m.CheckText("bugs", m.StringOf("bugs", bug)));
    }
  }
  f.seed = m.Unsigned("seed");
  const std::string strategy = m.Text("strategy");
  const auto strategy_kind = ParseStrategy(strategy);
  if (!strategy_kind) {
    m.Malformed(fmt::format("\"strategy\" \"{}\" is not a strategy", Short(strategy)));
  }
  f.strategy = *strategy_kind;
  f.pct_depth = m.Int("pct_depth");
  if (m.Find("step_limit") != nullptr) {
    f.step_limit = m.Unsigned("step_limit");
  }
  if (m.Find("time_limit") != nullptr) {
    const std::string text = m.Text("time_limit");
    f.time_limit = ParseDuration(text);
    if (!f.time_limit) {
      m.Malformed(
          fmt::format("\"time_limit\" \"{}\" is not a duration of at most 292 years", Short(text)));
    }
  }
  if (m.Find("preempt") != nullptr) {
    const std::string text = m.Text("preempt");
    f.preempt = ParsePreemptSet(text);
    if (!f.preempt) {
      m.Malformed(
          fmt::format("\"preempt\" \"{}\" is not a list of api, cache, locks, queue", Short(text)));
    }
  }
  if (m.Find("pct_horizon") != nullptr) {
    f.pct_horizon = m.Unsigned("pct_horizon");
  }
  const auto decisions = ParseDecisions(m.Text("decisions"));
  if (!decisions) {
    m.Malformed("\"decisions\" is not a list of decisions like \"f1 t2 c1\"");
  }
  f.decisions = *decisions;
  const std::string fingerprint = m.Text("fingerprint");
  const auto parsed_fingerprint = ParseFingerprint(fingerprint);
  if (!parsed_fingerprint) {
    m.Malformed(fmt::format("\"fingerprint\" \"{}\" is not 16 hex digits", Short(fingerprint)));
  }
  f.fingerprint = *parsed_fingerprint;
  const std::string result = m.Text("result", "pass");
  if (result != "pass" && result != "fail") {
    m.Malformed(fmt::format("\"result\" \"{}\" is neither \"pass\" nor \"fail\"", Short(result)));
  }
  f.passed = result == "pass";
  f.failure = m.String("failure", "");
  for (const nlohmann::json& name : m.Get("fiber_names", nlohmann::json::value_t::array)) {
    f.fiber_names.push_back(m.StringOf("fiber_names", name));
  }
  const nlohmann::json& records = m.Get("records", nlohmann::json::value_t::array);
  f.records.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    f.records.push_back(ParseRecord(m, records[i], i));
  }
  return f;
}

}  // namespace bubble::sim
