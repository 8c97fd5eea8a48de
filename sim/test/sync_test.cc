// sim/test/sync_test.cc: Mutex, ConditionVariable, WaitGroup and Event.
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/condition_variable.h>
#include <bubble/sim/context.h>
#include <bubble/sim/event.h>
#include <bubble/sim/mutex.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>
#include <bubble/testing/testing.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;

namespace {

const sim::TimePoint kEpoch = sim::Clock::Epoch();

std::string Since(sim::TimePoint t) {
  return sim::FormatDuration(t - kEpoch);
}

}  // namespace

// ---- Mutex ----------------------------------------------------------------------------------

TEST_CASE("a mutex hands itself to waiters in arrival order, with no barging",
          "[sim][sync][mutex]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Mutex m("m");
    m.Lock();
    std::vector<sim::FiberId> ids;
    for (int i = 0; i < 3; ++i) {
      ids.push_back(sim::Spawn(fmt::format("w{}", i), [&m, &log, i] {
        m.Lock();
        log.push_back(fmt::format("w{} locked at {}", i, Since(sim::Now())));
        sim::SleepFor(1s);
        m.Unlock();
      }));
    }
    sim::Wait();
    m.Unlock();
    // Ownership went straight to the longest waiter: the unlocker cannot take it back.
    log.push_back(fmt::format("holder is w0: {}, trylock: {}", m.Holder() == ids[0], m.TryLock()));
    sim::Wait();
    while (m.Holder() != 0) {
      sim::SleepFor(1s);
    }
  });
  CHECK(log == std::vector<std::string>{"holder is w0: true, trylock: false", "w0 locked at 0s",
                                        "w1 locked at 1s", "w2 locked at 2s"});
}

TEST_CASE("a fiber blocked in Mutex::Lock is durably blocked: Wait returns",
          "[sim][sync][mutex][wait]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Mutex m("m");
    m.Lock();
    sim::Spawn("locker", [&] {
      m.Lock();
      log.push_back(fmt::format("locker got it at {}", Since(sim::Now())));
      m.Unlock();
    });
    sim::Wait();  // returns although `locker` is blocked on a mutex, not a channel
    log.push_back(fmt::format("main after Wait at {}, holder {}", Since(sim::Now()), m.Holder()));
    m.Unlock();
    sim::Wait();
    log.push_back(fmt::format("holder after unlock {}", m.Holder()));
  });
  CHECK(log == std::vector<std::string>{"main after Wait at 0s, holder 1", "locker got it at 0s",
                                        "holder after unlock 0"});
}

TEST_CASE("two fibers locking two mutexes in opposite order are reported as a deadlock",
          "[sim][sync][mutex][deadlock]") {
  sim::Bubble b;
  sim::Mutex m1("m1");
  sim::Mutex m2("m2");
  b.Spawn("a", [&] {
    std::scoped_lock first(m1);
    sim::SleepFor(1ms);
    std::scoped_lock second(m2);
  });
  b.Spawn("b", [&] {
    std::scoped_lock first(m2);
    sim::SleepFor(1ms);
    std::scoped_lock second(m1);
  });
  auto r = b.Run();
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kDeadlock);
  CHECK(r.failure->message == "deadlock: 2 fibers blocked, none runnable and no timer pending");
  CHECK(r.failure->time == kEpoch + 1ms);
  REQUIRE(r.failure->blocked.size() == 2);
  CHECK(r.failure->blocked[0].id == 1);
  CHECK(r.failure->blocked[0].name == "a");
  CHECK(r.failure->blocked[0].waits_on == "mutex 'm2'");
  CHECK(r.failure->blocked[0].holder == 2);
  CHECK(r.failure->blocked[0].since == kEpoch + 1ms);
  CHECK(r.failure->blocked[1].id == 2);
  CHECK(r.failure->blocked[1].name == "b");
  CHECK(r.failure->blocked[1].waits_on == "mutex 'm1'");
  CHECK(r.failure->blocked[1].holder == 1);
  CHECK_THAT(r.report, Contains("fiber 1 \"a\" waits on mutex 'm2' since 00:00:00.001000 -> held "
                                "by fiber 2 \"b\""));
  CHECK_THAT(r.report, Contains("fiber 2 \"b\" waits on mutex 'm1' since 00:00:00.001000 -> held "
                                "by fiber 1 \"a\""));
  // Unwinding ran the scoped_locks' destructors, but a failed run's teardown leaves every
  // primitive as the run left it (it may live in a frame that is gone): still held.
  CHECK(m1.Holder() == 1);
  CHECK(m2.Holder() == 2);
}

