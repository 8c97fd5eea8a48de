// sim/test/teardown_test.cc: a failed run ends in its own report whatever the fibers still hold.
//
// The matrix: every primitive, living in main's frame while children hold it or wait on it,
// × the way main's frame dies first (Fail(), an exception, returning). Before teardown was made
// inert, Fail() or an exception with a child holding main's mutex aborted the process (the
// child's lock_guard unlocked a mutex that no longer existed).
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/condition_variable.h>
#include <bubble/sim/event.h>
#include <bubble/sim/mutex.h>
#include <bubble/sim/select.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "abandoned_fiber.h"

using namespace std::chrono_literals;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;

namespace {

enum class Ending { kFail, kThrow, kReturn };

// Ends main's body the way `ending` says, with the children parked on its primitives.
void End(Ending ending) {
  sim::SleepFor(1ms);  // every child reaches its hold or wait first
  switch (ending) {
    case Ending::kFail:
      sim::Fail("main gives up");
    case Ending::kThrow:
      throw std::runtime_error("main throws");
    case Ending::kReturn:
      return;
  }
}

// A child parks here for good, on a channel of its own frame.
void ParkForever() {
  sim::Channel<int> never(0, "never");
  never.Recv();
}

struct Setup {
  const char* primitive;
  // What the report says when main simply returns.
  const char* on_return;
  std::function<void(Ending)> main;
};

std::vector<Setup> Setups() {
  return {
      {"mutex held by a child", "mutex 'm' destroyed while fiber 2 \"child\" holds it",
       [](Ending e) {
         sim::Mutex m("m");
         sim::Spawn("child", [&] {
           std::lock_guard hold(m);
           ParkForever();
         });
         End(e);
       }},
      {"mutex a child waits for", "mutex 'm' destroyed while fiber 2 \"child\" waits on it",
       [](Ending e) {
         sim::Mutex m("m");
         m.Lock();
         sim::Spawn("child", [&] { std::lock_guard wait(m); });
         End(e);
       }},
      {"condition variable",
       "condition variable 'cv' destroyed while fiber 2 \"child\" waits on it",
       [](Ending e) {
         sim::Mutex m("m");
         sim::ConditionVariable cv("cv");
         sim::Spawn("child", [&] {
           std::unique_lock lock(m);
           cv.Wait(lock);
         });
         End(e);
       }},
      {"channel a child receives on", "channel 'c' destroyed while fiber 2 \"child\" waits on it",
       [](Ending e) {
         sim::Channel<std::string> c(0, "c");
         sim::Spawn("child", [&] { c.Recv(); });
         End(e);
       }},
      {"channel a child sends on", "channel 'c' destroyed while fiber 2 \"child\" waits on it",
       [](Ending e) {
         sim::Channel<std::string> c(0, "c");
         sim::Spawn("child", [&] { c.Send("a value long enough to live on the heap"); });
         End(e);
       }},
      {"wait group counting a child",
       "wait group 'wg' destroyed while its counter is 1 (fibers it counts would call Done() "
       "on it)",
       [](Ending e) {
         sim::WaitGroup wg("wg");
         wg.Go("child", [] { ParkForever(); });
         End(e);
       }},
      {"wait group a child waits on",
       "wait group 'wg' destroyed while fiber 2 \"child\" waits on it",
       [](Ending e) {
         sim::WaitGroup wg("wg");
         wg.Add(1);
         sim::Spawn("child", [&] { wg.Wait(); });
         End(e);
       }},
      {"event", "channel 'ev' destroyed while fiber 2 \"child\" waits on it",
       [](Ending e) {
         sim::Event ev("ev");
         sim::Spawn("child", [&] { ev.Wait(); });
         End(e);
       }},
      {"timer", "channel 'alarm' destroyed while fiber 2 \"child\" waits on it",
       [](Ending e) {
         sim::Timer t(1h, "alarm");
         sim::Spawn("child", [&] { t.C().Recv(); });
         End(e);
       }},
      {"select", "channel 'b' destroyed while fiber 2 \"child\" waits on it",
       [](Ending e) {
         sim::Channel<int> a(0, "a");
         sim::Channel<int> b(0, "b");
         sim::Spawn("child", [&] { sim::Select(sim::RecvCase(a), sim::RecvCase(b)); });
         End(e);
       }},
      {"children that touch main's objects while they unwind",
       "wait group 'wg' destroyed while its counter is 1",
       [](Ending e) {
         sim::Mutex m("m");
         sim::WaitGroup wg("wg");
         sim::Channel<int> c(4, "c");
         sim::Event ev("ev");
         wg.Add(1);
         sim::Spawn("child", [&] {
           struct Cleanup {
             sim::WaitGroup& wg;
             sim::Channel<int>& c;
             sim::Event& ev;
             ~Cleanup() {
               c.TrySend(1);
               c.Close();
               ev.Set();
               wg.Done();
             }
           } cleanup{wg, c, ev};
           std::lock_guard hold(m);
           ParkForever();
         });
         End(e);
       }},
  };
}

}  // namespace

