// sim/include/bubble/sim/duration_text.h
//
// File: durations as people type them ("90s", "250ms", "2h") for time limits on command lines,
// in environment variables (BUBBLE_TIME_LIMIT) and in trace files. One parser for all of them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <bubble/sim/clock.h>

namespace bubble::sim {

// "90s", "5m", "2h", "250ms", "1500us", "10ns": a positive whole number (at most 12 digits)
// followed by one of the units ns, us, ms, s, m, h. nullopt for anything else (no unit, zero,
// a sign, a fraction, more than the clock holds: about 292 years).
std::optional<Duration> ParseDuration(std::string_view text);

// The inverse of ParseDuration, in the largest unit that is exact ("90s", "2h", "1500ms"),
// unlike FormatDuration (clock.h), which rounds for reports.
std::string FormatExactDuration(Duration d);

}  // namespace bubble::sim
