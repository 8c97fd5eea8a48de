// sim/test/trace_file_test.cc: the trace file format shared by `bubble run --trace`, the Catch2
// helper and `bubble replay`.
#include "bubble/sim/trace_file.h"

#include <sstream>

#include <catch2/catch.hpp>

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
    CHECK_THAT(e.what(), Catch::Matchers::Contains("malformed bubble trace metadata"));
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
