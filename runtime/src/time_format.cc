// runtime/src/time_format.cc
#include "bubble/runtime/time_format.h"

#include <chrono>
#include <cstdint>

#include <fmt/format.h>

namespace bubble::runtime {

namespace {

using std::chrono::days;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// Virtual time -> (civil date, time of day, nanoseconds into the second), via the Unix epoch.
struct Civil {
  std::chrono::year_month_day date;
  std::int64_t seconds_of_day;
  std::int64_t nanos;
};

Civil ToCivil(sim::TimePoint t) {
  const nanoseconds since_unix = t.time_since_epoch() + seconds(sim::Clock::kUnixSecondsAtEpoch);
  const auto day = std::chrono::floor<days>(since_unix);
  const nanoseconds in_day = since_unix - day;
  const std::int64_t secs = std::chrono::floor<seconds>(in_day).count();
  return {std::chrono::year_month_day(std::chrono::sys_days(day)), secs,
          (in_day - seconds(secs)).count()};
}

std::string FormatCivil(const Civil& c, bool micro) {
  const auto h = c.seconds_of_day / 3600;
  const auto m = (c.seconds_of_day / 60) % 60;
  const auto s = c.seconds_of_day % 60;
  std::string out = fmt::format(
      "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(c.date.year()),
      static_cast<unsigned>(c.date.month()), static_cast<unsigned>(c.date.day()), h, m, s);
  if (micro) {
    out += fmt::format(".{:06}", c.nanos / 1000);
  }
  out += 'Z';
  return out;
}

Status Malformed(std::string_view text, std::string_view why) {
  return NewBadRequest(
      fmt::format("invalid time \"{}\": {} (want RFC 3339, e.g. "
                  "\"2000-01-01T00:00:00Z\")",
                  text, why));
}

// Reads exactly `n` digits at `pos`.
bool Digits(std::string_view s, std::size_t& pos, std::size_t n, std::int64_t& out) {
  if (pos + n > s.size()) {
    return false;
  }
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') {
      return false;
    }
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool Expect(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::string FormatTime(sim::TimePoint t) {
  return FormatCivil(ToCivil(t), false);
}

std::string FormatMicroTime(sim::TimePoint t) {
  return FormatCivil(ToCivil(t), true);
}

Result<sim::TimePoint> ParseTime(std::string_view text) {
  std::size_t pos = 0;
  std::int64_t year = 0;
  std::int64_t month = 0;
  std::int64_t day = 0;
  std::int64_t hour = 0;
  std::int64_t minute = 0;
  std::int64_t second = 0;
  if (!Digits(text, pos, 4, year) || !Expect(text, pos, '-') || !Digits(text, pos, 2, month) ||
      !Expect(text, pos, '-') || !Digits(text, pos, 2, day)) {
    return Err(Malformed(text, "bad date"));
  }
  if (!(Expect(text, pos, 'T') || Expect(text, pos, 't')) || !Digits(text, pos, 2, hour) ||
      !Expect(text, pos, ':') || !Digits(text, pos, 2, minute) || !Expect(text, pos, ':') ||
      !Digits(text, pos, 2, second)) {
    return Err(Malformed(text, "bad time of day"));
  }
  std::int64_t nanos = 0;
  if (Expect(text, pos, '.')) {
    std::int64_t scale = 100'000'000;
    std::size_t n = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (n < 9) {
        nanos += (text[pos] - '0') * scale;
        scale /= 10;
      }
      ++pos;
      ++n;
    }
    if (n == 0) {
      return Err(Malformed(text, "empty fraction"));
    }
  }
  std::int64_t offset = 0;
  if (Expect(text, pos, 'Z') || Expect(text, pos, 'z')) {
    offset = 0;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const bool negative = text[pos] == '-';
    ++pos;
    std::int64_t oh = 0;
    std::int64_t om = 0;
    if (!Digits(text, pos, 2, oh) || !Expect(text, pos, ':') || !Digits(text, pos, 2, om)) {
      return Err(Malformed(text, "bad zone offset"));
    }
    offset = (oh * 3600 + om * 60) * (negative ? -1 : 1);
  } else {
    return Err(Malformed(text, "missing zone"));
  }
  if (pos != text.size()) {
    return Err(Malformed(text, "trailing characters"));
  }
  const std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(year)),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) {
    return Err(Malformed(text, "field out of range"));
  }
  const auto unix_secs = std::chrono::sys_days(ymd).time_since_epoch() +
                         seconds(hour * 3600 + minute * 60 + second - offset);
  const nanoseconds since_epoch = std::chrono::duration_cast<nanoseconds>(
                                      unix_secs - seconds(sim::Clock::kUnixSecondsAtEpoch)) +
                                  nanoseconds(nanos);
  return sim::TimePoint(since_epoch);
}

}  // namespace bubble::runtime
