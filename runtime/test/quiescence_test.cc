// runtime/test/quiescence_test.cc: Idle() of the workqueues and waiting for quiescence.
#include "bubble/runtime/quiescence.h"

#include <string>

#include <catch2/catch.hpp>

#include <bubble/runtime/workqueue/delaying_queue.h>
#include <bubble/runtime/workqueue/queue.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>
#include <bubble/testing/testing.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;
namespace rt = bubble::runtime;
namespace wq = bubble::runtime::workqueue;

TEST_CASE("a queue is idle when nothing is queued and nothing is being processed",
          "[runtime][quiescence]") {
  bubble::testing::RunOnce({}, [](sim::Bubble&) {
    wq::Queue<> q("q");
    CHECK(q.Idle());
    q.Add("a");
    CHECK_FALSE(q.Idle());
    auto key = q.Get();
    REQUIRE(key);
    CHECK(q.Len() == 0);
    CHECK(q.Processing() == 1);
    CHECK_FALSE(q.Idle());  // handed out, not Done
    q.Done(*key);
    CHECK(q.Idle());
  });
}

TEST_CASE("a delaying queue is not idle while a key waits for its delay", "[runtime][quiescence]") {
  bubble::testing::RunOnce({.seed = 3, .strategy = sim::StrategyKind::kRandom}, [](sim::Bubble&) {
    wq::DelayingQueue<> q("dq");
    q.AddAfter("a", 5s);
    q.AddAfter("a", 3s);  // merged with the pending add: one key waiting
    q.AddAfter("b", 1s);
    sim::Wait();
    CHECK(q.Waiting() == 2);
    CHECK_FALSE(q.Idle());
    sim::SleepFor(2s);
    CHECK(q.Waiting() == 1);  // b joined the queue
    CHECK(q.Len() == 1);
    sim::SleepFor(2s);
    CHECK(q.Waiting() == 0);
    CHECK(q.Len() == 2);
    for (int i = 0; i < 2; ++i) {
      auto key = q.Get();
      REQUIRE(key);
      q.Done(*key);
    }
    CHECK(q.Idle());
    q.AddAfter("c", 1h);
    q.ShutDown();
    CHECK(q.Waiting() == 0);  // dropped by the shutdown: never coming
    CHECK(q.Idle());
  });
}

TEST_CASE("AwaitQuiescence advances virtual time until the predicate holds",
          "[runtime][quiescence]") {
  bubble::testing::RunOnce({}, [](sim::Bubble&) {
    bool flag = false;
    sim::Spawn("setter", [&flag] {
      sim::SleepFor(7s);
      flag = true;
    });
    const sim::TimePoint start = sim::Now();
    CHECK(rt::AwaitQuiescence([&] { return flag; }));
    CHECK(sim::Now() - start == 8s);  // checked every 2 s: at 2, 4, 6 and 8 s
  });
}

TEST_CASE("AwaitQuiescence gives up after its timeout and says so", "[runtime][quiescence]") {
  bubble::testing::RunOnce({}, [](sim::Bubble&) {
    const sim::TimePoint start = sim::Now();
    CHECK_FALSE(rt::AwaitQuiescence([] { return false; }, {.interval = 1s, .timeout = 10s}));
    CHECK(sim::Now() - start == 10s);
  });
}

TEST_CASE("AwaitIdle waits for workers to drain a queue", "[runtime][quiescence]") {
  bubble::testing::RunSeeds({.count = 10}, {}, [](sim::Bubble&) {
    wq::DelayingQueue<> q("work");
    int processed = 0;
    sim::WaitGroup wg("worker");
    wg.Go("worker", [&] {
      while (auto key = q.Get()) {
        sim::SleepFor(3s);  // slow work: the queue is not idle while it runs
        ++processed;
        q.Done(*key);
      }
    });
    for (int i = 0; i < 5; ++i) {
      q.AddAfter("k" + std::to_string(i), std::chrono::seconds(i));
    }
    CHECK(rt::AwaitIdle({}, q));
    CHECK(processed == 5);
    CHECK(q.Idle());
    q.ShutDown();
    wg.Wait();  // the worker uses the queue until it sees the shutdown
  });
}
