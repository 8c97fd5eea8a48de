// sim/test/usage_test.cc: misuse of the kernel's API is a UsageError that names the fix.
#include <string>

#include <catch2/catch.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/error.h>
#include <bubble/sim/mutex.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;

TEST_CASE("blocking calls outside a bubble throw a UsageError naming the fix", "[sim][usage]") {
  CHECK_THROWS_AS(sim::Yield(), bubble::UsageError);
  CHECK_THROWS_WITH(
      sim::Yield(),
      "Yield() outside a running bubble: call it from a fiber (Bubble::Run or Spawn)");
  CHECK_THROWS_AS(sim::Wait(), bubble::UsageError);
  CHECK_THROWS_WITH(sim::Wait(),
                    "Wait() outside a running bubble: call it from a fiber (Bubble::Run or Spawn)");
  CHECK_THROWS_AS(sim::SleepFor(1s), bubble::UsageError);
  CHECK_THROWS_WITH(
      sim::SleepFor(1s),
      "SleepUntil/SleepFor outside a fiber: call it from a fiber of a running bubble");
  CHECK_THROWS_WITH(sim::SleepFor(0s),
                    "SleepFor outside a fiber: call it from a fiber of a running bubble");
  CHECK_THROWS_WITH(sim::Now(), Contains("Now() outside a running bubble: call it from a fiber"));
  CHECK_THROWS_WITH(sim::Spawn("x", [] {}), Contains("Spawn outside a running bubble"));
  CHECK_THROWS_WITH(sim::Timer(1s, "resync"),
                    "timer 'resync' used outside a running bubble: create and reset timers from a "
                    "fiber");
}

TEST_CASE("blocking on a primitive outside a bubble throws and leaves it usable", "[sim][usage]") {
  sim::Channel<int> ch(0, "events");
  CHECK_THROWS_AS(ch.Recv(), bubble::UsageError);
  CHECK_THROWS_WITH(ch.Recv(), Contains("blocking on chan recv 'events' outside a running bubble"));
  CHECK_THROWS_WITH(ch.Send(1),
                    Contains("blocking on chan send 'events' outside a running bubble"));
  // The failed waits left nothing enqueued: the channel still works in a bubble.
  sim::Bubble b;
  int got = 0;
  auto r = b.Run([&] {
    sim::Spawn("sender", [&] { ch.Send(3); });
    got = *ch.Recv();
  });
  REQUIRE(r.Passed());
  CHECK(got == 3);

  sim::Mutex m("m");
  CHECK_THROWS_WITH(m.Lock(), Contains("mutex 'm' outside a fiber"));
  sim::WaitGroup wg("wg");
  wg.Add(1);
  CHECK_THROWS_WITH(wg.Wait(), Contains("Wait on wait group 'wg' outside a fiber"));
}

TEST_CASE("two fibers calling Wait() at once fail the run", "[sim][usage][wait]") {
  sim::Bubble b;
  b.Spawn("first", [] { sim::Wait(); });
  b.Spawn("second", [] { sim::Wait(); });
  auto r = b.Run();
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kException);
  CHECK(r.failure->fiber_name == "second");
  CHECK(r.failure->message ==
        "usage error: Wait() in fiber 2 \"second\" while fiber 1 \"first\" is already in Wait(): "
        "only one fiber may wait for the bubble to go idle at a time");
}

TEST_CASE("a bubble runs once: a second Run throws", "[sim][usage]") {
  sim::Bubble b;
  REQUIRE(b.Run([] {}).Passed());
  CHECK_THROWS_AS(b.Run(), bubble::UsageError);
  CHECK_THROWS_WITH(b.Run(), "Bubble::Run() called twice: a bubble runs once; make a new Bubble");
  CHECK_THROWS_WITH(b.Spawn("late", [] {}), Contains("Spawn(\"late\") after the bubble finished"));
}

TEST_CASE("spawning an empty task is a usage error", "[sim][usage]") {
  sim::Bubble b;
  CHECK_THROWS_WITH(b.Spawn("empty", sim::Task{}), "Spawn(\"empty\") with an empty function");
}

TEST_CASE("a ticker needs a positive period", "[sim][usage]") {
  sim::Bubble b;
  auto r = b.Run([] { sim::Ticker t(0s, "busy"); });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->message ==
        "usage error: Ticker 'busy' with non-positive period 0s: use a period > 0");
}
