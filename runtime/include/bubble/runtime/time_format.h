// runtime/include/bubble/runtime/time_format.h
//
// Virtual time as Kubernetes writes it in JSON: metav1.Time is RFC 3339 with whole seconds
// ("2000-01-01T00:00:05Z"), metav1.MicroTime has six fractional digits
// ("2000-01-01T00:00:05.250000Z"). Times are bubble::sim::TimePoint (virtual time; Epoch() is
// 2000-01-01T00:00:00Z). Pure functions; no clock is read.
#pragma once

#include <string>
#include <string_view>

#include <bubble/runtime/status.h>
#include <bubble/sim/clock.h>

namespace bubble::runtime {

// metav1.Time: seconds precision (the fraction is truncated), UTC, "Z".
std::string FormatTime(sim::TimePoint t);
// metav1.MicroTime: microseconds precision, UTC, "Z".
std::string FormatMicroTime(sim::TimePoint t);
// Parses RFC 3339 ("YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)"); BadRequest on malformed input.
Result<sim::TimePoint> ParseTime(std::string_view text);

}  // namespace bubble::runtime
