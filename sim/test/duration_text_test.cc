// sim/test/duration_text_test.cc
#include "bubble/sim/duration_text.h"

#include <catch2/catch.hpp>

namespace sim = bubble::sim;

TEST_CASE("ParseDuration and FormatExactDuration round-trip", "[sim][duration]") {
  CHECK(sim::ParseDuration("90s") == std::chrono::seconds(90));
  CHECK(sim::ParseDuration("250ms") == std::chrono::milliseconds(250));
  CHECK(sim::ParseDuration("2h") == std::chrono::hours(2));
  CHECK(sim::ParseDuration("7ns") == std::chrono::nanoseconds(7));
  CHECK(!sim::ParseDuration("0s"));
  CHECK(!sim::ParseDuration("5"));
  CHECK(!sim::ParseDuration("-1s"));
  CHECK(!sim::ParseDuration("1.5s"));
  CHECK(!sim::ParseDuration("s"));
  CHECK(!sim::ParseDuration("10 s"));
  // Beyond the clock's 64-bit nanoseconds (about 292 years): refused, not wrapped (twelve digits
  // of hours once overflowed into a time limit read from a trace).
  CHECK(!sim::ParseDuration("999999999999h"));
  CHECK(!sim::ParseDuration("9223372037s"));
  CHECK(sim::ParseDuration("9223372036s") == std::chrono::seconds(9223372036));
  CHECK(sim::ParseDuration("2562047h") == std::chrono::hours(2562047));
  CHECK(!sim::ParseDuration("2562048h"));
  CHECK(sim::FormatExactDuration(std::chrono::seconds(90)) == "90s");
  CHECK(sim::FormatExactDuration(std::chrono::hours(24 * 365)) == "8760h");
  CHECK(sim::FormatExactDuration(std::chrono::milliseconds(1500)) == "1500ms");
  CHECK(sim::ParseDuration(sim::FormatExactDuration(std::chrono::microseconds(1234567))) ==
        std::chrono::microseconds(1234567));
}
