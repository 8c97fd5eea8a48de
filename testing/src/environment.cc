// testing/src/environment.cc
#include "environment.h"

#include <charconv>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

#include <bubble/sim/duration_text.h>

namespace bubble::testing::detail {

namespace {

std::optional<std::uint64_t> ParseU64(std::string_view s) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

Environment ReadEnvironment(const Getenv& getenv) {
  Environment env;
  if (const char* value = getenv("BUBBLE_SEED")) {
    const auto seed = ParseU64(value);
    if (!seed) {
      throw EnvironmentError(
          fmt::format("BUBBLE_SEED=\"{}\" is not a seed: use a non-negative integer", value));
    }
    env.first_seed = *seed;
    env.count = 1;
  } else if (const char* range = getenv("BUBBLE_SEEDS")) {
    const std::string_view s(range);
    const auto dots = s.find("..");
    std::optional<std::uint64_t> a;
    std::optional<std::uint64_t> b;
    if (dots != std::string_view::npos) {
      a = ParseU64(s.substr(0, dots));
      b = ParseU64(s.substr(dots + 2));
    }
    if (!a || !b || *b < *a || *b - *a == UINT64_MAX) {
      throw EnvironmentError(
          fmt::format("BUBBLE_SEEDS=\"{}\" is not a seed range: use A..B with A <= B", range));
    }
    env.first_seed = *a;
    env.count = *b - *a + 1;
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
    const auto n = ParseU64(value);
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
  return env;
}

Environment ReadProcessEnvironment() {
  return ReadEnvironment([](const char* name) { return std::getenv(name); });
}

}  // namespace bubble::testing::detail
