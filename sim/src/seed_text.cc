// sim/src/seed_text.cc
#include "bubble/sim/seed_text.h"

#include <charconv>

namespace bubble::sim {

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

}  // namespace bubble::sim
