// testing/src/environment.h
//
// File: the BUBBLE_* environment variables the Catch2 helpers read (see testing.h), parsed once
// per call so a malformed value fails the test with a one-line message.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <bubble/sim/clock.h>
#include <bubble/sim/strategy.h>

namespace bubble::testing::detail {

// A malformed variable: the message names it, its value and what is expected.
class EnvironmentError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct Environment {
  std::optional<std::uint64_t> first_seed{};  // BUBBLE_SEED or BUBBLE_SEEDS
  std::optional<std::uint64_t> count{};
  std::optional<sim::StrategyKind> strategy{};  // BUBBLE_STRATEGY
  std::optional<bool> all_seeds{};              // BUBBLE_ALL_SEEDS
  std::optional<std::uint64_t> step_limit{};    // BUBBLE_STEP_LIMIT
  std::optional<sim::Duration> time_limit{};    // BUBBLE_TIME_LIMIT
  std::string trace_file{};                     // BUBBLE_TRACE; empty: none
  bool shrink = false;                          // BUBBLE_SHRINK=1
  std::string replay_file{};                    // BUBBLE_REPLAY; empty: none
};

// Looks a variable up: its value, or null when unset (std::getenv in tests' runs).
using Getenv = std::function<const char*(const char*)>;

// Reads every variable; EnvironmentError for the first malformed one (an empty value counts as
// malformed, except for BUBBLE_TRACE where it means "no trace").
Environment ReadEnvironment(const Getenv& getenv);

// The process environment.
Environment ReadProcessEnvironment();

}  // namespace bubble::testing::detail
