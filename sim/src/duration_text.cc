// sim/src/duration_text.cc
#include "bubble/sim/duration_text.h"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <utility>

#include <fmt/format.h>

namespace bubble::sim {

std::optional<Duration> ParseDuration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    ++digits;
  }
  if (digits == 0 || digits > 12) {
    return std::nullopt;
  }
  std::int64_t n = 0;
  std::from_chars(text.data(), text.data() + digits, n);
  const std::string_view unit = text.substr(digits);
  constexpr std::pair<std::string_view, std::int64_t> kUnits[] = {{"ns", 1},
                                                                  {"us", 1'000},
                                                                  {"ms", 1'000'000},
                                                                  {"s", 1'000'000'000},
                                                                  {"m", 60'000'000'000},
                                                                  {"h", 3'600'000'000'000}};
  for (const auto& [name, unit_ns] : kUnits) {
    // Twelve digits of hours overflow the clock's nanoseconds: refused, not wrapped.
    if (unit == name && n > 0 && n <= Duration::max().count() / unit_ns) {
      return Duration(n * unit_ns);
    }
  }
  return std::nullopt;
}

std::string FormatExactDuration(Duration d) {
  const std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  constexpr std::pair<std::int64_t, const char*> kUnits[] = {
      {3'600'000'000'000, "h"}, {60'000'000'000, "m"}, {1'000'000'000, "s"},
      {1'000'000, "ms"},        {1'000, "us"},         {1, "ns"}};
  for (const auto& [size, unit] : kUnits) {
    if (ns % size == 0) {
      return fmt::format("{}{}", ns / size, unit);
    }
  }
  return fmt::format("{}ns", ns);
}

}  // namespace bubble::sim