TEST_CASE("unlocking a mutex from a fiber that does not hold it is a usage error",
          "[sim][sync][mutex]") {
  sim::Bubble b;
  auto r = b.Run([&] {
    sim::Mutex m("m");
    m.Lock();
    sim::Spawn("intruder", [&] { m.Unlock(); });
    m.Unlock();
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kException);
  CHECK(r.failure->fiber_name == "intruder");
  CHECK(r.failure->message ==
        "usage error: unlock of mutex 'm' by fiber 2 \"intruder\", which does not hold it "
        "(holder: 1): unlock from the fiber that locked it");
}

TEST_CASE("locking a bubble mutex twice from one fiber is a usage error", "[sim][sync][mutex]") {
  sim::Bubble b;
  auto r = b.Run([&] {
    sim::Mutex m("m");
    m.Lock();
    m.Lock();
  });
  REQUIRE_FALSE(r.Passed());
  CHECK_THAT(r.failure->message, Contains("mutex 'm' locked twice by fiber 1 \"main\""));
}

TEST_CASE("Mutex::Lock with a context gives up when the context ends", "[sim][sync][mutex]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    sim::Mutex m("m");
    sim::Spawn("holder", [&] {
      m.Lock();
      sim::SleepFor(10s);
      m.Unlock();
    });
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 2s);
    const bool locked_in_time = m.Lock(ctx);
    log.push_back(fmt::format("locked {} at {}", locked_in_time, Since(sim::Now())));
    log.push_back(fmt::format("locked {} with a done context", m.Lock(ctx)));
    auto [live, stop] = sim::WithCancel(sim::Context::Background());
    const bool locked = m.Lock(live);
    log.push_back(fmt::format("locked {} at {}", locked, Since(sim::Now())));
    m.Unlock();
    cancel();
    stop();
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"locked false at 2s", "locked false with a done context",
                                        "locked true at 10s"});
}

// ---- ConditionVariable ----------------------------------------------------------------------

TEST_CASE("NotifyOne wakes one waiter at a time in arrival order", "[sim][sync][condvar]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Mutex m("m");
    sim::ConditionVariable cv("cv");
    for (int i = 0; i < 3; ++i) {
      sim::Spawn(fmt::format("w{}", i), [&, i] {
        std::unique_lock lock(m);
        cv.Wait(lock);
        log.push_back(fmt::format("w{} woke at {}", i, Since(sim::Now())));
      });
    }
    for (int i = 0; i < 3; ++i) {
      sim::SleepFor(1s);
      cv.NotifyOne();
    }
    sim::Wait();
  });
  CHECK(log == std::vector<std::string>{"w0 woke at 1s", "w1 woke at 2s", "w2 woke at 3s"});
}

TEST_CASE("NotifyAll wakes every waiter, and each re-acquires the mutex in turn",
          "[sim][sync][condvar]") {
  std::vector<std::string> log;
  sim::Mutex m("m");  // outlives main, which exits while the waiters still need them
  sim::ConditionVariable cv("cv");
  auto r = bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    for (int i = 0; i < 3; ++i) {
      sim::Spawn(fmt::format("w{}", i), [&, i] {
        std::unique_lock lock(m);
        cv.Wait(lock);
        log.push_back(
            fmt::format("w{} holds the mutex: {}", i, m.Holder() == sim::CurrentFiberId()));
        sim::SleepFor(1s);  // holding the mutex: the others wait for it
      });
    }
    sim::Wait();
    cv.NotifyAll();
    cv.NotifyAll();  // nobody waits any more: no effect
  });
  CHECK(log == std::vector<std::string>{"w0 holds the mutex: true", "w1 holds the mutex: true",
                                        "w2 holds the mutex: true"});
  CHECK(r.end_time == kEpoch + 3s);
}

TEST_CASE("a predicate wait returns only once the predicate holds", "[sim][sync][condvar]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Mutex m("m");
    sim::ConditionVariable cv("cv");
    int count = 0;
    sim::Spawn("waiter", [&] {
      std::unique_lock lock(m);
      cv.Wait(lock, [&] { return count >= 3; });
      log.push_back(fmt::format("count {} at {}", count, Since(sim::Now())));
    });
    for (int i = 0; i < 5; ++i) {
      sim::SleepFor(1s);
      std::unique_lock lock(m);
      ++count;
      cv.NotifyAll();
    }
  });
  CHECK(log == std::vector<std::string>{"count 3 at 3s"});
}

TEST_CASE("a condition wait with a context ends when the context does, holding the mutex",
          "[sim][sync][condvar]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Mutex m("m");
    sim::ConditionVariable cv("cv");
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 4s);
    std::unique_lock lock(m);
    const bool notified = cv.Wait(lock, ctx);
    log.push_back(fmt::format("notified {} at {}, holding {}", notified, Since(sim::Now()),
                              lock.owns_lock() && m.Holder() == sim::CurrentFiberId()));
    log.push_back(
        fmt::format("pred {} with a done context", cv.Wait(lock, ctx, [] { return false; })));
    cancel();
  });
  CHECK(log == std::vector<std::string>{"notified false at 4s, holding true",
                                        "pred false with a done context"});
}

