// sim/test/failure_test.cc: how a run fails — exceptions, Fail(), deadlock, limits — and how
// the fibers left behind are unwound.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/mutex.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "sanitizer_build.h"

using namespace std::chrono_literals;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const sim::TimePoint kEpoch = sim::Clock::Epoch();

// Sets a flag when destroyed: proves a fiber's frame was unwound.
struct SetOnDestroy {
  bool* flag;

  ~SetOnDestroy() { *flag = true; }
};

}  // namespace

TEST_CASE("failure kinds have readable names", "[sim][failure]") {
  CHECK(sim::FailureKindName(sim::FailureKind::kException) == "exception");
  CHECK(sim::FailureKindName(sim::FailureKind::kInvariant) == "invariant failed");
  CHECK(sim::FailureKindName(sim::FailureKind::kDeadlock) == "deadlock");
  CHECK(sim::FailureKindName(sim::FailureKind::kStepLimit) == "step limit");
  CHECK(sim::FailureKindName(sim::FailureKind::kTimeLimit) == "time limit");
  CHECK(sim::FailureKindName(sim::FailureKind::kReplayDiverged) == "replay diverged");
}

TEST_CASE("an exception escaping a child fiber fails the run with its name and message",
          "[sim][failure]") {
  sim::Bubble b({.seed = 42, .replay_command = "bubble run demo --seed 42"});
  bool main_finished = false;
  auto r = b.Run([&] {
    sim::Spawn("worker", [] {
      sim::SleepFor(2s);
      throw std::runtime_error("boom");
    });
    sim::SleepFor(1h);
    main_finished = true;
  });
  REQUIRE_FALSE(r.Passed());
  CHECK_FALSE(main_finished);
  CHECK(r.failure->kind == sim::FailureKind::kException);
  CHECK(r.failure->message == "exception: boom");
  CHECK(r.failure->fiber == 2);
  CHECK(r.failure->fiber_name == "worker");
  CHECK(r.failure->time == kEpoch + 2s);
  CHECK(r.end_time == kEpoch + 2s);
  CHECK_THAT(r.report, StartsWith("bubble: run failed: exception\n"));
  CHECK_THAT(r.report, Contains("  what:     exception: boom\n"));
  CHECK_THAT(r.report, Contains("  fiber:    2 \"worker\"\n"));
  CHECK_THAT(r.report, Contains("  time:     2000-01-01T00:00:02.000000Z (+2s)\n"));
  CHECK_THAT(r.report, Contains("  seed:     42\n  strategy: fifo\n"));
  CHECK_THAT(r.report, Contains("[2 worker] exit exception: boom"));
  CHECK_THAT(r.report, Contains("replay: bubble run demo --seed 42\n"));
  // main was sleeping, not blocked forever: it is listed with what it waited on.
  REQUIRE(r.failure->blocked.size() == 1);
  CHECK(r.failure->blocked[0].name == "main");
  CHECK(r.failure->blocked[0].waits_on == "sleep");
}

TEST_CASE("an exception of unknown type is reported as such", "[sim][failure]") {
  sim::Bubble b;
  auto r = b.Run([] { throw 7; });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kException);
  CHECK(r.failure->message == "exception of unknown type");
  CHECK(r.failure->fiber_name == "main");
}

