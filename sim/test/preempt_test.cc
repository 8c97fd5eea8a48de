// sim/test/preempt_test.cc: preemption points (preempt.h) — where they switch, under which
// strategy and option, and that their decisions replay.
#include "bubble/sim/preempt.h"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/condition_variable.h>
#include <bubble/sim/mutex.h>
#include <bubble/sim/wait_group.h>

namespace sim = bubble::sim;

namespace {

// Two fibers add 1 to a counter with a read, a preemption point of `kind`, and a write: a lost
// update is possible only if the point switches fibers.
sim::RunResult LostUpdate(sim::Options options, sim::PreemptKind kind, bool no_preemption = false) {
  sim::Bubble b(std::move(options));
  return b.Run([kind, no_preemption] {
    int counter = 0;
    sim::WaitGroup wg;
    for (int i = 0; i < 2; ++i) {
      wg.Go(fmt::format("adder-{}", i), [&counter, kind, no_preemption] {
        std::optional<sim::NoPreemption> atomic;
        if (no_preemption) {
          atomic.emplace();
        }
        const int read = counter;
        sim::PreemptionPoint(kind, "test: read", "counter");
        counter = read + 1;
      });
    }
    wg.Wait();
    if (counter != 2) {
      sim::Fail(fmt::format("lost update: counter is {}", counter));
    }
  });
}

int FailingSeeds(sim::StrategyKind strategy, sim::PreemptSet preempt, sim::PreemptKind kind,
                 bool no_preemption = false) {
  int failed = 0;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    failed +=
        LostUpdate({.seed = seed, .strategy = strategy, .preempt = preempt}, kind, no_preemption)
                .Passed()
            ? 0
            : 1;
  }
  return failed;
}

}  // namespace

TEST_CASE("fifo never preempts at a preemption point: the default order goes on") {
  CHECK(FailingSeeds(sim::StrategyKind::kFifo, sim::PreemptSet::All(), sim::PreemptKind::kUser) ==
        0);
}

TEST_CASE("random and pct find a race that only a preemption point exposes") {
  CHECK(FailingSeeds(sim::StrategyKind::kRandom, sim::PreemptSet::All(), sim::PreemptKind::kUser) >
        0);
  CHECK(FailingSeeds(sim::StrategyKind::kPct, sim::PreemptSet::All(), sim::PreemptKind::kUser) > 0);
}

TEST_CASE("a kind left out of Options::preempt is not a point, user points are always on") {
  const sim::PreemptSet no_cache = sim::PreemptSet::All().Without(sim::PreemptKind::kCache);
  CHECK(FailingSeeds(sim::StrategyKind::kRandom, no_cache, sim::PreemptKind::kCache) == 0);
  CHECK(FailingSeeds(sim::StrategyKind::kRandom, no_cache, sim::PreemptKind::kLocks) > 0);
  CHECK(FailingSeeds(sim::StrategyKind::kRandom, sim::PreemptSet::None(), sim::PreemptKind::kUser) >
        0);
  CHECK(FailingSeeds(sim::StrategyKind::kRandom, sim::PreemptSet::None(), sim::PreemptKind::kApi) ==
        0);
}

TEST_CASE("NoPreemption turns the points of a scope off") {
  CHECK(FailingSeeds(sim::StrategyKind::kRandom, sim::PreemptSet::All(), sim::PreemptKind::kUser,
                     /*no_preemption=*/true) == 0);
}

TEST_CASE("a preemption is a decision: recorded, and replayed to the same run") {
  std::optional<sim::RunResult> failing;
  for (std::uint64_t seed = 1; seed <= 50 && !failing; ++seed) {
    sim::RunResult r =
        LostUpdate({.seed = seed, .strategy = sim::StrategyKind::kRandom}, sim::PreemptKind::kUser);
    if (!r.Passed()) {
      failing = std::move(r);
    }
  }
  REQUIRE(failing);
  REQUIRE_FALSE(failing->decisions.empty());
  const sim::RunResult again =
      LostUpdate({.strategy = sim::StrategyKind::kReplay, .replay = failing->decisions},
                 sim::PreemptKind::kUser);
  CHECK_FALSE(again.Passed());
  CHECK(again.fingerprint == failing->fingerprint);
  CHECK(again.decisions == failing->decisions);
}

TEST_CASE("a point with nothing else runnable records no decision") {
  sim::Bubble b({.strategy = sim::StrategyKind::kRandom});
  const sim::RunResult r = b.Run([] {
    for (int i = 0; i < 10; ++i) {
      sim::PreemptionPoint();
    }
  });
  CHECK(r.Passed());
  CHECK(r.decisions.empty());
}

