// sim/src/clock.cc
#include "bubble/sim/clock.h"

#include <fmt/format.h>

#include "scheduler.h"

namespace bubble::sim {

Clock::time_point Clock::now() noexcept {
  const detail::Scheduler* s = detail::Scheduler::Current();
  return s != nullptr ? s->Now() : Epoch();
}

namespace {

struct CivilTime {
  int year, month, day, hour, minute, second;
  std::int64_t micros;
};

// Howard Hinnant's days-to-civil conversion, via <chrono>'s calendar types.
CivilTime ToCivil(TimePoint t) {
  using namespace std::chrono;
  const auto since_unix = t.time_since_epoch() + seconds(Clock::kUnixSecondsAtEpoch);
  const auto micros_total = duration_cast<microseconds>(since_unix).count();
  std::int64_t secs = micros_total / 1'000'000;
  std::int64_t micros = micros_total % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const year_month_day ymd{sys_days{std::chrono::days{days}}};
  return {static_cast<int>(ymd.year()),
          static_cast<int>(unsigned(ymd.month())),
          static_cast<int>(unsigned(ymd.day())),
          static_cast<int>(rem / 3600),
          static_cast<int>(rem % 3600 / 60),
          static_cast<int>(rem % 60),
          micros};
}

}  // namespace

std::string FormatKlogTime(TimePoint t) {
  const CivilTime c = ToCivil(t);
  return fmt::format("{:02}{:02} {:02}:{:02}:{:02}.{:06}", c.month, c.day, c.hour, c.minute,
                     c.second, c.micros);
}

std::string FormatIsoTime(TimePoint t) {
  const CivilTime c = ToCivil(t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", c.year, c.month, c.day, c.hour,
                     c.minute, c.second, c.micros);
}

std::string FormatDuration(Duration d) {
  const auto ns = d.count();
  const auto abs = ns < 0 ? -ns : ns;
  if (abs == 0) {
    return "0s";
  }
  // Twelve significant digits: exact for any run shorter than a few years, and never in
  // exponent notation ("31536000s", not "3.1536e+07s"); where six were enough it prints the same.
  if (abs % 1'000'000'000 == 0 || abs >= 1'000'000'000) {
    return fmt::format("{:.12g}s", static_cast<double>(ns) / 1e9);
  }
  if (abs % 1'000'000 == 0 || abs >= 1'000'000) {
    return fmt::format("{:.12g}ms", static_cast<double>(ns) / 1e6);
  }
  if (abs % 1'000 == 0 || abs >= 1'000) {
    return fmt::format("{:.12g}us", static_cast<double>(ns) / 1e3);
  }
  return fmt::format("{}ns", ns);
}

}  // namespace bubble::sim