TEST_CASE("Fail() ends the run as a failed invariant", "[sim][failure]") {
  sim::Bubble b;
  auto r = b.Run([] {
    sim::SleepFor(3s);
    sim::Fail("replicas 3 != desired 2");
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kInvariant);
  CHECK(r.failure->message == "replicas 3 != desired 2");
  CHECK(r.failure->fiber_name == "main");
  CHECK(r.failure->time == kEpoch + 3s);
  CHECK_THAT(r.report, StartsWith("bubble: run failed: invariant failed\n"));
  CHECK_THAT(r.report, Contains("what:     replicas 3 != desired 2"));
}

TEST_CASE("Fail() outside a bubble simply throws", "[sim][failure]") {
  CHECK_THROWS_AS(sim::Fail("broken"), sim::InvariantFailure);
  CHECK_THROWS_WITH(sim::Fail("broken"), "broken");
}

TEST_CASE("a deadlock is detected and the report names each blocked fiber and its wait",
          "[sim][failure][deadlock]") {
  sim::Bubble b;
  sim::Channel<int> events(0, "events");
  sim::Mutex m("m");
  b.Spawn("holder", [&] {
    sim::SleepFor(2s);
    m.Lock();
    events.Recv();  // nobody ever sends
  });
  b.Spawn("locker", [&] {
    sim::SleepFor(3s);
    m.Lock();
  });
  auto r = b.Run();
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kDeadlock);
  CHECK(r.failure->message == "deadlock: 2 fibers blocked, none runnable and no timer pending");
  CHECK(r.failure->fiber == 0);
  CHECK(r.failure->fiber_name == "bubble");
  CHECK(r.failure->time == kEpoch + 3s);
  REQUIRE(r.failure->blocked.size() == 2);
  const sim::BlockedFiber& holder = r.failure->blocked[0];
  CHECK(holder.id == 1);
  CHECK(holder.name == "holder");
  CHECK(holder.waits_on == "chan recv 'events'");
  CHECK(holder.holder == 0);
  CHECK(holder.since == kEpoch + 2s);
  const sim::BlockedFiber& locker = r.failure->blocked[1];
  CHECK(locker.id == 2);
  CHECK(locker.name == "locker");
  CHECK(locker.waits_on == "mutex 'm'");
  CHECK(locker.holder == 1);
  CHECK(locker.since == kEpoch + 3s);
  CHECK_THAT(r.report, StartsWith("bubble: run failed: deadlock\n"));
  CHECK_THAT(r.report, Contains("blocked fibers (wait-for):\n"
                                "  fiber 1 \"holder\" waits on chan recv 'events' since "
                                "00:00:02.000000\n"
                                "  fiber 2 \"locker\" waits on mutex 'm' since 00:00:03.000000 -> "
                                "held by fiber 1 \"holder\"\n"));
  CHECK(m.Holder() == 1);  // unwinding runs destructors only: a bare Lock() stays locked
}

TEST_CASE("a deadlock lists a select with every channel it waits on", "[sim][failure][deadlock]") {
  sim::Bubble b;
  sim::Channel<int> a(0, "a");
  sim::Channel<int> c(0, "c");
  b.Spawn("selector", [&] { sim::Select(sim::RecvCase(a), sim::SendCase(c, 1)); });
  auto r = b.Run();
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kDeadlock);
  REQUIRE(r.failure->blocked.size() == 1);
  CHECK(r.failure->blocked[0].waits_on == "select 'a|c'");
  CHECK(r.failure->message == "deadlock: 1 fiber blocked, none runnable and no timer pending");
}

TEST_CASE("fibers still suspended when a run fails are unwound and their destructors run",
          "[sim][failure][unwind]") {
  sim::Bubble b;
  sim::Channel<int> never(0, "never");
  bool blocked_unwound = false;
  bool sleeper_unwound = false;
  bool yielder_unwound = false;
  bool past_block = false;
  bool swallowed = false;
  auto unstarted_state = std::make_shared<int>(0);
  bool unstarted_ran = false;
  sim::Bubble* current_in_destructor = nullptr;

  struct NoteBubble {
    sim::Bubble** out;

    ~NoteBubble() { *out = sim::Bubble::Current(); }
  };

  b.Spawn("failer", [] { throw std::runtime_error("first"); });
  b.Spawn("unstarted", [unstarted_state, &unstarted_ran] { unstarted_ran = true; });
  auto r = b.Run();
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->fiber_name == "failer");
  CHECK_FALSE(unstarted_ran);
  CHECK(unstarted_state.use_count() == 1);  // its captures were destroyed

  sim::Bubble b2;
  b2.Spawn("blocked", [&] {
    SetOnDestroy guard{&blocked_unwound};
    NoteBubble note{&current_in_destructor};
    try {
      never.Recv();
    } catch (...) {
      sim::RethrowIfUnwinding();
      swallowed = true;
    }
    past_block = true;
  });
  b2.Spawn("sleeper", [&] {
    SetOnDestroy guard{&sleeper_unwound};
    sim::SleepFor(1h);
  });
  b2.Spawn("yielder", [&] {
    SetOnDestroy guard{&yielder_unwound};
    for (;;) {
      sim::Yield();
    }
  });
  b2.Spawn("failer", [] {
    sim::Yield();
    sim::Fail("stop here");
  });
  auto r2 = b2.Run();
  REQUIRE_FALSE(r2.Passed());
  CHECK(r2.failure->kind == sim::FailureKind::kInvariant);
  CHECK(blocked_unwound);
  CHECK(sleeper_unwound);
  CHECK(yielder_unwound);
  CHECK_FALSE(past_block);
  CHECK_FALSE(swallowed);
  CHECK(current_in_destructor == &b2);  // destructors run on the fiber, inside the bubble
  CHECK(r2.end_time == kEpoch);
}

