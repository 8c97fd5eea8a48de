// runtime/test/workqueue/delaying_queue_test.cc: the delaying queue (SEMANTICS.md §7.2) on the
// virtual clock, ported from client-go's delaying_queue_test.go (fake clock steps become
// SleepFor, and every instant is checked exactly).
#include "bubble/runtime/workqueue/delaying_queue.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>
#include <bubble/testing/testing.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;
namespace wq = bubble::runtime::workqueue;

namespace {

sim::Duration Since(sim::TimePoint t) {
  return t - sim::Clock::Epoch();
}

using Handout = std::pair<std::string, sim::Duration>;  // key, virtual time handed out

// A worker that records every key with the virtual time Get returned it, until shutdown.
void Record(wq::Queue<>& q, std::vector<Handout>& out) {
  while (auto k = q.Get()) {
    out.emplace_back(*k, Since(sim::Now()));
    q.Done(*k);
  }
}

}  // namespace

TEST_CASE("AddAfter adds the key once its delay has passed on the virtual clock",
          "[runtime][workqueue]") {
  // client-go TestSimpleQueue
  std::vector<Handout> got;
  auto r = bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom},
                                    [&](sim::Bubble&) {
                                      wq::DelayingQueue<> q;
                                      q.AddAfter("foo", 50ms);
                                      CHECK(q.Len() == 0);
                                      sim::SleepFor(60ms);
                                      CHECK(q.Len() == 1);
                                      sim::WaitGroup worker;
                                      worker.Go("worker", [&] { Record(q, got); });
                                      sim::SleepFor(10s);
                                      CHECK(q.Len() == 0);
                                      q.ShutDown();
                                      worker.Wait();
                                    });
  CHECK(got == std::vector<Handout>{{"foo", 60ms}});  // the worker started at 60ms
  CHECK(Since(r.end_time) == 10s + 60ms);
}

TEST_CASE("a waiting worker gets a delayed key at exactly its ready time", "[runtime][workqueue]") {
  const auto seed = static_cast<std::uint64_t>(GENERATE(range(1, 5)));
  std::vector<Handout> got;
  bubble::testing::RunOnce({.seed = seed, .strategy = sim::StrategyKind::kRandom},
                           [&](sim::Bubble&) {
                             wq::DelayingQueue<> q;
                             sim::WaitGroup worker;
                             worker.Go("worker", [&] { Record(q, got); });
                             q.AddAfter("a", 1500ms);
                             sim::SleepFor(1s);
                             q.AddAfter("b", 250ms);  // ready at 1.25s, before "a"
                             sim::SleepFor(1s);
                             q.ShutDown();
                             worker.Wait();
                           });
  CHECK(got == std::vector<Handout>{{"b", 1250ms}, {"a", 1500ms}});
}

TEST_CASE("keys are ready by ready time, ties in the order of the AddAfter calls",
          "[runtime][workqueue]") {
  // client-go TestCopyShifting, plus ties (which Go leaves unspecified).
  const auto seed = static_cast<std::uint64_t>(GENERATE(range(1, 9)));
  std::vector<Handout> got;
  bubble::testing::RunOnce(
      {.seed = seed, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
        wq::DelayingQueue<> q;
        sim::WaitGroup worker;
        worker.Go("worker", [&] { Record(q, got); });
        q.AddAfter("first", 1s);
        q.AddAfter("second", 500ms);
        q.AddAfter("third", 250ms);
        q.AddAfter("second-tie", 500ms);
        q.AddAfter("third-tie", 250ms);
        q.AddAfter("moved", 2s);
        q.AddAfter("moved", 500ms);  // its ready time is now set after "second-tie"'s
        sim::SleepFor(3s);
        q.ShutDown();
        worker.Wait();
      });
  CHECK(got == std::vector<Handout>{{"third", 250ms},
                                    {"third-tie", 250ms},
                                    {"second", 500ms},
                                    {"second-tie", 500ms},
                                    {"moved", 500ms},
                                    {"first", 1s}});
}

TEST_CASE("keys ready while no worker waits are queued in ready-time order",
          "[runtime][workqueue]") {
  // client-go TestCopyShifting as written: step past all of them, then Get.
  std::vector<std::string> order;
  bubble::testing::RunOnce({.seed = 5, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::DelayingQueue<> q;
    q.AddAfter("foo", 1s);
    q.AddAfter("bar", 500ms);
    q.AddAfter("baz", 250ms);
    sim::SleepFor(2s);
    CHECK(q.Len() == 3);
    while (q.Len() > 0) {
      const auto k = q.Get();
      order.push_back(*k);
      q.Done(*k);
    }
    q.ShutDown();
  });
  CHECK(order == std::vector<std::string>{"baz", "bar", "foo"});
}

