// net/test/signal_test.cc: WaitForSignal, for a server's graceful stop.
#include "bubble/net/signal.h"

#include <csignal>

#include <catch2/catch.hpp>

#include <bubble/net/io_loop.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>

namespace net = bubble::net;
namespace sim = bubble::sim;

TEST_CASE("WaitForSignal returns the signal that arrived", "[net][signal]") {
  int got = -1;
  auto result = net::RunRealTime([&] {
    sim::Spawn("raiser", [] {
      sim::Yield();  // the waiter runs until it parks, its signal_set installed
      std::raise(SIGUSR1);
    });
    got = net::WaitForSignal(sim::Context::Background(), {SIGUSR2, SIGUSR1});
  });
  INFO(result.report);
  REQUIRE(result.Passed());
  CHECK(got == SIGUSR1);
}

TEST_CASE("WaitForSignal returns 0 when its context is done first", "[net][signal]") {
  int got = -1;
  auto result = net::RunRealTime([&] {
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), std::chrono::milliseconds(1));
    got = net::WaitForSignal(ctx, {SIGUSR1});
    cancel();
  });
  INFO(result.report);
  REQUIRE(result.Passed());
  CHECK(got == 0);
}
