// sim/test/trace_file_test.cc: the trace file format shared by `bubble run --trace`, the Catch2
// helper and `bubble replay`.
#include "bubble/sim/trace_file.h"

#include <cstdint>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/trace_divergence.h>

namespace sim = bubble::sim;

namespace {

sim::RunResult RunAndWrite(const sim::TraceFile& header, std::ostream& out, bool fail) {
  sim::Bubble b(
      {.seed = 4, .strategy = sim::StrategyKind::kRandom, .trace = sim::TraceMode::kFull});
  sim::RunResult r = b.Run([fail] {
    sim::Spawn("worker", [] { sim::TraceInstant("test", "worker ran"); });
    sim::Yield();
    if (fail) {
      sim::Fail("planted");
    }
  });
  sim::WriteTraceFile(out, header, b, r);
  return r;
}

}  // namespace

TEST_CASE("a test's trace file parses back with its origin, run and records", "[sim][trace]") {
  sim::TraceFile header;
  header.origin = {.kind = "test",
                   .program = "/bin/t",
                   .scenario = "",
                   .test = "a, [b]",
                   .replay = "BUBBLE_SEED=4 t"};
  header.seed = 4;
  header.strategy = sim::StrategyKind::kRandom;
  header.step_limit = 99;
  header.time_limit = std::chrono::seconds(90);
  std::ostringstream out;
  const sim::RunResult r = RunAndWrite(header, out, /*fail=*/true);
  const sim::TraceFile f = sim::ParseTraceFile(out.str());
  CHECK(f.origin.kind == "test");
  CHECK(f.origin.program == "/bin/t");
  CHECK(f.origin.test == "a, [b]");
  CHECK(f.origin.replay == "BUBBLE_SEED=4 t");
  CHECK(f.seed == 4);
  CHECK(f.strategy == sim::StrategyKind::kRandom);
  CHECK(f.step_limit == 99u);
  CHECK(f.time_limit == std::chrono::seconds(90));
  CHECK(f.fingerprint == r.fingerprint);
  CHECK(f.decisions.size() == r.decisions.size());
  CHECK_FALSE(f.passed);
  CHECK(f.failure == "planted");
  REQUIRE(!f.records.empty());
  CHECK(f.fiber_names.size() >= 2);
  // The records are the run's own, so a replay can name the first divergence.
  std::ostringstream again;
  RunAndWrite(header, again, /*fail=*/true);
  const sim::TraceFile g = sim::ParseTraceFile(again.str());
  CHECK_FALSE(sim::FirstDivergence(f.records, f.fiber_names, g.records, g.fiber_names));
}

TEST_CASE("ParseTraceFile says what is wrong and keeps the origin it read", "[sim][trace]") {
  CHECK_THROWS_WITH(sim::ParseTraceFile("{"), Catch::Matchers::Contains("not a JSON document"));
  CHECK_THROWS_WITH(sim::ParseTraceFile(R"({"traceEvents":[]})"),
                    Catch::Matchers::Contains("not a bubble trace"));
  CHECK_THROWS_WITH(sim::ParseTraceFile(R"({"bubble":{"format":"x"}})"),
                    Catch::Matchers::Contains("format is not"));
  CHECK_THROWS_WITH(
      sim::ParseTraceFile(R"({"bubble":{"format":"bubble-trace","version":1,"kind":"odd"}})"),
      Catch::Matchers::Contains("unknown bubble trace kind \"odd\""));
  CHECK_THROWS_WITH(sim::ParseTraceFile(R"({"bubble":{"format":"bubble-trace","version":7}})"),
                    Catch::Matchers::Contains("unsupported bubble trace version 7"));
  try {
    sim::ParseTraceFile(
        R"({"bubble":{"format":"bubble-trace","version":1,"kind":"test","program":"./t",)"
        R"("test":"x","replay":"BUBBLE_SEED=1 ./t x"}})");
    FAIL("no TraceFileError");
  } catch (const sim::TraceFileError& e) {
    CHECK_THAT(e.what(), Catch::Matchers::Contains("malformed bubble trace: \"seed\" is missing"));
    CHECK(e.Origin().kind == "test");
    CHECK(e.Origin().replay == "BUBBLE_SEED=1 ./t x");
  }
}

