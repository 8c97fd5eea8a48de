// testing/src/environment.cc
#include "environment.h"

#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

#include <bubble/sim/duration_text.h>
#include <bubble/sim/seed_text.h>

namespace bubble::testing::detail {

Environment ReadEnvironment(const Getenv& getenv) {
  Environment env;
  if (const char* value = getenv("BUBBLE_SEED")) {
    const auto seed = sim::ParseSeed(value);
    if (!seed) {
      throw EnvironmentError(
          fmt::format("BUBBLE_SEED=\"{}\" is not a seed: use a non-negative integer", value));
    }
    env.first_seed = *seed;
    env.count = 1;
  } else if (const char* range = getenv("BUBBLE_SEEDS")) {
    // Only "A..B" here: a single seed is BUBBLE_SEED's job.
    const std::string_view s(range);
    const auto seeds =
        s.find("..") != std::string_view::npos ? sim::ParseSeedRange(s) : std::nullopt;
    if (!seeds) {
      throw EnvironmentError(
          fmt::format("BUBBLE_SEEDS=\"{}\" is not a seed range: use A..B with A <= B", range));
    }
    env.first_seed = seeds->first;
    env.count = seeds->Count();
  }
  if (const char* value = getenv("BUBBLE_STRATEGY")) {
    const auto kind = sim::ParseStrategy(value);
    if (!kind || *kind == sim::StrategyKind::kReplay) {
      throw EnvironmentError(
          fmt::format("BUBBLE_STRATEGY=\"{}\" is not a strategy: use fifo, random or pct", value));
    }
    env.strategy = *kind;
  }
  if (const char* value = getenv("BUBBLE_ALL_SEEDS")) {
    const std::string_view v(value);
    if (v != "0" && v != "1") {
      throw EnvironmentError(fmt::format(
          "BUBBLE_ALL_SEEDS=\"{}\" is not a switch: use 1 (report every failing seed) or 0",
          value));
    }
    env.all_seeds = v == "1";
  }
  if (const char* value = getenv("BUBBLE_STEP_LIMIT")) {
    const auto n = sim::ParseSeed(value);  // a decimal count, read as seeds are
    if (!n || *n == 0) {
      throw EnvironmentError(
          fmt::format("BUBBLE_STEP_LIMIT=\"{}\" is not a step limit: use 1 or more", value));
    }
    env.step_limit = *n;
  }
  if (const char* value = getenv("BUBBLE_TIME_LIMIT")) {
    env.time_limit = sim::ParseDuration(value);
    if (!env.time_limit) {
      throw EnvironmentError(fmt::format(
          "BUBBLE_TIME_LIMIT=\"{}\" is not a duration: use a positive number with a unit (ns, "
          "us, ms, s, m, h), e.g. 90s",
          value));
    }
  }
  if (const char* value = getenv("BUBBLE_TRACE")) {
    env.trace_file = value;
  }
  if (const char* value = getenv("BUBBLE_SHRINK")) {
    const std::string_view v(value);
    if (v != "0" && v != "1") {
      throw EnvironmentError(fmt::format(
          "BUBBLE_SHRINK=\"{}\" is not a switch: use 1 (shrink the first failing run) or 0",
          value));
    }
    env.shrink = v == "1";
  }
  if (const char* value = getenv("BUBBLE_REPLAY")) {
    env.replay_file = value;
  }
  return env;
}

Environment ReadProcessEnvironment() {
  return ReadEnvironment([](const char* name) { return std::getenv(name); });
}

}  // namespace bubble::testing::detail
