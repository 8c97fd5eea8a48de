// testing/src/replay_command.h
//
// File: the command that reruns one run of a test: environment, test binary and the test's name
// as a Catch2 test spec, each shell-quoted, on one line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <bubble/sim/clock.h>
#include <bubble/sim/strategy.h>

namespace bubble::testing::detail {

// `name` as a Catch2 v2 test spec that selects the test of that exact name: in double quotes,
// with a backslash before `\` `,` `"` `[` `]`. Catch2 still reads a leading or trailing '*' as a
// wildcard and a leading "exclude:" as an exclusion (it matches names case-insensitively too).
std::string CatchTestSpec(std::string_view name);

// Which test and run a replay command reruns. Limits are set only when they came from the
// environment (the test's code sets its own).
struct ReplayTarget {
  std::string binary;
  std::string test_name;
  std::uint64_t seed = 1;
  sim::StrategyKind strategy = sim::StrategyKind::kRandom;
  std::optional<std::uint64_t> step_limit{};
  std::optional<sim::Duration> time_limit{};
  // A trace whose decisions the rerun follows (BUBBLE_REPLAY) instead of seed and strategy.
  std::string replay_file{};
};

// `BUBBLE_SEED=N BUBBLE_STRATEGY=S [BUBBLE_STEP_LIMIT=N] [BUBBLE_TIME_LIMIT=D] BINARY SPEC`, or
// with a replay file `BUBBLE_REPLAY=FILE [limits] BINARY SPEC`.
std::string ReplayCommand(const ReplayTarget& target);

// The running executable's path (/proc/self/exe), or "<test binary>" if unknown.
std::string TestBinary();

}  // namespace bubble::testing::detail
