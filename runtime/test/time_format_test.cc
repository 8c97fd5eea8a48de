#include "bubble/runtime/time_format.h"

#include <catch2/catch.hpp>

namespace rt = bubble::runtime;
namespace sim = bubble::sim;
using namespace std::chrono_literals;

TEST_CASE("virtual times format as RFC 3339", "[runtime][time]") {
  const sim::TimePoint t = sim::Clock::Epoch() + 5s + 250ms;
  CHECK(rt::FormatTime(sim::Clock::Epoch()) == "2000-01-01T00:00:00Z");
  CHECK(rt::FormatTime(t) == "2000-01-01T00:00:05Z");
  CHECK(rt::FormatMicroTime(t) == "2000-01-01T00:00:05.250000Z");
  CHECK(rt::FormatTime(sim::Clock::Epoch() + 24h * 366 + 1h) == "2001-01-01T01:00:00Z");
  CHECK(rt::FormatTime(sim::Clock::Epoch() - 1s) == "1999-12-31T23:59:59Z");
}

TEST_CASE("RFC 3339 times parse back, with fractions and offsets", "[runtime][time]") {
  CHECK(*rt::ParseTime("2000-01-01T00:00:05.250000Z") == sim::Clock::Epoch() + 5s + 250ms);
  CHECK(*rt::ParseTime("2000-01-01T01:00:00+01:00") == sim::Clock::Epoch());
  CHECK(*rt::ParseTime("1999-12-31T23:59:59Z") == sim::Clock::Epoch() - 1s);
  const sim::TimePoint t = sim::Clock::Epoch() + 1234567us;
  CHECK(*rt::ParseTime(rt::FormatMicroTime(t)) == t);
}

TEST_CASE("malformed times are BadRequest", "[runtime][time]") {
  for (const char* bad :
       {"", "2000-01-01", "2000-13-01T00:00:00Z", "2000-01-01T00:00:00", "2000-01-01T00:00:00Zjunk",
        "2000-01-01T25:00:00Z", "2000-01-01T00:00:00."}) {
    CAPTURE(bad);
    const auto r = rt::ParseTime(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(rt::IsBadRequest(r.error()));
  }
}
