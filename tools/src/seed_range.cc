// tools/src/seed_range.cc
#include "seed_range.h"

#include <charconv>

namespace bubble::cli {

std::optional<std::uint64_t> ParseSeed(std::string_view text) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return v;
}

std::optional<SeedRange> ParseSeedRange(std::string_view text) {
  const auto dots = text.find("..");
  if (dots == std::string_view::npos) {
    const auto seed = ParseSeed(text);
    if (!seed) {
      return std::nullopt;
    }
    return SeedRange{*seed, *seed};
  }
  const auto a = ParseSeed(text.substr(0, dots));
  const auto b = ParseSeed(text.substr(dots + 2));
  if (!a || !b || *b < *a || (*a == 0 && *b == UINT64_MAX)) {
    return std::nullopt;
  }
  return SeedRange{*a, *b};
}

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

bool SelectedForDeterminismCheck(std::uint64_t seed, int percent) noexcept {
  if (percent <= 0) {
    return false;
  }
  if (percent >= 100) {
    return true;
  }
  // splitmix64's finalizer: a fixed, well-mixed function of the seed.
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<int>(z % 100) < percent;
}

}  // namespace bubble::cli
