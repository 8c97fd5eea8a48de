// sim/test/log_test.cc: logging through spdlog, stamped with virtual time, klog style; log lines
// are trace records.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <spdlog/logger.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/timer.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;

namespace {

const sim::TimePoint kEpoch = sim::Clock::Epoch();

std::vector<std::string> LogRecords(sim::Bubble& b) {
  std::vector<std::string> out;
  for (const sim::TraceEvent& e : b.GetTrace().Events()) {
    if (e.kind == sim::EventKind::kLog) {
      out.push_back(fmt::format("{} {} {} {}",
                                sim::FormatKlogTime(kEpoch + sim::Duration(e.time_ns)), e.fiber,
                                e.arg, e.detail));
    }
  }
  return out;
}

// Runs `fn` with this process's stderr (fd 2) sent to a temporary file; returns what was written.
template <class F>
std::string CaptureStderr(F fn) {
  std::FILE* tmp = std::tmpfile();
  REQUIRE(tmp != nullptr);
  std::fflush(stderr);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(::fileno(tmp), STDERR_FILENO);
  fn();
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::rewind(tmp);
  std::string text;
  char buf[1024];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof(buf), tmp)) > 0;) {
    text.append(buf, n);
  }
  std::fclose(tmp);
  return text;
}

}  // namespace

TEST_CASE("klog time stamps count from the bubble's epoch", "[sim][log]") {
  CHECK(sim::FormatKlogTime(kEpoch + 100ms) == "0101 00:00:00.100000");
  CHECK(sim::FormatKlogTime(kEpoch + 5s) == "0101 00:00:05.000000");
  CHECK(sim::FormatKlogTime(kEpoch + 26h + 1us) == "0102 02:00:00.000001");
}

TEST_CASE("log lines become trace records with the virtual time, fiber and message",
          "[sim][log][trace]") {
  sim::Bubble b({.trace = sim::TraceMode::kFull, .log_level = sim::LogLevel::kOff});
  auto r = b.Run([&] {
    sim::SleepFor(5s);
    b.Log().info("hello {}", 1);
    sim::Spawn("informer/configmaps", [] {
      sim::SleepFor(100ms);
      sim::Log().warn("Caches synced");
    });
    b.Logger("controller").error("failed {} times", 3);
    b.Log().debug("below the trace level");  // Options::trace_log_level is info
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(LogRecords(b) == std::vector<std::string>{
                             "0101 00:00:05.000000 1 2 hello 1",
                             "0101 00:00:05.000000 1 4 failed 3 times",
                             "0101 00:00:05.100000 2 3 Caches synced",
                         });
}

TEST_CASE("trace_log_level decides which log lines are part of the trace", "[sim][log][trace]") {
  sim::Bubble b({.trace = sim::TraceMode::kFull, .trace_log_level = sim::LogLevel::kDebug});
  auto r = b.Run([&] {
    sim::Log().trace("too fine");
    sim::Log().debug("kept");
  });
  REQUIRE(r.Passed());
  CHECK(LogRecords(b) == std::vector<std::string>{"0101 00:00:00.000000 1 1 kept"});
}

TEST_CASE(
    "log lines print klog style with virtual time and fiber name, without changing the "
    "fingerprint",
    "[sim][log]") {
  auto program = [](sim::Bubble& b) {
    return b.Run([&b] {
      sim::SleepFor(5s);
      b.Log().info("hello {}", 1);
      sim::Spawn("informer/configmaps", [] {
        sim::SleepFor(100ms);
        sim::Log().warn("Caches synced");
      });
    });
  };
  sim::RunResult printed;
  const std::string text = CaptureStderr([&] {
    sim::Bubble b({.log_level = sim::LogLevel::kInfo});
    printed = program(b);
  });
  CHECK(text ==
        "I0101 00:00:05.000000 main] hello 1\n"
        "W0101 00:00:05.100000 informer/configmaps] Caches synced\n");
  sim::RunResult quiet;
  const std::string nothing = CaptureStderr([&] {
    sim::Bubble b;  // log_level warn: only the warning prints
    quiet = program(b);
  });
  CHECK(nothing == "W0101 00:00:05.100000 informer/configmaps] Caches synced\n");
  REQUIRE(printed.Passed());
  REQUIRE(quiet.Passed());
  CHECK(printed.fingerprint == quiet.fingerprint);
}