TEST_CASE("every primitive may die with its owner's frame while fibers use it: the run reports",
          "[sim][teardown]") {
  for (const Setup& setup : Setups()) {
    for (Ending ending : {Ending::kFail, Ending::kThrow, Ending::kReturn}) {
      INFO(setup.primitive << ", ending " << static_cast<int>(ending));
      sim::Bubble b({.seed = 3});
      const sim::RunResult r = b.Run([&] { setup.main(ending); });
      REQUIRE_FALSE(r.Passed());
      CHECK(r.failure->fiber_name == "main");
      switch (ending) {
        case Ending::kFail:
          CHECK(r.failure->kind == sim::FailureKind::kInvariant);
          CHECK(r.failure->message == "main gives up");
          break;
        case Ending::kThrow:
          CHECK(r.failure->kind == sim::FailureKind::kException);
          CHECK(r.failure->message == "exception: main throws");
          break;
        case Ending::kReturn:
          CHECK(r.failure->kind == sim::FailureKind::kException);
          CHECK_THAT(r.failure->message, Contains(std::string("usage error: ") + setup.on_return));
          CHECK_THAT(r.failure->message, Contains("the frame that owns it ended before the "
                                                  "fibers using it"));
          break;
      }
      CHECK_THAT(r.report, Contains("seed:     3"));
    }
  }
}

TEST_CASE(
    "a primitive that dies in use while an exception is caught on the same fiber fails the "
    "run",
    "[sim][teardown]") {
  sim::Bubble b;
  const sim::RunResult r = b.Run([] {
    try {
      sim::Mutex m("scoped");
      sim::Spawn("child", [&] {
        std::lock_guard hold(m);
        ParkForever();
      });
      sim::Yield();
      throw std::runtime_error("handled");
    } catch (const std::runtime_error&) {  // NOLINT(bugprone-empty-catch): the test's point
    }
    sim::SleepFor(1s);
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->message ==
        "usage error: mutex 'scoped' destroyed while fiber 2 \"child\" holds it: the frame that "
        "owns it ended before the fibers using it (let them finish first: WaitGroup::Wait, or "
        "cancel their context and wait)");
}

TEST_CASE("a mutex its own fiber still holds may die quietly", "[sim][teardown]") {
  sim::Bubble b;
  const sim::RunResult r = b.Run([] {
    sim::Mutex m("mine");
    m.Lock();
  });
  CHECK(r.Passed());
}

TEST_CASE("a destructor that blocks during teardown completes at once", "[sim][teardown]") {
  sim::Bubble b;
  bool drained = false;
  const sim::RunResult r = b.Run([&] {
    sim::Channel<int> work(0, "work");
    sim::Spawn("worker", [&] {
      struct Drain {
        sim::Channel<int>& work;
        bool& drained;
        ~Drain() {
          // Would wait forever: nobody sends once the run is over.
          drained = !work.Recv().has_value();
          sim::SleepFor(1h);
          sim::Mutex m("local");
          std::lock_guard lock(m);
        }
      } drain{work, drained};
      ParkForever();
    });
    sim::Yield();
    sim::Fail("stop");
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->message == "stop");
  CHECK(drained);
  CHECK_THAT(r.report, !Contains("abandoned"));
}

TEST_CASE("a destructor that loops waiting during teardown is abandoned with a note",
          "[sim][teardown]") {
  const AbandonedFiberKeepsItsObjects expected;
  sim::Bubble b;
  const sim::RunResult r = b.Run([&] {
    sim::Spawn("looper", [&] {
      struct WaitForFlag {
        ~WaitForFlag() {
          sim::Mutex m("m");
          sim::ConditionVariable cv("flag set");
          std::unique_lock lock(m);
          bool flag = false;
          while (!flag) {
            cv.Wait(lock);
          }
        }
      } wait;
      ParkForever();
    });
    sim::Yield();
    sim::Fail("stop");
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->message == "stop");
  CHECK_THAT(r.report,
             Contains("note: while the failed run was torn down, fiber 2 \"looper\" blocked 1000 "
                      "times in destructors"));
  CHECK_THAT(r.report, Contains("it was abandoned"));
}

TEST_CASE("a destructor that selects during teardown is abandoned with a note", "[sim][teardown]") {
  const AbandonedFiberKeepsItsObjects expected;
  sim::Bubble b;
  const sim::RunResult r = b.Run([&] {
    sim::Spawn("selector", [&] {
      struct SelectOnExit {
        ~SelectOnExit() {
          sim::Channel<int> a(0, "a");
          sim::Channel<int> c(0, "c");
          sim::Select(sim::RecvCase(a), sim::RecvCase(c));
        }
      } on_exit;
      ParkForever();
    });
    sim::Yield();
    throw std::logic_error("stop");
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->message == "exception: stop");
  CHECK_THAT(r.report, Contains("fiber 2 \"selector\" blocked in a destructor (select); it was "
                                "abandoned"));
}

TEST_CASE("a fiber that keeps swallowing FiberUnwind is abandoned with a note", "[sim][teardown]") {
  const AbandonedFiberKeepsItsObjects expected;
  sim::Bubble b;
  const sim::RunResult r = b.Run([&] {
    sim::Spawn("stubborn", [&] {
      sim::Channel<int> c(0, "c");
      for (;;) {
        try {
          c.Recv();
        } catch (...) {  // NOLINT(bugprone-empty-catch): the misuse under test
        }
      }
    });
    sim::Yield();
    sim::Fail("stop");
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->message == "stop");
  CHECK_THAT(r.report, Contains("fiber 2 \"stubborn\" kept catching FiberUnwind"));
}
