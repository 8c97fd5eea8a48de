// client/test/request_throttle_test.cc: the client-side rate limit on the virtual clock of a
// simulated bubble (the real-time loop's clock is the same code on real time).
#include "request_throttle.h"

#include <chrono>
#include <vector>

#include <catch2/catch.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>

namespace detail = bubble::client::detail;
namespace rt = bubble::runtime;
namespace sim = bubble::sim;
using namespace std::chrono_literals;

TEST_CASE("the throttle lets a burst through, then spaces requests 1/qps apart",
          "[client][throttle]") {
  std::vector<sim::Duration> waited;
  const sim::RunResult result = sim::Bubble().Run([&] {
    detail::RequestThrottle throttle(10, 2);
    const sim::TimePoint start = sim::Now();
    for (int i = 0; i < 4; ++i) {
      REQUIRE(throttle.Wait(sim::Context::Background()));
      waited.push_back(sim::Now() - start);
    }
    // A caller whose context ends while it waits gets the context's error.
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 10ms);
    auto late = throttle.Wait(ctx);
    REQUIRE_FALSE(late);
    CHECK(rt::IsDeadlineExceeded(late.error()));
    cancel();
  });
  INFO(result.report);
  REQUIRE(result.Passed());
  CHECK(waited == std::vector<sim::Duration>{0ms, 0ms, 100ms, 200ms});
}

TEST_CASE("a throttle with qps <= 0 never waits", "[client][throttle]") {
  const sim::RunResult result = sim::Bubble().Run([] {
    detail::RequestThrottle throttle(0, 1);
    const sim::TimePoint start = sim::Now();
    for (int i = 0; i < 100; ++i) {
      REQUIRE(throttle.Wait(sim::Context::Background()));
    }
    CHECK(sim::Now() == start);
  });
  INFO(result.report);
  REQUIRE(result.Passed());
}
