// sim::Log() from a file that includes only bubble's kernel header: the logger handle needs fmt's
// core header, not spdlog's (a user's test file should not parse spdlog). The #error keeps it so.
#include <catch2/catch.hpp>

#include <bubble/sim/bubble.h>

#ifdef SPDLOG_VERSION
#error "bubble/sim/bubble.h pulled in spdlog: keep spdlog out of the kernel's public headers"
#endif

namespace sim = bubble::sim;

TEST_CASE("sim::Log works in a file that never includes spdlog", "[log]") {
  sim::Bubble b({.trace = sim::TraceMode::kFull, .log_level = sim::LogLevel::kOff});
  auto r = b.Run([] {
    sim::Log().info("synced {} objects", 3);
    sim::Log().warn("{} and {}", "warn", 2);
  });
  REQUIRE(r.Passed());
  // The lines reach the run's trace (the kernel records every log line it emits).
  bool found = false;
  for (const auto& e : b.GetTrace().Events()) {
    if (e.detail.find("synced 3 objects") != std::string::npos)
      found = true;
  }
  CHECK(found);
}
