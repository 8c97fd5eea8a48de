// net/test/io_loop_test.cc: the options of a bubble on the real-time loop.
#include "bubble/net/io_loop.h"

#include <catch2/catch.hpp>

namespace net = bubble::net;
namespace sim = bubble::sim;

TEST_CASE("a real-time bubble is seeded per process unless a seed is given", "[net][loop]") {
  net::IoLoop loop;
  const sim::Options a = net::RealTimeBubbleOptions(loop);
  const sim::Options b = net::RealTimeBubbleOptions(loop);
  // Two replicas of a controller must not draw the same jitter (2^-64 to collide by chance).
  CHECK(a.seed != b.seed);
  CHECK(a.loop == sim::LoopKind::kRealTime);
  CHECK(a.strategy == sim::StrategyKind::kFifo);
  CHECK(net::RealTimeBubbleOptions(loop, {.seed = 42}).seed == 42);
}