TEST_CASE("a second AddAfter of a pending key keeps the earlier ready time",
          "[runtime][workqueue]") {
  // client-go TestDeduping
  const auto seed = static_cast<std::uint64_t>(GENERATE(range(1, 5)));
  std::vector<Handout> got;
  bubble::testing::RunOnce(
      {.seed = seed, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
        wq::DelayingQueue<> q;
        sim::WaitGroup worker;
        worker.Go("worker", [&] { Record(q, got); });

        q.AddAfter("foo", 50ms);
        q.AddAfter("foo", 70ms);  // later: does not postpone, and is not a second entry
        sim::SleepFor(60ms);
        sim::SleepFor(20ms);  // past the second add: nothing more
        CHECK(got.size() == 1);

        // The earlier one overrides.
        q.AddAfter("foo", 50ms);  // at 80ms: ready at 130ms
        q.AddAfter("foo", 30ms);  // ready at 110ms instead
        sim::SleepFor(40ms);
        CHECK(got.size() == 2);
        sim::SleepFor(20ms);
        q.ShutDown();
        worker.Wait();
      });
  CHECK(got == std::vector<Handout>{{"foo", 50ms}, {"foo", 110ms}});
}

TEST_CASE("a key that fires early stays queued while later keys keep waiting",
          "[runtime][workqueue]") {
  // client-go TestAddTwoFireEarly
  bubble::testing::RunOnce({.seed = 7, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::DelayingQueue<> q;
    q.AddAfter("foo", 1s);
    q.AddAfter("bar", 50ms);
    sim::SleepFor(60ms);
    REQUIRE(q.Len() == 1);
    auto k = q.Get();
    CHECK(k == std::optional<std::string>("bar"));
    q.Done(*k);

    q.AddAfter("baz", 2s);
    sim::SleepFor(1s);
    REQUIRE(q.Len() == 1);
    k = q.Get();
    CHECK(k == std::optional<std::string>("foo"));
    q.Done(*k);

    sim::SleepFor(2s);
    REQUIRE(q.Len() == 1);
    k = q.Get();
    CHECK(k == std::optional<std::string>("baz"));
    q.Done(*k);
    q.ShutDown();
  });
}

TEST_CASE("a delayed key that is still queued when it becomes ready is not queued twice",
          "[runtime][workqueue]") {
  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::DelayingQueue<> q;
    q.Add("k");
    q.AddAfter("k", 10ms);
    sim::SleepFor(20ms);
    CHECK(q.Len() == 1);
    q.ShutDown();
  });
}

TEST_CASE("AddAfter with a zero or negative delay adds at once", "[runtime][workqueue]") {
  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::DelayingQueue<> q;
    q.AddAfter("zero", 0s);
    q.AddAfter("negative", -5s);
    CHECK(q.Len() == 2);
    q.ShutDown();
  });
}

TEST_CASE("ShutDown discards pending delayed keys and ends the waiting loop",
          "[runtime][workqueue]") {
  auto r = bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom},
                                    [&](sim::Bubble&) {
                                      wq::DelayingQueue<> q;
                                      q.AddAfter("pending", 1h);
                                      sim::SleepFor(1s);
                                      q.ShutDown();
                                      q.AddAfter("after-shutdown", 1ms);  // dropped
                                      CHECK_FALSE(q.Get().has_value());
                                    });
  CHECK(Since(r.end_time) == 1s);  // no timer of the queue outlives ShutDown
}

TEST_CASE("ShutDownWithDrain on a delaying queue also ends the waiting loop",
          "[runtime][workqueue]") {
  std::vector<Handout> got;
  auto r = bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom},
                                    [&](sim::Bubble&) {
                                      wq::DelayingQueue<> q;
                                      q.Add("now");
                                      const auto k = q.Get();
                                      q.AddAfter("pending", 1h);
                                      sim::WaitGroup finisher;
                                      finisher.Go("finisher", [&] {
                                        sim::SleepFor(2s);
                                        q.Done(*k);
                                      });
                                      q.ShutDownWithDrain();
                                      CHECK(Since(sim::Now()) == 2s);
                                      finisher.Wait();
                                    });
  CHECK(Since(r.end_time) == 2s);
}

TEST_CASE("destroying a delaying queue without ShutDown ends its waiting loop",
          "[runtime][workqueue]") {
  auto r = bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom},
                                    [&](sim::Bubble&) {
                                      {
                                        wq::DelayingQueue<> q;
                                        q.AddAfter("pending", 1h);
                                        sim::SleepFor(1s);
                                      }
                                      sim::SleepFor(1s);
                                    });
  CHECK(Since(r.end_time) == 2s);
}

TEST_CASE("more AddAfter calls than the loop's buffer at one instant all become ready in order",
          "[runtime][workqueue]") {
  // 2500 adds exceed the 1000-entry channel: AddAfter blocks until the loop catches up.
  const auto seed = static_cast<std::uint64_t>(GENERATE(1, 2));
  std::vector<Handout> got;
  bubble::testing::RunOnce(
      {.seed = seed, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
        wq::DelayingQueue<> q;
        for (int i = 0; i < 2500; ++i) {
          q.AddAfter(fmt::format("k{:04}", i), 1s);
        }
        CHECK(Since(sim::Now()) == 0s);
        sim::SleepFor(2s);  // past 1s: at 1s itself the strategy may wake this fiber first
        CHECK(q.Len() == 2500);
        q.ShutDown();
        Record(q, got);
      });
  REQUIRE(got.size() == 2500);
  for (int i = 0; i < 2500; ++i) {
    REQUIRE(got[static_cast<std::size_t>(i)].first == fmt::format("k{:04}", i));
  }
}

TEST_CASE("a delaying queue must be created inside a running bubble", "[runtime][workqueue]") {
  CHECK_THROWS_AS(wq::DelayingQueue<>(), bubble::UsageError);
}
