#include <catch2/catch.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/timer.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;

TEST_CASE("smoke: a fiber sleeps and virtual time moves", "[sim]") {
  sim::Bubble b;
  sim::TimePoint woke{};
  auto r = b.Run([&] {
    sim::SleepFor(5s);
    woke = sim::Now();
  });
  INFO(r.report);
  CHECK(r.Passed());
  CHECK(woke == sim::Clock::Epoch() + 5s);
}
