// apiserver/src/human_duration.cc
#include "human_duration.h"

#include <chrono>
#include <cstdint>

#include <fmt/format.h>

namespace bubble::apiserver::detail {

std::string HumanDuration(sim::Duration d) {
  using std::chrono::duration_cast;
  // Go converts with truncation toward zero, as duration_cast does.
  const std::int64_t seconds = duration_cast<std::chrono::seconds>(d).count();
  if (seconds < -1) {
    return "<invalid>";
  }
  if (seconds < 0) {
    return "0s";
  }
  if (seconds < 60 * 2) {
    return fmt::format("{}s", seconds);
  }
  const std::int64_t minutes = duration_cast<std::chrono::minutes>(d).count();
  if (minutes < 10) {
    const std::int64_t s = seconds % 60;
    return s == 0 ? fmt::format("{}m", minutes) : fmt::format("{}m{}s", minutes, s);
  }
  if (minutes < 60 * 3) {
    return fmt::format("{}m", minutes);
  }
  const std::int64_t hours = duration_cast<std::chrono::hours>(d).count();
  if (hours < 8) {
    const std::int64_t m = minutes % 60;
    return m == 0 ? fmt::format("{}h", hours) : fmt::format("{}h{}m", hours, m);
  }
  if (hours < 48) {
    return fmt::format("{}h", hours);
  }
  if (hours < 24 * 8) {
    const std::int64_t h = hours % 24;
    return h == 0 ? fmt::format("{}d", hours / 24) : fmt::format("{}d{}h", hours / 24, h);
  }
  if (hours < 24 * 365 * 2) {
    return fmt::format("{}d", hours / 24);
  }
  if (hours < 24 * 365 * 8) {
    const std::int64_t days = (hours / 24) % 365;
    return days == 0 ? fmt::format("{}y", hours / 24 / 365)
                     : fmt::format("{}y{}d", hours / 24 / 365, days);
  }
  return fmt::format("{}y", hours / 24 / 365);
}

std::string AgeSince(const std::optional<sim::TimePoint>& t, sim::TimePoint now) {
  if (!t.has_value()) {
    return "<unknown>";
  }
  return HumanDuration(now - *t);
}

}  // namespace bubble::apiserver::detail
