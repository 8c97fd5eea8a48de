// runtime/test/retry_test.cc
#include "bubble/runtime/retry.h"

#include <catch2/catch.hpp>

#include <bubble/runtime/group_version.h>
#include <bubble/sim/bubble.h>

namespace sim = bubble::sim;
namespace rt = bubble::runtime;
using namespace std::chrono_literals;

namespace {

rt::Status Conflict() {
  return rt::NewStaleConflict({"", "configmaps"}, "x");
}

}  // namespace

TEST_CASE("RetryOnConflict retries conflicts with its backoff and stops at success",
          "[scenarios][retry]") {
  sim::Bubble b({.seed = 1, .strategy = sim::StrategyKind::kFifo});
  int calls = 0;
  sim::TimePoint done;
  auto r = b.Run([&] {
    const auto result = rt::RetryOnConflict({.duration = 10ms, .factor = 2, .steps = 5}, [&] {
      ++calls;
      return calls < 3 ? rt::Result<void>(rt::Err(Conflict())) : rt::Ok();
    });
    CHECK(result.has_value());
    done = sim::Now();
  });
  REQUIRE(r.Passed());
  CHECK(calls == 3);
  CHECK(done == sim::Clock::Epoch() + 30ms);  // 10ms, then 20ms
}

TEST_CASE("RetryOnConflict returns other errors at once and the conflict when out of attempts",
          "[scenarios][retry]") {
  sim::Bubble b({.seed = 1, .strategy = sim::StrategyKind::kFifo});
  auto r = b.Run([&] {
    int calls = 0;
    auto other = rt::RetryOnConflict(rt::kDefaultRetry, [&] {
      ++calls;
      return rt::Result<void>(rt::Err(rt::NewInternalError("boom")));
    });
    CHECK(calls == 1);
    CHECK(!rt::IsConflict(other.error()));
    calls = 0;
    auto exhausted = rt::RetryOnConflict(rt::kDefaultRetry, [&] {
      ++calls;
      return rt::Result<void>(rt::Err(Conflict()));
    });
    CHECK(calls == 5);
    CHECK(rt::IsConflict(exhausted.error()));
  });
  CHECK(r.Passed());
}
