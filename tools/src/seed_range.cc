// tools/src/seed_range.cc
#include "seed_range.h"

#include <bubble/sim/rng.h>

namespace bubble::cli {

std::optional<Shard> ParseShard(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  const auto i = ParseSeed(text.substr(0, slash));
  const auto n = ParseSeed(text.substr(slash + 1));
  if (!i || !n || *n == 0 || *i >= *n) {
    return std::nullopt;
  }
  return Shard{*i, *n};
}

ShardSeeds SeedsInShard(SeedRange range, Shard shard) noexcept {
  // The first seed s >= range.first with s % count == index, without overflowing near 2^64.
  const std::uint64_t offset =
      (shard.index + shard.count - range.first % shard.count) % shard.count;
  if (offset > range.last - range.first) {
    return {.first = range.first, .step = shard.count, .count = 0};
  }
  const std::uint64_t first = range.first + offset;
  // ParseSeedRange refuses 0..2^64-1, so (last - first) / step + 1 cannot overflow.
  return {.first = first, .step = shard.count, .count = (range.last - first) / shard.count + 1};
}

bool SelectedForDeterminismCheck(std::uint64_t seed, int percent) noexcept {
  if (percent <= 0) {
    return false;
  }
  if (percent >= 100) {
    return true;
  }
  // A fixed, well-mixed function of the seed (splitmix64's first output for it).
  return static_cast<int>(sim::Mix64(seed + sim::kGoldenGamma) % 100) < percent;
}

}  // namespace bubble::cli
