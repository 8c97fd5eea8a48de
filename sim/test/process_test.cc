// sim/test/process_test.cc: process groups (sim/process.h). A kill unwinds exactly the
// process's fibers wherever they stand, the run goes on, and the edge cases (a destructor that
// blocks, a fiber that swallows the unwind, a primitive another fiber still waits on) end in a
// report, never in an abort or a hang.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/mutex.h>
#include <bubble/sim/preempt.h>
#include <bubble/sim/process.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "abandoned_fiber.h"

using namespace std::chrono_literals;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;

namespace {

// Counts destructor runs: a frame that was unwound ran its destructors.
struct Unwound {
  int* count;

  ~Unwound() { ++*count; }
};

sim::Options Seeded(std::uint64_t seed) {
  return {.seed = seed, .strategy = sim::StrategyKind::kRandom};
}

}  // namespace

TEST_CASE("process: kill unwinds a blocked, a sleeping and a ready member, and others go on") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    int unwound = 0;
    bool member_after = false;
    bool other_done = false;
    sim::Bubble b(Seeded(seed));
    auto r = b.Run([&] {
      sim::Channel<int> never(0, "never");
      sim::Channel<int> wake(1, "wake");
      sim::Process p = sim::SpawnProcess("ctrl", [&] {
        Unwound u{&unwound};
        sim::Spawn("ctrl/blocked", [&] {
          Unwound v{&unwound};
          never.Recv();
          member_after = true;
        });
        sim::Spawn("ctrl/sleeper", [&] {
          Unwound v{&unwound};
          sim::SleepFor(1h);
          member_after = true;
        });
        sim::Spawn("ctrl/ready", [&] {
          Unwound v{&unwound};
          wake.Recv();
          member_after = true;
        });
        sim::SleepFor(1h);
        member_after = true;
      });
      sim::Spawn("other", [&] {
        sim::SleepFor(2s);
        other_done = true;
      });
      sim::SleepFor(1s);
      CHECK(p.Alive());
      {
        sim::NoPreemption here;  // ctrl/ready is runnable, not yet running, when it is killed
        CHECK(wake.TrySend(1));
        p.Kill();
      }
      CHECK_FALSE(p.Alive());
      CHECK(p.Killed());
      p.Wait();  // returns at once
      CHECK(unwound == 4);
      CHECK_FALSE(never.TrySend(1));  // nobody receives any more
    });
    INFO(r.report);
    REQUIRE(r.Passed());
    CHECK(unwound == 4);
    CHECK_FALSE(member_after);
    CHECK(other_done);
    CHECK(r.end_time - sim::Clock::Epoch() == 2s);  // the killed sleepers' timers are gone
  }
}