TEST_CASE("FirstDivergence names the first differing record", "[sim][trace]") {
  const std::vector<std::string> names = {"bubble", "main"};
  std::vector<sim::TraceEvent> a = {{0, 1, sim::EventKind::kYield, 0, ""},
                                    {5, 1, sim::EventKind::kExit, 0, "ok"}};
  std::vector<sim::TraceEvent> b = a;
  CHECK_FALSE(sim::FirstDivergence(a, names, b, names));
  b[1].time_ns = 6;
  const auto d = sim::FirstDivergence(a, names, b, names);
  REQUIRE(d);
  CHECK_THAT(*d, Catch::Matchers::StartsWith("first divergence at trace record 2:"));
  b.pop_back();
  CHECK_THAT(*sim::FirstDivergence(a, names, b, names), Catch::Matchers::Contains("end of trace"));
}

namespace {

// A valid scenario trace as JSON, for tests that damage one field of it.
nlohmann::json ValidTrace() {
  sim::TraceFile header;
  header.origin = {.kind = "scenario",
                   .program = "bubble",
                   .scenario = "s",
                   .test = "",
                   .replay = "bubble run s --seed 4"};
  header.options = {{"writers", "2"}};
  header.bugs = {"no-lock"};
  header.seed = 4;
  std::ostringstream out;
  RunAndWrite(header, out, /*fail=*/false);
  return nlohmann::json::parse(out.str());
}

// What ParseTraceFile says about `doc`, which must be refused with a TraceFileError.
std::string Refusal(const std::string& text) {
  try {
    sim::ParseTraceFile(text);
  } catch (const sim::TraceFileError& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("ParseTraceFile refuses every wrong type or range with one line, never a JSON error",
          "[sim][trace]") {
  REQUIRE_NOTHROW(sim::ParseTraceFile(ValidTrace().dump()));
  const auto big = std::uint64_t{1} << 63;

  const struct {
    const char* field;
    nlohmann::json value;
    const char* says;
  } cases[] = {
      {"format", 1, "format is not \"bubble-trace\""},
      {"format", nullptr, "format is not \"bubble-trace\""},
      {"version", "1", "unsupported bubble trace version \"1\""},
      {"version", 1.0, "unsupported bubble trace version 1.0"},
      {"version", nlohmann::json::array(), "unsupported bubble trace version []"},
      {"kind", 5, "\"kind\" is an unsigned integer, not a string"},
      {"kind", "a\nb", "\"kind\" holds a control character"},
      {"program", "bubble\x1b[2J", "\"program\" holds a control character"},
      {"replay", nlohmann::json::object(), "\"replay\" is an object, not a string"},
      {"options", nlohmann::json::array(), "\"options\" is an array, not an object"},
      {"options", {{"writers", 2}}, "\"options.writers\" is an unsigned integer, not a string"},
      {"options", {{"writers", "2\n3"}}, "\"options.writers\" holds a control character"},
      {"bugs", "no-lock", "\"bugs\" is a string, not an array"},
      {"bugs", {true}, "\"bugs\" is a boolean, not a string"},
      {"seed", "4", "\"seed\" is a string, not an unsigned integer"},
      {"seed", -4, "\"seed\" is a negative integer, not an unsigned integer"},
      {"seed", 1e300, "\"seed\" is a fraction, not an unsigned integer"},
      {"strategy", 1, "\"strategy\" is an unsigned integer, not a string"},
      {"strategy", "dfs", "\"strategy\" \"dfs\" is not a strategy"},
      {"pct_depth", 1e300, "\"pct_depth\" is a fraction, not a 32-bit integer"},
      {"pct_depth", std::uint64_t{1} << 40, "\"pct_depth\" is 1099511627776, not a 32-bit integer"},
      {"pct_depth", -(std::int64_t{1} << 40),
       "\"pct_depth\" is -1099511627776, not a 32-bit integer"},
      {"step_limit", -1, "\"step_limit\" is a negative integer, not an unsigned integer"},
      {"time_limit", 90, "\"time_limit\" is an unsigned integer, not a string"},
      {"time_limit", "90 s", "\"time_limit\" \"90 s\" is not a duration"},
      {"decisions", nlohmann::json::array(), "\"decisions\" is an array, not a string"},
      {"decisions", "f1 x", "\"decisions\" is not a list of decisions"},
      {"fingerprint", "-000000000000001", "\"fingerprint\" \"-000000000000001\" is not 16 hex"},
      {"fingerprint", " 00000000000001f", "is not 16 hex digits"},
      {"fingerprint", 7, "\"fingerprint\" is an unsigned integer, not a string"},
      {"result", "maybe", "\"result\" \"maybe\" is neither \"pass\" nor \"fail\""},
      {"failure", 1, "\"failure\" is an unsigned integer, not a string"},
      {"fiber_names", {nullptr}, "\"fiber_names\" is null, not a string"},
      {"records", nlohmann::json::object(), "\"records\" is an object, not an array"},
      {"records",
       {{0, 1, "yield", 0}},
       "\"records[0]\" is not [time_ns, fiber, kind, arg, detail]"},
      {"records", {{-1, 1, "yield", 0, ""}}, "\"records[0][0]\" is a negative integer"},
      {"records", {{0, 1.5, "yield", 0, ""}}, "\"records[0][1]\" is a fraction"},
      {"records", {{0, 1, 3, 0, ""}}, "\"records[0][2]\" is an unsigned integer, not a string"},
      {"records", {{0, 1, "leap", 0, ""}}, "\"records[0][2]\" is not a record kind"},
      {"records", {{0, 1, "yield", "0", ""}}, "\"records[0][3]\" is a string"},
      {"records", {{0, 1, "yield", 0, 0}}, "\"records[0][4]\" is an unsigned integer"},
      // Beyond what the clock's formatting can offset without overflow.
      {"records", {{big, 1, "yield", 0, ""}}, "(time) 9223372036854775808 is beyond"},
      {"records", {{0, 0, "clock", big, ""}}, "(clock jump) 9223372036854775808 is beyond"},
  };

  for (const auto& c : cases) {
    nlohmann::json doc = ValidTrace();
    doc["bubble"][c.field] = c.value;
    const std::string said = Refusal(doc.dump());
    INFO(c.field << " = " << c.value.dump());
    CHECK_THAT(said, Catch::Matchers::Contains(c.says));
    CHECK(said.find('\n') == std::string::npos);
  }
  // Required fields are named when missing.
  nlohmann::json doc = ValidTrace();
  doc["bubble"].erase("seed");
  CHECK_THAT(Refusal(doc.dump()), Catch::Matchers::Contains("\"seed\" is missing"));
  CHECK_THAT(Refusal("[]"), Catch::Matchers::Contains("not a bubble trace"));
  CHECK_THAT(Refusal(R"({"bubble":[]})"), Catch::Matchers::Contains("not a bubble trace"));
  CHECK_THAT(Refusal(""), Catch::Matchers::Contains("not a JSON document"));
}

TEST_CASE("ParseTraceFile refuses deep nesting before it costs stack", "[sim][trace]") {
  // A malformed record nested 100,000 deep once crashed the error message that printed it.
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  std::string text = ValidTrace().dump();
  const std::string records = "\"records\":[";
  text.insert(text.find(records) + records.size(), deep + ",");
  CHECK_THAT(Refusal(text), Catch::Matchers::Contains("nested deeper than 16 levels"));
  CHECK_THAT(Refusal(deep), Catch::Matchers::Contains("nested deeper than 16 levels"));
  // Nesting up to the limit is only JSON: unknown fields are ignored.
  nlohmann::json doc = ValidTrace();
  nlohmann::json nested = nlohmann::json::array();
  for (int depth = 3; depth < sim::kTraceFileMaxDepth; ++depth) {
    nested = nlohmann::json::array({nested});
  }
  doc["bubble"]["extra"] = nested;
  CHECK_NOTHROW(sim::ParseTraceFile(doc.dump()));
}

TEST_CASE("ReadTraceText stops at its size cap", "[sim][trace]") {
  const std::string text(100'000, 'x');
  std::istringstream exact(text);
  CHECK(sim::ReadTraceText(exact, text.size()) == text);
  std::istringstream over(text);
  CHECK_THROWS_WITH(sim::ReadTraceText(over, text.size() - 1),
                    Catch::Matchers::Contains("more than any bubble trace"));
  // The parser refuses what a reader could not have read.
  CHECK_THAT(Refusal(std::string(sim::kTraceFileMaxBytes + 1, ' ')),
             Catch::Matchers::Contains("is over 64 MiB"));
}
