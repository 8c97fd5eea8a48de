// tools/src/seed_range.h
//
// Parsing the CLI's seeds, seed ranges and shards, and the deterministic choices a sweep makes
// from a seed (which shard it belongs to, whether the determinism check reruns it).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <bubble/sim/seed_text.h>

namespace bubble::cli {

// Seeds and seed ranges are the kernel's (sim/seed_text.h: BUBBLE_SEEDS reads them too).
using sim::ParseSeed;
using sim::ParseSeedRange;
using sim::SeedRange;

// --shard I/N: this process runs the seeds s with s % N == I (0 <= I < N).
struct Shard {
  std::uint64_t index = 0;
  std::uint64_t count = 1;

  bool Contains(std::uint64_t seed) const noexcept { return seed % count == index; }
};

// "I/N" with N >= 1 and I < N.
std::optional<Shard> ParseShard(std::string_view text);

// The seeds of a range that belong to a shard, ascending: At(k) for k < count. Arithmetic, not a
// list: a sweep over 1..2^64-1 costs no memory for its seeds.
struct ShardSeeds {
  std::uint64_t first = 0;
  std::uint64_t step = 1;
  std::uint64_t count = 0;

  std::uint64_t At(std::uint64_t k) const noexcept { return first + k * step; }
};

ShardSeeds SeedsInShard(SeedRange range, Shard shard) noexcept;

// Whether the determinism check (--check-determinism P) reruns `seed`: a fixed hash of the seed
// below P percent, so the same seeds are chosen on every machine and in every shard.
bool SelectedForDeterminismCheck(std::uint64_t seed, int percent) noexcept;

}  // namespace bubble::cli
