// HumanDuration: apimachinery's duration.HumanDuration, boundary by boundary.
#include "human_duration.h"

#include <chrono>

#include <catch2/catch.hpp>

namespace api = bubble::apiserver::detail;
using namespace std::chrono_literals;

TEST_CASE("HumanDuration keeps kubectl's two or three significant figures", "[apiserver][age]") {
  CHECK(api::HumanDuration(-2s) == "<invalid>");
  CHECK(api::HumanDuration(-1s) == "0s");
  CHECK(api::HumanDuration(-500ms) == "0s");
  CHECK(api::HumanDuration(0s) == "0s");
  CHECK(api::HumanDuration(5s) == "5s");
  CHECK(api::HumanDuration(5900ms) == "5s");  // truncated, as Go does
  CHECK(api::HumanDuration(119s) == "119s");
  CHECK(api::HumanDuration(120s) == "2m");
  CHECK(api::HumanDuration(3min + 2s) == "3m2s");
  CHECK(api::HumanDuration(9min + 59s) == "9m59s");
  CHECK(api::HumanDuration(10min + 30s) == "10m");
  CHECK(api::HumanDuration(179min) == "179m");
  CHECK(api::HumanDuration(3h) == "3h");
  CHECK(api::HumanDuration(7h + 5min) == "7h5m");
  CHECK(api::HumanDuration(8h + 5min) == "8h");
  CHECK(api::HumanDuration(47h) == "47h");
  CHECK(api::HumanDuration(48h) == "2d");
  CHECK(api::HumanDuration(76h) == "3d4h");
  CHECK(api::HumanDuration(24h * 8) == "8d");
  CHECK(api::HumanDuration(24h * 400) == "400d");
  CHECK(api::HumanDuration(24h * (365 * 2 + 10)) == "2y10d");
  CHECK(api::HumanDuration(24h * 365 * 3) == "3y");
  CHECK(api::HumanDuration(24h * 365 * 26 + 24h * 40) == "26y");
}

TEST_CASE("AgeSince measures from a timestamp to now, <unknown> without one", "[apiserver][age]") {
  const bubble::sim::TimePoint created{};
  CHECK(api::AgeSince(created, created + 65s) == "65s");
  CHECK(api::AgeSince(std::nullopt, created + 65s) == "<unknown>");
}