TEST_CASE("waiting on a condition variable without holding its mutex is a usage error",
          "[sim][sync][condvar]") {
  sim::Bubble b;
  auto r = b.Run([&] {
    sim::Mutex m("m");
    sim::ConditionVariable cv("cv");
    std::unique_lock lock(m, std::defer_lock);
    cv.Wait(lock);
  });
  REQUIRE_FALSE(r.Passed());
  CHECK_THAT(r.failure->message,
             Contains("Wait on condition variable 'cv' without holding its mutex"));
}

// ---- WaitGroup ------------------------------------------------------------------------------

TEST_CASE("WaitGroup::Wait returns when the counter reaches zero", "[sim][sync][waitgroup]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    sim::WaitGroup wg("workers");
    wg.Add(3);
    for (int i = 1; i <= 3; ++i) {
      sim::Spawn(fmt::format("w{}", i), [&wg, i] {
        sim::SleepFor(i * 1s);
        wg.Done();
      });
    }
    wg.Wait();
    log.push_back(fmt::format("waited until {}, count {}", Since(sim::Now()), wg.Count()));
    wg.Wait();  // zero: returns at once
    log.push_back(fmt::format("again at {}", Since(sim::Now())));
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"waited until 3s, count 0", "again at 3s"});
}

TEST_CASE("WaitGroup::Go spawns counted fibers", "[sim][sync][waitgroup]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::WaitGroup wg("group");
    for (int i = 0; i < 3; ++i) {
      wg.Go(fmt::format("g{}", i), [&log, i] {
        sim::SleepFor((3 - i) * 1s);
        log.push_back(fmt::format("{} done at {}", sim::CurrentFiberName(), Since(sim::Now())));
      });
    }
    log.push_back(fmt::format("count {}", wg.Count()));
    wg.Wait();
    log.push_back(fmt::format("all done at {}, count {}", Since(sim::Now()), wg.Count()));
  });
  CHECK(log == std::vector<std::string>{"count 3", "g2 done at 1s", "g1 done at 2s",
                                        "g0 done at 3s", "all done at 3s, count 0"});
}

TEST_CASE("a WaitGroup counter going negative is a usage error", "[sim][sync][waitgroup]") {
  sim::WaitGroup outside("wg");
  CHECK_THROWS_AS(outside.Done(), bubble::UsageError);
  CHECK(outside.Count() == 0);

  sim::Bubble b;
  auto r = b.Run([&] {
    sim::WaitGroup wg("wg");
    wg.Add(1);
    wg.Add(-2);
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kException);
  CHECK(r.failure->message ==
        "usage error: WaitGroup 'wg' counter would go negative (1 + -2): call Done() once per "
        "Add(1)");
}

TEST_CASE("WaitGroup::Wait with a context gives up when the context ends",
          "[sim][sync][waitgroup]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    sim::WaitGroup wg("wg");
    wg.Go("slow", [] { sim::SleepFor(10s); });
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 1s);
    const bool zero_before_timeout = wg.Wait(ctx);
    log.push_back(fmt::format("zero {} at {}", zero_before_timeout, Since(sim::Now())));
    cancel();
    auto [live, stop] = sim::WithCancel(sim::Context::Background());
    const bool zero = wg.Wait(live);
    log.push_back(fmt::format("zero {} at {}", zero, Since(sim::Now())));
    stop();
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"zero false at 1s", "zero true at 10s"});
}

// ---- Event ----------------------------------------------------------------------------------

TEST_CASE("Event::Set releases every waiter, now and later", "[sim][sync][event]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Event ready("ready");
    for (int i = 0; i < 2; ++i) {
      sim::Spawn(fmt::format("early{}", i), [&, i] {
        ready.Wait();
        log.push_back(fmt::format("early{} released at {}", i, Since(sim::Now())));
      });
    }
    sim::SleepFor(1s);
    log.push_back(fmt::format("set before: {}", ready.IsSet()));
    ready.Set();
    ready.Set();  // idempotent
    sim::Wait();
    sim::SleepFor(1s);
    sim::Spawn("late", [&] {
      ready.Wait();
      log.push_back(fmt::format("late released at {}", Since(sim::Now())));
    });
    sim::Wait();
  });
  CHECK(log == std::vector<std::string>{"set before: false", "early0 released at 1s",
                                        "early1 released at 1s", "late released at 2s"});
}

TEST_CASE("Event::Wait with a context returns false if the context ends first",
          "[sim][sync][event]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Event ev("ev");
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 2s);
    const bool set_before_timeout = ev.Wait(ctx);
    log.push_back(fmt::format("set {} at {}", set_before_timeout, Since(sim::Now())));
    ev.Set();
    const bool set = ev.Wait(ctx);
    log.push_back(fmt::format("set {} at {}", set, Since(sim::Now())));
    cancel();
  });
  CHECK(log == std::vector<std::string>{"set false at 2s", "set true at 2s"});
}
