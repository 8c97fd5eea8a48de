// tools/test/progress_test.cc
#include "progress.h"

#include <catch2/catch.hpp>

namespace t = bubble::cli;
using S = t::ProgressMeter::Seconds;

TEST_CASE("off a terminal, progress is a line per interval with rate and ETA",
          "[tools][progress]") {
  t::ProgressMeter m(100, /*terminal=*/false, S(5), S(1000));
  CHECK(!m.Update(1, 0, S(1001)).has_value());  // within the interval: nothing
  const auto line = m.Update(20, 1, S(1005));
  REQUIRE(line.has_value());
  CHECK(*line == "progress: 20/100 runs, 1 failed, 4.0 runs/s, ETA 20s\n");
  CHECK(!m.Update(21, 1, S(1009)).has_value());
  CHECK(m.Update(22, 1, S(1010)).has_value());
  CHECK(m.Update(100, 1, S(1010.5)).has_value());  // the last run always reports
}

TEST_CASE("on a terminal, progress rewrites one line after every run", "[tools][progress]") {
  t::ProgressMeter m(10, /*terminal=*/true, S(5), S(0));
  const auto line = m.Update(5, 0, S(10));
  REQUIRE(line.has_value());
  CHECK(line->rfind("\r[5/10] 0 failed, 0.5 runs/s, ETA 10s", 0) == 0);
}

TEST_CASE("FormatEta uses seconds, minutes and hours", "[tools][progress]") {
  CHECK(t::FormatEta(S(25)) == "25s");
  CHECK(t::FormatEta(S(245)) == "4m05s");
  CHECK(t::FormatEta(S(3720)) == "1h02m");
  CHECK(t::FormatEta(S(1e15)) == "over a year");  // --seeds 1..2^64-1
  CHECK(t::FormatEta(S(3e7)) == "8333h20m");
}
