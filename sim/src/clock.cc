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

std::optional<TimePoint> ParseIsoTime(std::string_view text) {
  using namespace std::chrono;
  const auto digits = [&text](std::size_t at, std::size_t n) -> std::optional<int> {
    if (at + n > text.size()) {
      return std::nullopt;
    }
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') {
        return std::nullopt;
      }
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  const auto at = [&text](std::size_t i, char c) { return i < text.size() && text[i] == c; };
  const auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2), hour = digits(11, 2),
             minute = digits(14, 2), second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || !at(4, '-') || !at(7, '-') ||
      !at(10, 'T') || !at(13, ':') || !at(16, ':') || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  const year_month_day ymd{std::chrono::year{*year}, std::chrono::month{unsigned(*month)},
                           std::chrono::day{unsigned(*day)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  std::size_t i = 19;
  std::int64_t nanos = 0;
  if (at(i, '.')) {
    std::size_t n = 0;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++n) {
      if (n == 9) {
        return std::nullopt;
      }
      nanos = nanos * 10 + (text[i] - '0');
    }
    if (n == 0) {
      return std::nullopt;
    }
    for (; n < 9; ++n) {
      nanos *= 10;
    }
  }
  if (!at(i, 'Z') || i + 1 != text.size()) {
    return std::nullopt;
  }
  const std::int64_t unix_seconds = sys_days{ymd}.time_since_epoch().count() * 86400LL +
                                    *hour * 3600LL + *minute * 60LL + *second;
  const std::int64_t since_epoch = unix_seconds - Clock::kUnixSecondsAtEpoch;
  if (since_epoch < 0) {
    return std::nullopt;
  }
  return Clock::Epoch() + duration_cast<Duration>(seconds(since_epoch)) + nanoseconds(nanos);
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
