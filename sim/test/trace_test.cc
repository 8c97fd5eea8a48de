// sim/test/trace_test.cc: trace records, fingerprint, Chrome JSON and JSON Lines exports.
#include "bubble/sim/trace.h"

#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/timer.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

// main spawns "w", which blocks on a channel; main sleeps 1s, logs, and sends to it.
sim::RunResult RunSmall(sim::Bubble& b) {
  return b.Run([] {
    sim::Channel<int> ch(0, "events");
    sim::Spawn("w", [&ch] { ch.Recv(); });
    sim::SleepFor(1s);
    sim::Log().info("hello {}", 1);
    ch.Send(7);
  });
}

std::string Describe(const sim::TraceEvent& e) {
  return fmt::format("{} {} {} {} '{}'", e.time_ns, e.fiber, sim::EventKindName(e.kind), e.arg,
                     e.detail);
}

const json* FindEvent(const json& events, const std::string& ph, std::uint64_t tid,
                      const std::string& name) {
  for (const json& e : events) {
    if (e.at("ph") == ph && e.at("tid") == tid && e.at("name") == name) {
      return &e;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a full trace records spawn, block, wake, exit, timer, clock, decision and log",
          "[sim][trace]") {
  sim::Bubble b({.trace = sim::TraceMode::kFull});
  auto r = RunSmall(b);
  INFO(r.report);
  REQUIRE(r.Passed());
  std::vector<std::string> got;
  for (const sim::TraceEvent& e : b.GetTrace().Events()) {
    got.push_back(Describe(e));
  }
  CHECK(got == std::vector<std::string>{
                   "0 0 spawn 1 'main'",
                   "0 1 spawn 2 'w'",
                   "0 1 yield 0 ''",
                   "0 0 decision 2 'fiber'",  // w and main were runnable: fifo took w
                   "0 2 block 0 'chan recv events'",
                   "0 1 block 0 'sleep'",
                   "0 0 clock 1000000000 ''",
                   "1000000000 0 timer 1 'sleep'",
                   "1000000000 0 wake 1 ''",
                   "1000000000 1 log 2 'hello 1'",
                   "1000000000 1 wake 2 ''",
                   "1000000000 1 exit 0 'ok'",
                   "1000000000 2 exit 0 'ok'",
               });
  CHECK(b.GetTrace().Count() == got.size());
  CHECK(r.decisions == std::vector<sim::Decision>{{sim::CandidateKind::kFiber, 2}});
  const std::vector<std::string> names(b.GetTrace().FiberNames().begin(),
                                       b.GetTrace().FiberNames().end());
  CHECK(names == std::vector<std::string>{"bubble", "main", "w"});
}

TEST_CASE("trace events format for humans with the fiber's name", "[sim][trace]") {
  sim::Bubble b({.trace = sim::TraceMode::kFull});
  REQUIRE(RunSmall(b).Passed());
  const auto& events = b.GetTrace().Events();
  const auto names = b.GetTrace().FiberNames();
  REQUIRE(events.size() == 13);
  CHECK(sim::FormatEvent(events[0], names) == "00:00:00.000000 [0 bubble] spawn 1 \"main\"");
  CHECK(sim::FormatEvent(events[4], names) == "00:00:00.000000 [2 w] block chan recv events");
  CHECK(sim::FormatEvent(events[6], names) == "00:00:00.000000 [0 bubble] clock +1s");
  CHECK(sim::FormatEvent(events[7], names) == "00:00:01.000000 [0 bubble] timer 1 sleep");
  CHECK(sim::FormatEvent(events[8], names) == "00:00:01.000000 [0 bubble] wake 1 \"main\"");
  CHECK(sim::FormatEvent(events[3], names) == "00:00:00.000000 [0 bubble] decision fiber 2");
}

TEST_CASE("the fingerprint is the same whether the trace is kept or only hashed",
          "[sim][trace][fingerprint]") {
  sim::Bubble full({.trace = sim::TraceMode::kFull});
  sim::Bubble hashed({.trace = sim::TraceMode::kFingerprint, .trace_tail = 4});
  sim::Bubble off({.trace = sim::TraceMode::kOff});
  const auto r_full = RunSmall(full);
  const auto r_hashed = RunSmall(hashed);
  const auto r_off = RunSmall(off);
  REQUIRE(r_full.Passed());
  REQUIRE(r_hashed.Passed());
  REQUIRE(r_off.Passed());
  CHECK(r_full.fingerprint != 0);
  CHECK(r_full.fingerprint == r_hashed.fingerprint);
  CHECK(r_full.FingerprintHex() == sim::FormatFingerprint(r_full.fingerprint));
  CHECK(r_full.FingerprintHex().size() == 16);
  CHECK(full.GetTrace().FingerprintHex() == r_full.FingerprintHex());

  CHECK(hashed.GetTrace().Events().empty());
  CHECK(hashed.GetTrace().Count() == 13);
  const std::vector<sim::TraceEvent> tail = hashed.GetTrace().Tail();
  REQUIRE(tail.size() == 4);
  CHECK(Describe(tail[0]) == "1000000000 1 log 2 'hello 1'");
  CHECK(Describe(tail[3]) == "1000000000 2 exit 0 'ok'");

  CHECK(r_off.fingerprint == 0);
  CHECK(r_off.decisions.empty());
  CHECK(off.GetTrace().Count() == 0);
  CHECK(off.GetTrace().Tail().empty());
}

TEST_CASE("the fingerprint changes with what the run does", "[sim][trace][fingerprint]") {
  auto fingerprint = [](sim::Duration sleep, const char* message) {
    sim::Bubble b;
    auto r = b.Run([&] {
      sim::SleepFor(sleep);
      sim::Log().info("{}", message);
    });
    REQUIRE(r.Passed());
    return r.fingerprint;
  };
  const std::uint64_t base = fingerprint(1s, "a");
  CHECK(fingerprint(1s, "a") == base);
  CHECK(fingerprint(2s, "a") != base);
  CHECK(fingerprint(1s, "b") != base);
}

TEST_CASE("the Chrome trace is valid JSON with a named track per fiber and blocked spans",
          "[sim][trace][export]") {
  sim::Bubble b({.trace = sim::TraceMode::kFull});
  auto r = b.Run([] {
    sim::Channel<int> ch(0, "events");
    sim::Spawn("w", [&ch] { ch.Recv(); });
    sim::SleepFor(1s);
    const std::uint64_t span = sim::TraceBegin("reconcile", "pod-a");
    sim::SleepFor(2s);
    sim::TraceEnd(span, "ok");
    sim::TraceInstant("note", "say \"hi\"\nbye");
    ch.Send(7);
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  std::ostringstream out;
  b.GetTrace().WriteChromeJson(out, R"({"seed":1,"strategy":"fifo"})");
  const json doc = json::parse(out.str());

  CHECK(doc.at("displayTimeUnit") == "ns");
  CHECK(doc.at("bubble").at("seed") == 1);
  CHECK(doc.at("otherData").at("fingerprint") == r.FingerprintHex());
  const json& events = doc.at("traceEvents");
  REQUIRE(events.is_array());

  std::vector<std::string> tracks;
  for (const json& e : events) {
    if (e.at("ph") == "M" && e.at("name") == "thread_name") {
      tracks.push_back(
          fmt::format("{}={}", e.at("tid").get<int>(), e.at("args").at("name").get<std::string>()));
    }
  }
  CHECK(tracks == std::vector<std::string>{"0=0 bubble", "1=1 main", "2=2 w"});

  const json* blocked = FindEvent(events, "X", 2, "blocked: chan recv events");
  REQUIRE(blocked != nullptr);
  CHECK(blocked->at("cat") == "blocked");
  // Microseconds. Records sharing a virtual instant are drawn 1 ns (0.001 us) apart, in order,
  // so values are the virtual times plus a few thousandths.
  const auto near = [](double us) { return Approx(us).margin(0.05); };
  CHECK(blocked->at("ts").get<double>() == near(0.0));
  CHECK(blocked->at("dur").get<double>() == near(3'000'000.0));  // 0 s to 3 s

  const json* sleep = FindEvent(events, "X", 1, "blocked: sleep");
  REQUIRE(sleep != nullptr);
  CHECK(sleep->at("ts").get<double>() == near(0.0));
  CHECK(sleep->at("dur").get<double>() == near(1'000'000.0));
  // The order within the instant shows: main's sleep starts after w blocked (main spawned w,
  // which ran first under fifo) — never at the same drawn point.
  CHECK(sleep->at("ts").get<double>() != blocked->at("ts").get<double>());

  const json* slice = FindEvent(events, "X", 1, "reconcile: pod-a");
  REQUIRE(slice != nullptr);
  CHECK(slice->at("cat") == "reconcile");
  CHECK(slice->at("ts").get<double>() == near(1'000'000.0));
  CHECK(slice->at("dur").get<double>() == near(2'000'000.0));
  CHECK(slice->at("args").at("result") == "ok");

  const json* note = FindEvent(events, "i", 1, "note: say \"hi\"\nbye");
  REQUIRE(note != nullptr);
  CHECK(note->at("cat") == "instant");
  CHECK(FindEvent(events, "i", 1, "spawn 2 w") != nullptr);
  CHECK(FindEvent(events, "i", 2, "exit: ok") != nullptr);
}

TEST_CASE("JSON Lines export writes one valid JSON object per record", "[sim][trace][export]") {
  sim::Bubble b({.trace = sim::TraceMode::kFull, .log_level = sim::LogLevel::kOff});
  auto r = b.Run([] { sim::Log().warn("quote \" backslash \\ tab \t end"); });
  REQUIRE(r.Passed());
  std::ostringstream out;
  b.GetTrace().WriteJsonLines(out);
  const std::string text = out.str();
  REQUIRE_FALSE(text.empty());
  CHECK(text.back() == '\n');
  std::vector<json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(json::parse(line));
  }
  REQUIRE(lines.size() == b.GetTrace().Events().size());
  CHECK(lines[0] == json{{"ns", 0},
                         {"time", "2000-01-01T00:00:00.000000Z"},
                         {"fiber", 0},
                         {"name", "bubble"},
                         {"kind", "spawn"},
                         {"arg", 1},
                         {"detail", "main"}});
  CHECK(lines[1].at("kind") == "log");
  CHECK(lines[1].at("name") == "main");
  CHECK(lines[1].at("arg") == 3);  // spdlog's warn level
  CHECK(lines[1].at("detail") == "quote \" backslash \\ tab \t end");
}
