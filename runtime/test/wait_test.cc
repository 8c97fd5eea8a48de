// runtime/test/wait_test.cc: the wait package's loops and the exponential backoff manager, on
// the virtual clock.
#include "bubble/runtime/wait.h"

#include <vector>

#include <catch2/catch.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>

namespace rt = bubble::runtime;
namespace sim = bubble::sim;
using namespace std::chrono_literals;

namespace {

void InBubble(const std::function<void()>& body) {
  sim::Bubble b(sim::Options{.seed = 1});
  REQUIRE(b.Run(body).Passed());
}

sim::Duration SinceEpoch() {
  return sim::Now() - sim::Clock::Epoch();
}

}  // namespace

TEST_CASE("JitterUntil without jitter runs every period until its context ends", "[wait]") {
  InBubble([] {
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 35s);
    std::vector<sim::Duration> at;
    rt::JitterUntil(ctx, 10s, 0, [&] { at.push_back(SinceEpoch()); });
    CHECK(at == std::vector<sim::Duration>{0s, 10s, 20s, 30s});
  });
}

TEST_CASE("PollImmediateUntilTimeout polls at once, then on its ticker, until true or timeout",
          "[wait]") {
  InBubble([] {
    int calls = 0;
    CHECK(rt::PollImmediateUntilTimeout(
              sim::Context::Background(), 1s, 10s,
              [&](const sim::Context&) { return ++calls == 3; },
              "poll") == sim::ContextError::kNone);
    CHECK(calls == 3);
    CHECK(SinceEpoch() == 2s);
    CHECK(rt::PollImmediateUntilTimeout(
              sim::Context::Background(), 1s, 5500ms, [](const sim::Context&) { return false; },
              "poll") == sim::ContextError::kDeadlineExceeded);
    CHECK(SinceEpoch() == 7500ms);
  });
}

TEST_CASE("the backoff manager doubles to its cap and starts again after a quiet spell",
          "[wait]") {
  InBubble([] {
    // Each interval is its step plus up to jitter * step: in [step, 2 * step) with jitter 1.
    rt::ExponentialBackoffManager backoff({.initial = 1s, .max = 5s, .reset = 1min});
    const auto within = [](sim::Duration d, sim::Duration step) {
      return d >= step && d < 2 * step;
    };
    for (const sim::Duration step : {1s, 2s, 4s, 5s, 5s}) {
      CAPTURE(step.count());
      CHECK(within(backoff.Next(), step));
    }
    sim::SleepFor(61s);
    CHECK(within(backoff.Next(), 1s));
    CHECK(within(backoff.Next(), 2s));
  });
}