TEST_CASE("process: a member that kills its own process unwinds too, after the others") {
  std::vector<std::string> order;
  bool after_kill = false;
  sim::Bubble b;
  auto r = b.Run([&] {
    sim::Process p = sim::SpawnProcess("self", [&] {
      struct Note {
        std::vector<std::string>* order;
        std::string name;

        ~Note() { order->push_back(name); }
      };
      Note n{&order, "killer"};
      sim::Spawn("child", [&] {
        Note c{&order, "child"};
        sim::SleepFor(1h);
      });
      sim::Yield();
      sim::CurrentProcess().Kill();
      after_kill = true;
    });
    p.Wait();
    CHECK(p.Killed());
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK_FALSE(after_kill);
  CHECK(order == std::vector<std::string>{"child", "killer"});
}

TEST_CASE(
    "process: nested spawns and timer callbacks' fibers belong to it, processes it starts "
    "do not") {
  int ticks = 0;
  int grandchild_unwound = 0;
  bool own_process_lived = false;
  sim::Bubble b;
  auto r = b.Run([&] {
    sim::Process p = sim::SpawnProcess("parent", [&] {
      sim::Spawn("child", [&] {
        sim::Spawn("grandchild", [&] {
          Unwound u{&grandchild_unwound};
          sim::SleepFor(1h);
        });
        sim::SleepFor(1h);
      });
      // A callback fiber of a timer armed by a member is a member: it blocks, then is killed.
      sim::AfterFunc tick(10ms, [&] {
        ++ticks;
        CHECK(sim::CurrentProcess().Name() == "parent");
        sim::SleepFor(1h);
        ++ticks;
      });
      sim::AfterFunc later(5s, [&] { ++ticks; });  // armed by a member: never runs after the kill
      sim::SpawnProcess("own", [&] {
        sim::SleepFor(2s);
        own_process_lived = true;
      });
      sim::SleepFor(1h);
    });
    sim::SleepFor(1s);
    CHECK(sim::CurrentProcess().Id() == 0);
    p.Kill();
    sim::SleepFor(10s);
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(ticks == 1);
  CHECK(grandchild_unwound == 1);
  CHECK(own_process_lived);
}

TEST_CASE("process: channels and a guarded mutex of a killed process, and a waiter outside it") {
  SECTION("a mutex held through a guard is released; the waiter gets it") {
    bool got = false;
    sim::Bubble b;
    auto r = b.Run([&] {
      sim::Mutex mu("shared");
      sim::Process p = sim::SpawnProcess("holder", [&] {
        std::lock_guard<sim::Mutex> lock(mu);
        sim::SleepFor(1h);
      });
      sim::Spawn("waiter", [&] {
        std::lock_guard<sim::Mutex> lock(mu);
        got = true;
      });
      sim::SleepFor(1s);
      p.Kill();
      sim::SleepFor(1s);
    });
    INFO(r.report);
    REQUIRE(r.Passed());
    CHECK(got);
  }
  SECTION("a mutex locked without a guard stays locked: the waiter deadlocks, named") {
    sim::Bubble b;
    auto r = b.Run([&] {
      sim::Mutex mu("shared");
      sim::Process p = sim::SpawnProcess("holder", [&] {
        mu.lock();
        sim::SleepFor(1h);
      });
      sim::SleepFor(1s);
      p.Kill();
      mu.lock();
    });
    REQUIRE_FALSE(r.Passed());
    CHECK(r.failure->kind == sim::FailureKind::kDeadlock);
    CHECK_THAT(r.report, Contains("shared"));
  }
  SECTION("a channel in a member's frame that a fiber outside waits on: usage error") {
    sim::Bubble b;
    auto r = b.Run([&] {
      sim::Channel<int>* ch = nullptr;
      sim::Process p = sim::SpawnProcess("owner", [&] {
        sim::Channel<int> mine(0, "mine");
        ch = &mine;
        sim::SleepFor(1h);
      });
      sim::Spawn("outsider", [&] {
        sim::SleepFor(1ms);
        ch->Recv();
      });
      sim::SleepFor(1s);
      p.Kill();
      sim::SleepFor(1s);
    });
    REQUIRE_FALSE(r.Passed());
    CHECK_THAT(r.failure->message, Contains("destroyed while fiber") && Contains("outsider"));
  }
  SECTION("a WaitGroup of the killed process dies quietly with its counted fibers") {
    sim::Bubble b;
    auto r = b.Run([&] {
      sim::Process p = sim::SpawnProcess("group", [&] {
        sim::WaitGroup wg("workers");
        wg.Go("w1", [] { sim::SleepFor(1h); });
        wg.Go("w2", [] { sim::SleepFor(1h); });
        wg.Wait();
      });
      sim::SleepFor(1s);
      p.Kill();
    });
    INFO(r.report);
    CHECK(r.Passed());
  }
}

TEST_CASE("process: a destructor that blocks, and a fiber that swallows the unwind, are reported") {
  SECTION("a destructor blocks") {
    const AbandonedFiberKeepsItsObjects expected;
    sim::Bubble b;
    auto r = b.Run([&] {
      sim::Channel<int> never(0, "never");
      sim::Process p = sim::SpawnProcess("bad", [&] {
        struct BlocksOnExit {
          sim::Channel<int>* ch;

          ~BlocksOnExit() { ch->Recv(); }
        } guard{&never};
        sim::SleepFor(1h);
      });
      sim::SleepFor(1s);
      p.Kill();
      sim::SleepFor(1s);
    });
    REQUIRE_FALSE(r.Passed());
    CHECK_THAT(r.failure->message,
               Contains("of killed process \"bad\" blocked in a destructor") && Contains("never"));
  }
  SECTION("a fiber swallows FiberUnwind and blocks again") {
    const AbandonedFiberKeepsItsObjects expected;
    sim::Bubble b;
    auto r = b.Run([&] {
      sim::Process p = sim::SpawnProcess("stubborn", [&] {
        for (;;) {
          try {
            sim::SleepFor(1h);
          } catch (...) {  // NOLINT: the mistake under test
          }
        }
      });
      sim::SleepFor(1s);
      p.Kill();
      sim::SleepFor(1s);
    });
    REQUIRE_FALSE(r.Passed());
    CHECK_THAT(r.failure->message, Contains("kept catching FiberUnwind"));
  }
  SECTION("a fiber swallows FiberUnwind and returns: it simply ended") {
    bool went_on = false;
    sim::Bubble b;
    auto r = b.Run([&] {
      sim::Process p = sim::SpawnProcess("returns", [&] {
        try {
          sim::SleepFor(1h);
        } catch (...) {  // NOLINT: the mistake under test
          went_on = true;
        }
      });
      sim::SleepFor(1s);
      p.Kill();
      CHECK_FALSE(p.Alive());
    });
    INFO(r.report);
    CHECK(r.Passed());
    CHECK(went_on);
  }
}

TEST_CASE("process: kill during teardown does nothing, and killing twice does nothing") {
  sim::Bubble b;
  auto r = b.Run([&] {
    sim::Process p = sim::SpawnProcess("victim", [&] { sim::SleepFor(1h); });
    struct KillsOnExit {
      sim::Process p;

      ~KillsOnExit() { p.Kill(); }
    };
    sim::Spawn("killer-in-teardown", [p] {
      KillsOnExit k{p};
      sim::SleepFor(1h);
    });
    sim::SleepFor(1s);
    sim::Fail("the run fails with both still alive");
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kInvariant);
  CHECK_THAT(r.report, !Contains("abandoned"));

  sim::Bubble twice;
  auto r2 = twice.Run([&] {
    sim::Process p = sim::SpawnProcess("victim", [&] { sim::SleepFor(1h); });
    sim::Yield();
    p.Kill();
    p.Kill();
    CHECK(p.Killed());
  });
  INFO(r2.report);
  CHECK(r2.Passed());
}

TEST_CASE("process: kills are deterministic and in the trace") {
  auto run = [](std::uint64_t seed) {
    sim::Options o = Seeded(seed);
    o.trace = sim::TraceMode::kFull;
    sim::Bubble b(o);
    auto r = b.Run([&] {
      sim::Process p = sim::SpawnProcess("ctrl", [&] {
        for (int i = 0; i < 3; ++i) {
          sim::Spawn("ctrl/w" + std::to_string(i), [] {
            for (;;) {
              sim::SleepFor(sim::Rand().UniformDuration(1ms, 10ms));
            }
          });
        }
        sim::SleepFor(1h);
      });
      sim::SleepFor(sim::Rand().UniformDuration(5ms, 50ms));
      p.Kill();
    });
    std::string text;
    for (const auto& e : b.GetTrace().Events()) {
      if (e.kind == sim::EventKind::kInstant && e.detail.starts_with("process ")) {
        text += e.detail + "\n";
      }
    }
    return std::pair{r, text};
  };
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    auto [a, text_a] = run(seed);
    auto [b, text_b] = run(seed);
    REQUIRE(a.Passed());
    CHECK(a.fingerprint == b.fingerprint);
    CHECK(text_a == text_b);
    CHECK_THAT(text_a, Contains("kill 1 \"ctrl\" (4 fibers)"));
    CHECK_THAT(text_a, Contains("unwound: its process 1 \"ctrl\" was killed"));
  }
}

TEST_CASE("process: a member killed at any point of a lock/unlock loop unwinds cleanly") {
  // Among the points: the release point after an unlock in a lock_guard's destructor, where the
  // killed fiber goes on (a destructor must not throw) and unwinds at its next blocking call.
  int runs_killed_holding = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    bool outsider_locked = false;
    sim::Bubble b(Seeded(seed));
    auto r = b.Run([&] {
      sim::Mutex mu("m");
      sim::Process p = sim::SpawnProcess("locker", [&] {
        for (;;) {
          {
            std::lock_guard<sim::Mutex> lock(mu);
            sim::Yield();
          }
          sim::Yield();
        }
      });
      for (std::uint64_t i = 0; i < seed % 7; ++i) {
        sim::Yield();
      }
      if (mu.TryLock()) {
        mu.unlock();
      } else {
        ++runs_killed_holding;
      }
      p.Kill();
      std::lock_guard<sim::Mutex> lock(mu);  // released by the killed fiber's guard
      outsider_locked = true;
    });
    INFO("seed " << seed << "\n" << r.report);
    REQUIRE(r.Passed());
    CHECK(outsider_locked);
  }
  CHECK(runs_killed_holding > 0);
}
