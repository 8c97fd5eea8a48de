// sim/include/bubble/sim/clock.h
//
// The bubble's virtual clock. It meets the standard's Clock requirements, so std::chrono
// durations and time points work unchanged, but it reads the virtual time of the bubble
// running on this thread: time starts at 2000-01-01T00:00:00Z and moves only when every fiber
// of the bubble is blocked (it then jumps to the earliest pending timer).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace bubble::sim {

struct Clock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<Clock, duration>;
  static constexpr bool is_steady = true;

  // The current bubble's virtual time. Outside a running bubble it returns Epoch(): virtual
  // time has no meaning there, and a test helper that formats a time must not crash.
  static time_point now() noexcept;

  // 2000-01-01T00:00:00Z, where every bubble's clock starts (as in Go's testing/synctest).
  static constexpr time_point Epoch() noexcept { return time_point{}; }

  // Seconds from the Unix epoch to Epoch(), for converting to calendar time.
  static constexpr std::int64_t kUnixSecondsAtEpoch = 946684800;
};

using TimePoint = Clock::time_point;
using Duration = Clock::duration;

// Formats a virtual time the way klog stamps lines: "MMDD hh:mm:ss.uuuuuu" ("0101
// 00:00:00.100000").
std::string FormatKlogTime(TimePoint t);

// Formats a virtual time as ISO 8601 with microseconds: "2000-01-01T00:00:00.100000Z".
std::string FormatIsoTime(TimePoint t);

// Formats a duration compactly for reports ("1.5s", "100ms", "250us", "7ns").
std::string FormatDuration(Duration d);

}  // namespace bubble::sim
