// tools/src/seed_range.h
//
// Parsing the CLI's seeds, seed ranges and shards, and the deterministic choices a sweep makes
// from a seed (which shard it belongs to, whether the determinism check reruns it).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace bubble::cli {

struct SeedRange {
  std::uint64_t first = 1;
  std::uint64_t last = 1;  // inclusive

  std::uint64_t Count() const noexcept { return last - first + 1; }
};

// --shard I/N: this process runs the seeds s with s % N == I (0 <= I < N).
struct Shard {
  std::uint64_t index = 0;
  std::uint64_t count = 1;

  bool Contains(std::uint64_t seed) const noexcept { return seed % count == index; }
};

// A decimal seed ("42"); nullopt for anything else (signs, spaces, hex, overflow).
std::optional<std::uint64_t> ParseSeed(std::string_view text);
// "A..B" with A <= B, or a single seed "N" (= N..N).
std::optional<SeedRange> ParseSeedRange(std::string_view text);
// "I/N" with N >= 1 and I < N.
std::optional<Shard> ParseShard(std::string_view text);

// Whether the determinism check (--check-determinism P) reruns `seed`: a fixed hash of the seed
// below P percent, so the same seeds are chosen on every machine and in every shard.
bool SelectedForDeterminismCheck(std::uint64_t seed, int percent) noexcept;

}  // namespace bubble::cli
