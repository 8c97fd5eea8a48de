// testing/include/bubble/testing/seed_sweep.h
//
// File: what RunSeeds runs: a range of seeds under some strategies, checked for determinism,
// with the kernel's runaway limits. Plain data; the environment may narrow or widen it (see
// testing.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <bubble/sim/clock.h>
#include <bubble/sim/strategy.h>

namespace bubble::sim {
class Bubble;
}

namespace bubble::testing {

struct SeedSweep {
  std::uint64_t first_seed = 1;
  std::uint64_t count = 32;
  std::vector<sim::StrategyKind> strategies = {sim::StrategyKind::kRandom, sim::StrategyKind::kPct};
  // Every seed runs twice and the two fingerprints must match.
  bool check_determinism = true;
  // false (or BUBBLE_ALL_SEEDS=1): run every seed and report all failing ones.
  bool stop_at_first_failure = true;
  // Override the base options' sim::Options::step_limit / time_limit when set (and are
  // overridden in turn by BUBBLE_STEP_LIMIT / BUBBLE_TIME_LIMIT).
  std::optional<std::uint64_t> step_limit{};
  std::optional<sim::Duration> time_limit{};
};

// A test body: runs as fiber "main" of a fresh bubble.
using Body = std::function<void(sim::Bubble&)>;

}  // namespace bubble::testing
