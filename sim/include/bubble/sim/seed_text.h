// sim/include/bubble/sim/seed_text.h
//
// File: seeds and seed ranges as people type them ("42", "1..1000") on command lines and in
// environment variables (BUBBLE_SEED, BUBBLE_SEEDS). One parser for all of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace bubble::sim {

struct SeedRange {
  std::uint64_t first = 1;
  std::uint64_t last = 1;  // inclusive

  std::uint64_t Count() const noexcept { return last - first + 1; }
};

// A decimal seed ("42"); nullopt for anything else (signs, spaces, hex, overflow).
std::optional<std::uint64_t> ParseSeed(std::string_view text);
// "A..B" with A <= B, or a single seed "N" (= N..N). The full range 0..2^64-1 is refused (its
// count does not fit in 64 bits).
std::optional<SeedRange> ParseSeedRange(std::string_view text);

}  // namespace bubble::sim
