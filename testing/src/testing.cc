// testing/src/testing.cc: the Catch2 side of the helpers (the rest is in sweep_runner.cc).
#include "bubble/testing/testing.h"

#include <cstdio>

#include <catch2/catch.hpp>

#include "environment.h"
#include "replay_command.h"
#include "sweep_runner.h"

namespace bubble::testing {

namespace {

detail::Environment EnvironmentOrFail() {
  try {
    return detail::ReadProcessEnvironment();
  } catch (const detail::EnvironmentError& e) {
    FAIL(e.what());
  }
  return {};
}

detail::TestIdentity CurrentTest() {
  return {.binary = detail::TestBinary(),
          .test_name = Catch::getResultCapture().getCurrentTestName()};
}

// Catch2 wraps long messages at its console width, which breaks a command in the middle: the
// replay commands also go to stderr, whole, one per line.
void FailWith(const detail::SweepReport& report) {
  for (const std::string& command : report.replay_commands) {
    std::fprintf(stderr, "replay: %s\n", command.c_str());
  }
  std::fflush(stderr);
  FAIL(report.message);
}

}  // namespace

sim::RunResult RunOnce(sim::Options options, const Body& body) {
  sim::ReinstallCrashHandlers();  // the test framework may have restored its own since
  const detail::Environment env = EnvironmentOrFail();
  sim::RunResult result;
  const detail::SweepReport report =
      detail::RunSingle(std::move(options), body, env, CurrentTest(), result);
  if (!report.Passed()) {
    FailWith(report);
  }
  return result;
}

void RunSeeds(const SeedSweep& sweep, const sim::Options& base, const Body& body) {
  sim::ReinstallCrashHandlers();  // the test framework may have restored its own since
  const detail::Environment env = EnvironmentOrFail();
  const detail::SweepReport report = detail::RunSweep(sweep, base, body, env, CurrentTest());
  if (!report.Passed()) {
    FailWith(report);
  }
}

}  // namespace bubble::testing