TEST_CASE("the step limit catches a livelock of fibers yielding forever", "[sim][failure]") {
  sim::Bubble b({.step_limit = 1000});
  for (int i = 0; i < 2; ++i) {
    b.Spawn(fmt::format("spinner{}", i), [] {
      for (;;) {
        sim::Yield();
      }
    });
  }
  auto r = b.Run();
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kStepLimit);
  CHECK_THAT(r.failure->message,
             StartsWith("1000 scheduling steps without virtual time moving: fibers keep yielding"));
  CHECK(r.steps == 1000);
  CHECK(r.failure->time == kEpoch);
}

TEST_CASE("the step limit counts steps at one instant only", "[sim][failure]") {
  sim::Bubble b({.step_limit = 100});
  auto r = b.Run([] {
    for (int i = 0; i < 500; ++i) {
      sim::SleepFor(1ms);  // two steps per instant
    }
  });
  INFO(r.report);
  CHECK(r.Passed());
  CHECK(r.end_time == kEpoch + 500ms);
}

TEST_CASE("the time limit catches a ticker loop that runs forever", "[sim][failure]") {
  sim::Bubble b({.time_limit = 1h});
  int ticks = 0;
  auto r = b.Run([&] {
    sim::Ticker ticker(1min, "resync");
    for (;;) {
      ticker.C().Recv();
      ++ticks;
    }
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kTimeLimit);
  CHECK(ticks == 60);
  CHECK(r.failure->time == kEpoch + 1h);
  CHECK(r.failure->message ==
        "virtual time would pass the time limit of 3600s (next timer 'resync' at "
        "2000-01-01T01:01:00.000000Z): timers keep firing after the work is done? If the run "
        "should have ended, stop what keeps time moving (the report lists it: cancel a poller's "
        "context, stop a ticker); raise Options::time_limit only if the run is meant to last "
        "this long");
  // Counted from half the limit on: the last 30 of the 60 ticks.
  CHECK_THAT(r.report, Contains("what kept virtual time moving (since +1800s):\n"
                                "  timer 'resync' fired 30 times\n"
                                "  fiber 1 \"main\" ran 30 times\n"));
}

TEST_CASE("a forgotten poller fails the run as a timer loop, naming the poller",
          "[sim][failure][poller]") {
  sim::Bubble b({.quiet_limit = 1h});
  auto r = b.Run([&] {
    sim::WaitGroup wg("pollers");
    wg.Go("poller", [] {
      for (;;) {
        sim::SleepFor(1ms);
      }
    });
    wg.Wait();  // waits for a fiber that never ends
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kTimerLoop);
  CHECK(sim::FailureKindName(r.failure->kind) == "timer loop");
  CHECK_THAT(r.failure->message,
             StartsWith("for 3600.001s of virtual time only timers woke fibers (3600000 timer "
                        "firings; no fiber woke another): what is left is a loop "
                        "nobody stops"));
  CHECK_THAT(r.report, Contains("timer 'sleep' fired 1800000 times"));
  CHECK_THAT(r.report, Contains("fiber 2 \"poller\" ran 1800000 times"));
  CHECK_THAT(r.report, Contains("fiber 1 \"main\" waits on waitgroup 'pollers'"));
}

TEST_CASE("long sleeps and periodic work that wakes other fibers are not timer loops",
          "[sim][failure][poller]") {
  sim::Bubble b({.quiet_limit = 1h});
  auto r = b.Run([&] {
    sim::SleepFor(48h);  // one long sleep: not a loop
    sim::Channel<int> work(0, "work");
    sim::WaitGroup wg("worker");
    wg.Go("worker", [&] {
      while (work.Recv()) {
      }
    });
    for (int i = 0; i < 10'000; ++i) {  // a resync every second for hours, each waking a worker
      sim::SleepFor(1s);
      work.Send(i);
    }
    work.Close();
    wg.Wait();
  });
  INFO(r.report);
  CHECK(r.Passed());
}

TEST_CASE("a run past its real-time budget fails with what kept virtual time moving",
          "[sim][failure][poller]") {
  sim::Bubble b({.time_limit = 24h * 365 * 100,
                 .quiet_limit = sim::Duration::zero(),
                 .real_time_budget = 300ms});
  auto r = b.Run([&] {
    for (;;) {
      sim::SleepFor(1us);
    }
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kRealTimeLimit);
  CHECK_THAT(r.failure->message,
             StartsWith("the run used its real-time budget of 300ms (at virtual time +"));
  CHECK_THAT(r.report, Contains("timer 'sleep' fired"));
  CHECK_THAT(r.report, Contains("fiber 1 \"main\" ran"));
}

TEST_CASE("a parent that fails while a child waits on its objects is reported, not a crash",
          "[sim][failure]") {
  // The channel dies with main's frame before the report is written; the report still names
  // it (the fiber record keeps a copy of the name), and ASan sees no read of the dead frame.
  bubble::sim::Bubble b;
  auto r = b.Run([&] {
    bubble::sim::Channel<int> never(0, "a channel with a name longer than fifteen characters");
    bubble::sim::WaitGroup wg("children");
    wg.Go("child", [&] { never.Recv(); });
    bubble::sim::Yield();
    throw std::runtime_error("parent fails");
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == bubble::sim::FailureKind::kException);
  CHECK(r.failure->fiber_name == "main");
  CHECK_THAT(r.report, Catch::Matchers::Contains("parent fails"));
  CHECK_THAT(r.report,
             Catch::Matchers::Contains("'a channel with a name longer than fifteen characters'"));
}

TEST_CASE("a spawn beyond Options::max_live_fibers fails the run with the limit named",
          "[sim][failure]") {
  bubble::sim::Bubble b({.max_live_fibers = 50});
  auto r = b.Run([&] {
    bubble::sim::Channel<int> never(0, "never");
    for (int i = 0; i < 100; ++i) {
      bubble::sim::Spawn("leaked", [&] { never.Recv(); });
    }
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == bubble::sim::FailureKind::kException);
  CHECK(r.failure->message ==
        "usage error: Spawn(\"leaked\") with 50 fibers alive, the most Options::max_live_fibers "
        "allows: a fiber leak? Raise the limit if the run needs more");
}

TEST_CASE("every fiber stack is guarded: past the memory-map budget a spawn fails clearly",
          "[sim][failure][stacks]") {
  // Spawns until the stacks the kernel's vm.max_map_count allows are all alive; the next spawn
  // is refused with the limit named instead of getting a stack without a guard.
  bubble::sim::Bubble b;
  std::size_t spawned = 0;
  auto r = b.Run([&] {
    bubble::sim::Channel<int> never(0, "never");
    for (;;) {
      bubble::sim::Spawn("many", [&] { never.Recv(); });
      ++spawned;
    }
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(spawned > (kUnderAsan ? 8'000 : 16'384));  // more than the old pool guarded (ASan: half)
  CHECK_THAT(r.failure->message,
             Catch::Matchers::Contains("usage error: no guarded stack left for a new fiber"));
  CHECK_THAT(r.failure->message, Catch::Matchers::Contains("vm.max_map_count"));
}

TEST_CASE("a report stays small: a deadlock of many fibers lists the first hundred",
          "[sim][failure]") {
  sim::Bubble b;
  auto r = b.Run([&] {
    sim::Channel<int> never(0, "never");
    for (int i = 0; i < 5000; ++i) {
      sim::Spawn("waiter", [&] { never.Recv(); });
    }
    never.Recv();
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kDeadlock);
  CHECK(r.failure->blocked.size() == 5001);
  CHECK_THAT(r.report, Contains("  ... and 4901 more blocked fibers (cut from the report; "
                                "RunResult::failure->blocked lists them all)\n"));
  CHECK(r.report.size() < 16 * 1024);
}

TEST_CASE("a report shows at most 4 KiB of a failure's message", "[sim][failure]") {
  sim::Bubble b;
  auto r = b.Run([&] { throw std::runtime_error(std::string(100'000, 'x')); });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->message.size() == 100'000 + std::string("exception: ").size());
  CHECK_THAT(r.report, Contains("... (95915 more bytes cut from the report)\n"));
  CHECK(r.report.size() < 8 * 1024);
}
