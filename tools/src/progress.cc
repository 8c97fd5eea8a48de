// tools/src/progress.cc
#include "progress.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace bubble::cli {

std::string FormatEta(ProgressMeter::Seconds s) {
  constexpr double kYear = 365.0 * 24 * 3600;
  if (s.count() >= kYear) {
    return "over a year";  // a sweep over 1..2^64-1 would print hours with 12 digits
  }
  const auto total = static_cast<long long>(std::ceil(std::max(0.0, s.count())));
  if (total < 60) {
    return fmt::format("{}s", total);
  }
  if (total < 3600) {
    return fmt::format("{}m{:02}s", total / 60, total % 60);
  }
  return fmt::format("{}h{:02}m", total / 3600, (total % 3600) / 60);
}

std::string ProgressMeter::RateAndEta(std::size_t done, Seconds now) const {
  const double elapsed = (now - start_).count();
  if (done == 0 || elapsed <= 0) {
    return "-- runs/s, ETA --";
  }
  const double rate = static_cast<double>(done) / elapsed;
  const double left = static_cast<double>(total_ - std::min(done, total_)) / rate;
  return fmt::format("{:.1f} runs/s, ETA {}", rate, FormatEta(Seconds(left)));
}

std::optional<std::string> ProgressMeter::Update(std::size_t done, std::size_t failed,
                                                 Seconds now) {
  if (terminal_) {
    return fmt::format("\r[{}/{}] {} failed, {}\033[K", done, total_, failed,
                       RateAndEta(done, now));
  }
  if (now - last_ < interval_ && done < total_) {
    return std::nullopt;
  }
  last_ = now;
  return fmt::format("progress: {}/{} runs, {} failed, {}\n", done, total_, failed,
                     RateAndEta(done, now));
}

}  // namespace bubble::cli