TEST_CASE("an uncontended mutex is a preemption point before lock and after unlock") {
  // Each fiber reads under one lock and writes under another: the gap between the two critical
  // sections is a race only the lock/unlock points expose.
  auto run = [](std::uint64_t seed, sim::PreemptSet preempt) {
    sim::Bubble b({.seed = seed, .strategy = sim::StrategyKind::kRandom, .preempt = preempt});
    return b.Run([] {
      sim::Mutex m("counter");
      int counter = 0;
      sim::WaitGroup wg;
      for (int i = 0; i < 2; ++i) {
        wg.Go(fmt::format("adder-{}", i), [&] {
          int read = 0;
          {
            std::lock_guard<sim::Mutex> lock(m);
            read = counter;
          }
          std::lock_guard<sim::Mutex> lock(m);
          counter = read + 1;
        });
      }
      wg.Wait();
      if (counter != 2) {
        sim::Fail("lost update between two critical sections");
      }
    });
  };
  int with_locks = 0;
  int without_locks = 0;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    with_locks += run(seed, sim::PreemptSet::All()).Passed() ? 0 : 1;
    without_locks +=
        run(seed, sim::PreemptSet::All().Without(sim::PreemptKind::kLocks)).Passed() ? 0 : 1;
  }
  CHECK(with_locks > 0);
  CHECK(without_locks == 0);
}

TEST_CASE("a Preemptible::kNo mutex and condition variable are no points") {
  sim::Bubble b({.seed = 3, .strategy = sim::StrategyKind::kRandom});
  const sim::RunResult r = b.Run([] {
    sim::Mutex m("internal", sim::Preemptible::kNo);
    sim::ConditionVariable cv("internal", sim::Preemptible::kNo);
    sim::WaitGroup wg;
    wg.Go("other", [] {});  // runnable while main locks: a preemptible lock would be a decision
    for (int i = 0; i < 5; ++i) {
      std::lock_guard<sim::Mutex> lock(m);
      cv.NotifyAll();
    }
    wg.Wait();
  });
  CHECK(r.Passed());
  // The only decision is the spawn's (who runs first); none from the lock, unlock or notify.
  CHECK(r.decisions.size() <= 1);
}

TEST_CASE("the preemption set's text form") {
  CHECK(sim::FormatPreemptSet(sim::PreemptSet::All()) == "api,cache,locks,queue");
  CHECK(sim::FormatPreemptSet(sim::PreemptSet::None()) == "none");
  CHECK(sim::ParsePreemptSet("all") == sim::PreemptSet::All());
  CHECK(sim::ParsePreemptSet("none") == sim::PreemptSet::None());
  const auto two = sim::ParsePreemptSet("queue,api");
  REQUIRE(two);
  CHECK(two->Has(sim::PreemptKind::kApi));
  CHECK(two->Has(sim::PreemptKind::kQueue));
  CHECK_FALSE(two->Has(sim::PreemptKind::kCache));
  CHECK(two->Has(sim::PreemptKind::kUser));
  CHECK(sim::FormatPreemptSet(*two) == "api,queue");
  CHECK(sim::ParsePreemptSet(sim::FormatPreemptSet(*two)) == two);
  CHECK_FALSE(sim::ParsePreemptSet(""));
  CHECK_FALSE(sim::ParsePreemptSet("api,"));
  CHECK_FALSE(sim::ParsePreemptSet("api,,cache"));
  CHECK_FALSE(sim::ParsePreemptSet("disk"));
}

TEST_CASE("a fiber polling through preemption points gives way after its time slice") {
  // Under fifo a preemption point never switches, so a loop that polls shared state through
  // points only would starve the fiber it waits for; the time slice lets that fiber run.
  sim::Bubble b({.strategy = sim::StrategyKind::kFifo, .watchdog = std::chrono::seconds(20)});
  int polls = 0;
  const sim::RunResult r = b.Run([&polls] {
    bool done = false;
    sim::WaitGroup wg;
    wg.Go("setter", [&done] {
      sim::Yield();  // let main start polling first
      done = true;
    });
    while (!done) {
      ++polls;
      sim::PreemptionPoint();
    }
    wg.Wait();
  });
  CHECK(r.Passed());
  CHECK(polls > 1);
  CHECK(polls <= 1001);
}

// A release point sits in destructors: a run that fails while a fiber is preempted after the
// unlock in a std::lock_guard's destructor must end in a report. (It threw FiberUnwind out of
// the noexcept destructor, and the process terminated.)
TEST_CASE(
    "a run failing while a fiber is preempted at an unlock in a destructor ends in a report") {
  int preempted_at_unlock = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    sim::Bubble b({.seed = seed, .strategy = sim::StrategyKind::kRandom});
    bool unlocked = false;
    const sim::RunResult r = b.Run([&unlocked] {
      sim::Mutex mu("guarded");
      sim::WaitGroup wg;
      wg.Go("locker", [&mu, &unlocked] {
        for (int i = 0; i < 10; ++i) {
          std::lock_guard lock(mu);
          unlocked = false;
        }
        unlocked = true;
      });
      wg.Go("failer", [&unlocked] {
        sim::PreemptionPoint();
        sim::Fail(fmt::format("failed (locker done: {})", unlocked));
      });
      wg.Wait();
    });
    REQUIRE(r.failure.has_value());
    CHECK(r.failure->kind == sim::FailureKind::kInvariant);
    if (r.failure->message == "failed (locker done: false)") {
      ++preempted_at_unlock;
    }
  }
  CHECK(preempted_at_unlock > 0);  // the interleaving the test is about happened
}
