// testing/test/shrink_report_test.cc: BUBBLE_SHRINK (a failing run shrunk, told and written as a
// trace) and BUBBLE_REPLAY (that trace rerun), through the reports RunSeeds fails tests with.
#include "shrink_report.h"

#include <unistd.h>

#include <cstdio>
#include <regex>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/preempt.h>
#include <bubble/sim/shrink.h>
#include <bubble/sim/wait_group.h>

#include "environment.h"
#include "sweep_runner.h"

namespace detail = bubble::testing::detail;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;

namespace {

const detail::TestIdentity kTest{.binary = "/build/t", .test_name = "lost update"};

// Two adders read a counter, reach a preemption point and write it back while three noise fibers
// read and yield: random finds the lost update with dozens of preemptions, one or two suffice.
void LostUpdate(sim::Bubble&) {
  int counter = 0;
  sim::WaitGroup wg;
  for (int i = 0; i < 2; ++i) {
    wg.Go(fmt::format("adder-{}", i), [&counter] {
      for (int k = 0; k < 3; ++k) {
        const int read = counter;
        sim::PreemptionPoint(sim::PreemptKind::kCache, "cache: get", "default/counter");
        counter = read + 1;
        sim::Yield();
      }
    });
  }
  for (int i = 0; i < 3; ++i) {
    wg.Go(fmt::format("noise-{}", i), [] {
      for (int k = 0; k < 4; ++k) {
        sim::PreemptionPoint(sim::PreemptKind::kCache, "cache: get", "default/noise");
        sim::Yield();
      }
    });
  }
  wg.Wait();
  if (counter != 6) {
    sim::Fail(fmt::format("lost update: counter is {}", counter));
  }
}

const bubble::testing::SeedSweep kRandomSweep{
    .count = 100, .strategies = {sim::StrategyKind::kRandom}, .check_determinism = false};

// A fresh temporary path ending in ".json".
std::string TempJson() {
  char path[] = "/tmp/bubble_shrink_report_XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::remove(path);
  return std::string(path) + ".json";
}

}  // namespace

TEST_CASE("BUBBLE_SHRINK adds the shrunk run to the failure: counts and its story",
          "[testing][shrink]") {
  detail::Environment env;
  env.shrink = true;
  const detail::SweepReport r = detail::RunSweep(kRandomSweep, {}, LostUpdate, env, kTest);
  REQUIRE(r.failed.size() == 1);
  INFO(r.message);
  std::smatch m;
  REQUIRE(std::regex_search(r.message, m, std::regex(R"(preemptions (\d+) -> (\d+))")));
  const int before = std::stoi(m[1]);
  const int after = std::stoi(m[2]);
  CHECK(before >= 10);
  CHECK(after >= 1);
  CHECK(after <= 2);
  CHECK_THAT(r.message, Contains("shrunk (BUBBLE_SHRINK): decisions "));
  CHECK_THAT(r.message, Contains("was preempted at `cache: get default/counter` (before it)"));
  CHECK_THAT(r.message, Contains("FAILED (main): lost update: counter is"));
  CHECK_THAT(r.message, !Contains("BUBBLE_REPLAY"));  // no trace file: nothing to rerun
}

TEST_CASE("BUBBLE_SHRINK with BUBBLE_TRACE writes the shrunk trace, which BUBBLE_REPLAY reruns",
          "[testing][shrink]") {
  const std::string path = TempJson();
  const std::string shrunk = sim::ShrunkTracePath(path);
  detail::Environment env;
  env.shrink = true;
  env.trace_file = path;
  const detail::SweepReport r = detail::RunSweep(kRandomSweep, {}, LostUpdate, env, kTest);
  REQUIRE(r.failed.size() == 1);
  INFO(r.message);
  CHECK_THAT(r.message, Contains("shrunk trace of seed " + std::to_string(r.failed[0].seed) +
                                 " strategy replay written to " + shrunk));
  CHECK_THAT(r.message, Contains("rerun the shrunk run: BUBBLE_REPLAY=" + shrunk + " /build/t "));

  detail::Environment replay;
  replay.replay_file = shrunk;
  const detail::SweepReport again = detail::RunSweep(kRandomSweep, {}, LostUpdate, replay, kTest);
  INFO(again.message);
  CHECK(again.runs == 1);
  REQUIRE(again.failed.size() == 1);
  CHECK_THAT(again.failed[0].summary, Contains("lost update: counter is"));
  CHECK(again.failed[0].replay.starts_with("BUBBLE_REPLAY=" + shrunk + " /build/t "));

  // Another test's trace is refused by name.
  const detail::SweepReport other = detail::RunSweep(kRandomSweep, {}, LostUpdate, replay,
                                                     {.binary = "/build/t", .test_name = "other"});
  REQUIRE(other.failed.size() == 1);
  CHECK_THAT(other.message, Contains("records test \"lost update\", not this test (\"other\")"));
  std::remove(path.c_str());
  std::remove(shrunk.c_str());
}

TEST_CASE("BUBBLE_REPLAY of a missing file fails the test naming it", "[testing][shrink]") {
  detail::Environment env;
  env.replay_file = "/nonexistent-dir/t.json";
  const detail::SweepReport r = detail::RunSweep(kRandomSweep, {}, LostUpdate, env, kTest);
  REQUIRE(r.failed.size() == 1);
  CHECK_THAT(r.message, Contains("BUBBLE_REPLAY=\"/nonexistent-dir/t.json\": cannot read it"));
}

TEST_CASE("BUBBLE_SHRINK and BUBBLE_REPLAY are read from the environment", "[testing][shrink]") {
  const auto env = detail::ReadEnvironment([](const char* name) -> const char* {
    const std::string n(name);
    return n == "BUBBLE_SHRINK" ? "1" : n == "BUBBLE_REPLAY" ? "/tmp/r.json" : nullptr;
  });
  CHECK(env.shrink);
  CHECK(env.replay_file == "/tmp/r.json");
  CHECK_THROWS_WITH(detail::ReadEnvironment([](const char* name) -> const char* {
                      return std::string(name) == "BUBBLE_SHRINK" ? "yes" : nullptr;
                    }),
                    Contains("BUBBLE_SHRINK=\"yes\" is not a switch"));
}
