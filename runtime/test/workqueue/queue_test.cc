// runtime/test/workqueue/queue_test.cc: the basic queue (SEMANTICS.md §7.1), ported from
// client-go's util/workqueue/queue_test.go where a test exists there.
#include "bubble/runtime/workqueue/queue.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
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

// Virtual time since the bubble's epoch, which Catch2 prints readably.
sim::Duration Since(sim::TimePoint t) {
  return t - sim::Clock::Epoch();
}

}  // namespace

TEST_CASE("an added key is handed out once and Len counts only queued keys",
          "[runtime][workqueue]") {
  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::Queue<> q;
    q.Add("a");
    q.Add("b");
    CHECK(q.Len() == 2);
    const auto a = q.Get();
    REQUIRE(a.has_value());
    CHECK(*a == "a");
    CHECK(q.Len() == 1);  // "a" is processing, not queued
    q.Done(*a);
    const auto b2 = q.Get();
    REQUIRE(b2.has_value());
    CHECK(*b2 == "b");
    q.Done(*b2);
    CHECK(q.Len() == 0);
    CHECK_FALSE(q.ShuttingDown());
  });
}

TEST_CASE("keys are handed out in FIFO order of Add and of the Done that re-queued them",
          "[runtime][workqueue]") {
  std::vector<std::string> order;
  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::Queue<> q;
    q.Add("x");
    const auto x = q.Get();
    q.Add("x");  // dirty while processing: waits for Done
    q.Add("y");
    q.Add("z");
    q.Done(*x);  // "x" joins behind "y" and "z"
    while (q.Len() > 0) {
      const auto k = q.Get();
      order.push_back(*k);
      q.Done(*k);
    }
  });
  CHECK(order == std::vector<std::string>{"y", "z", "x"});
}

TEST_CASE("a key re-added while it is processing is handed out again after Done",
          "[runtime][workqueue]") {
  // client-go TestReinsert
  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::Queue<> q;
    q.Add("foo");
    auto i = q.Get();
    REQUIRE(i == std::optional<std::string>("foo"));
    q.Add(*i);
    CHECK(q.Len() == 0);  // not queued while processing
    q.Done(*i);
    CHECK(q.Len() == 1);
    i = q.Get();
    REQUIRE(i == std::optional<std::string>("foo"));
    q.Done(*i);
    CHECK(q.Len() == 0);
  });
}

TEST_CASE("adding a key twice before it is handed out hands it out once", "[runtime][workqueue]") {
  // client-go TestCollapse
  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::Queue<> q;
    q.Add("bar");
    q.Add("bar");
    CHECK(q.Len() == 1);
    const auto i = q.Get();
    REQUIRE(i == std::optional<std::string>("bar"));
    q.Done(*i);
    CHECK(q.Len() == 0);
  });
}

TEST_CASE("adds while processing collapse into one re-run that waits for Done",
          "[runtime][workqueue]") {
  // client-go TestCollapseWhileProcessing, with virtual time instead of a 100ms real sleep.
  const auto seed = GENERATE(range(1, 9));
  std::optional<sim::TimePoint> second_get;
  int gets = 0;
  bubble::testing::RunOnce(
      {.seed = static_cast<std::uint64_t>(seed), .strategy = sim::StrategyKind::kRandom},
      [&](sim::Bubble&) {
        wq::Queue<> q;
        q.Add("foo");
        const auto first = q.Get();
        REQUIRE(first == std::optional<std::string>("foo"));
        q.Add("foo");
        q.Add("foo");
        sim::WaitGroup worker;
        worker.Go("worker", [&] {
          while (auto k = q.Get()) {
            CHECK(*k == "foo");
            ++gets;
            second_get = sim::Now();
            q.Done(*k);
          }
        });
        sim::SleepFor(100ms);
        CHECK_FALSE(second_get.has_value());  // the worker is blocked: "foo" is still processing
        q.Done(*first);
        sim::SleepFor(1ms);
        q.ShutDown();
        worker.Wait();
        CHECK(q.Len() == 0);
      });
  CHECK(gets == 1);
  REQUIRE(second_get.has_value());
  CHECK(Since(*second_get) == 100ms);
}

TEST_CASE("Get blocks until a key is added and returns at the virtual instant of the Add",
          "[runtime][workqueue]") {
  std::optional<sim::TimePoint> got_at;
  bubble::testing::RunOnce({.seed = 3, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::Queue<> q;
    sim::WaitGroup worker;
    worker.Go("worker", [&] {
      const auto k = q.Get();
      CHECK(k == std::optional<std::string>("late"));
      got_at = sim::Now();
      q.Done(*k);
    });
    sim::SleepFor(3s);
    q.Add("late");
    worker.Wait();
  });
  REQUIRE(got_at.has_value());
  CHECK(Since(*got_at) == 3s);
}

TEST_CASE("adds after ShutDown are dropped", "[runtime][workqueue]") {
  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::Queue<> q;
    q.ShutDown();
    CHECK(q.ShuttingDown());
    q.Add("foo");
    CHECK(q.Len() == 0);
    CHECK_FALSE(q.Get().has_value());
  });
}

TEST_CASE("Get after ShutDown hands out the queued keys, then reports shutdown",
          "[runtime][workqueue]") {
  std::vector<std::string> got;
  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::Queue<> q;
    q.Add("a");
    q.Add("b");
    q.ShutDown();
    q.Add("c");  // dropped
    while (auto k = q.Get()) {
      got.push_back(*k);
      q.Done(*k);
    }
    CHECK_FALSE(q.Get().has_value());  // stays shut down
  });
  CHECK(got == std::vector<std::string>{"a", "b"});
}

TEST_CASE("ShutDown wakes every blocked Get, which reports shutdown", "[runtime][workqueue]") {
  const auto seed = GENERATE(range(1, 5));
  std::vector<sim::Duration> woke;
  bubble::testing::RunOnce(
      {.seed = static_cast<std::uint64_t>(seed), .strategy = sim::StrategyKind::kRandom},
      [&](sim::Bubble&) {
        wq::Queue<> q;
        sim::WaitGroup workers;
        for (int i = 0; i < 3; ++i) {
          workers.Go(fmt::format("worker-{}", i), [&] {
            CHECK_FALSE(q.Get().has_value());
            woke.push_back(Since(sim::Now()));
          });
        }
        sim::SleepFor(2s);
        q.ShutDown();
        workers.Wait();
      });
  CHECK(woke == std::vector<sim::Duration>(3, 2s));
}

TEST_CASE("ShutDownWithDrain waits until every processing key is Done", "[runtime][workqueue]") {
  // client-go TestQueueDrainageUsingShutDownWithDrain
  const auto seed = GENERATE(range(1, 5));
  std::optional<sim::TimePoint> drained_at;
  bubble::testing::RunOnce(
      {.seed = static_cast<std::uint64_t>(seed), .strategy = sim::StrategyKind::kRandom},
      [&](sim::Bubble&) {
        wq::Queue<> q;
        q.Add("foo");
        q.Add("bar");
        const auto first = q.Get();
        const auto second = q.Get();
        sim::WaitGroup finished;
        finished.Go("drainer", [&] {
          q.ShutDownWithDrain();
          drained_at = sim::Now();
        });
        CHECK_FALSE(q.Get().has_value());  // returns once the drainer has started shutting down
        sim::SleepFor(1s);
        q.Done(*first);
        sim::SleepFor(1s);
        CHECK_FALSE(drained_at.has_value());  // "bar" is still processing
        q.Done(*second);
        finished.Wait();
      });
  REQUIRE(drained_at.has_value());
  CHECK(Since(*drained_at) == 2s);
}

TEST_CASE("ShutDownWithDrain hands out a key that was re-added while processing",
          "[runtime][workqueue]") {
  // client-go TestQueueDrainageUsingShutDownWithDrainWithDirtyItem
  const auto seed = GENERATE(range(1, 9));
  bubble::testing::RunOnce(
      {.seed = static_cast<std::uint64_t>(seed), .strategy = sim::StrategyKind::kRandom},
      [&](sim::Bubble&) {
        wq::Queue<> q;
        q.Add("foo");
        const auto gotten = q.Get();
        q.Add("foo");  // dirty while processing
        sim::WaitGroup finished;
        finished.Go("drainer", [&] { q.ShutDownWithDrain(); });
        CHECK_FALSE(q.Get().has_value());  // the drainer has started; nothing queued yet
        q.Done(*gotten);                   // re-queues "foo" although the queue is shutting down
        const auto again = q.Get();
        CHECK(again == std::optional<std::string>("foo"));  // not REQUIRE: the drainer uses `q`
        if (again) {
          q.Done(*again);
        }
        CHECK_FALSE(q.Get().has_value());  // now really done
        finished.Wait();
      });
}

TEST_CASE("ShutDown cancels a waiting ShutDownWithDrain", "[runtime][workqueue]") {
  // client-go TestForceQueueShutdownUsingShutDown
  std::optional<sim::TimePoint> drain_returned;
  bubble::testing::RunOnce({.seed = 2, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::Queue<> q;
    q.Add("foo");
    q.Add("bar");
    const auto first = q.Get();
    const auto second = q.Get();
    sim::WaitGroup finished;
    finished.Go("drainer", [&] {
      q.ShutDownWithDrain();
      drain_returned = sim::Now();
    });
    CHECK_FALSE(q.Get().has_value());
    sim::SleepFor(1s);
    q.ShutDown();  // a second SIGTERM: stop waiting for the workers
    finished.Wait();
    CHECK(Since(sim::Now()) == 1s);
    q.Done(*first);
    q.Done(*second);
  });
  REQUIRE(drain_returned.has_value());
  CHECK(Since(*drain_returned) == 1s);
}

TEST_CASE("ShutDown does not wait for processing keys", "[runtime][workqueue]") {
  // client-go TestNoQueueDrainageUsingShutDown
  auto r = bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom},
                                    [&](sim::Bubble&) {
                                      wq::Queue<> q;
                                      q.Add("foo");
                                      const auto k = q.Get();
                                      q.ShutDown();  // returns at once although "foo" is processing
                                      CHECK(q.ShuttingDown());
                                      q.Done(*k);
                                    });
  CHECK(r.end_time == sim::Clock::Epoch());
}

TEST_CASE("the non-blocking methods work outside a running bubble", "[runtime][workqueue]") {
  wq::Queue<> q;
  q.Add("seeded");
  CHECK(q.Len() == 1);
  q.ShutDownWithDrain();  // nothing processing: returns at once, no fiber needed
  CHECK(q.ShuttingDown());
  const auto k = q.Get();  // a key is queued: no wait, no fiber needed
  REQUIRE(k == std::optional<std::string>("seeded"));
  q.Done(*k);
  CHECK_FALSE(q.Get().has_value());
}

TEST_CASE("Done for a key that is not processing is a usage error", "[runtime][workqueue]") {
  wq::Queue<> q;
  CHECK_THROWS_AS(q.Done("never-added"), bubble::UsageError);
  q.Add("k");
  CHECK_THROWS_AS(q.Done("k"), bubble::UsageError);  // queued, not handed out
  const auto k = q.Get();
  q.Done(*k);
  CHECK_THROWS_WITH(q.Done(*k), Catch::Matchers::Contains("not being processed"));
}

TEST_CASE("a queue of a non-string key type keeps the same contract", "[runtime][workqueue]") {
  struct Ref {
    int ns;
    int id;

    bool operator<(const Ref& o) const { return ns != o.ns ? ns < o.ns : id < o.id; }
  };

  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::Queue<int> ints;
    ints.Add(7);
    ints.Add(7);
    ints.Add(3);
    CHECK(ints.Len() == 2);
    CHECK(ints.Get() == std::optional<int>(7));

    wq::Queue<Ref> refs;
    refs.Add({1, 2});
    refs.Add({1, 2});
    CHECK(refs.Len() == 1);
    const auto ref = refs.Get();
    REQUIRE(ref.has_value());
    refs.Done(*ref);
  });
}

TEST_CASE("concurrent consumers that re-add every key once leave an empty queue",
          "[runtime][workqueue]") {
  // client-go TestAddWhileProcessing: 50 producers, 10 consumers.
  const auto seed = GENERATE(range(1, 5));
  int processed = 0;
  bubble::testing::RunOnce(
      {.seed = static_cast<std::uint64_t>(seed), .strategy = sim::StrategyKind::kRandom},
      [&](sim::Bubble&) {
        wq::Queue<int> q;
        sim::WaitGroup producers;
        for (int i = 0; i < 50; ++i) {
          producers.Go(fmt::format("producer-{}", i), [&q, i] { q.Add(i); });
        }
        sim::WaitGroup consumers;
        for (int c = 0; c < 10; ++c) {
          consumers.Go(fmt::format("consumer-{}", c), [&] {
            std::map<int, int> counters;
            while (auto item = q.Get()) {
              ++processed;
              if (++counters[*item] < 2) {
                q.Add(*item);
              }
              sim::Yield();
              q.Done(*item);
            }
          });
        }
        producers.Wait();
        q.ShutDown();
        consumers.Wait();
        CHECK(q.Len() == 0);
      });
  CHECK(processed >= 50);
}

namespace {

struct WorkersOutcome {
  sim::RunResult result;
  int overlaps = 0;  // a key handed to a worker while another worker still had it
  int lost = 0;      // keys whose last Add was not followed by a Get
  int adds = 0;
  int processed = 0;
};

// Four workers with random processing times, one producer adding keys from a small set at
// random moments, then ShutDownWithDrain.
WorkersOutcome RunWorkers(std::uint64_t seed) {
  WorkersOutcome out;
  sim::Bubble b({.seed = seed, .strategy = sim::StrategyKind::kRandom});
  out.result = b.Run([&] {
    wq::Queue<> q("exclusive");
    std::set<std::string> in_flight;
    std::map<std::string, std::uint64_t> last_add;
    std::map<std::string, std::uint64_t> last_get;
    std::uint64_t tick = 0;
    sim::WaitGroup workers;
    for (int w = 0; w < 4; ++w) {
      workers.Go(fmt::format("worker-{}", w), [&] {
        while (auto key = q.Get()) {
          if (!in_flight.insert(*key).second) {
            ++out.overlaps;
          }
          last_get[*key] = ++tick;
          ++out.processed;
          if (sim::Rand().Bernoulli(0.5)) {
            sim::SleepFor(sim::Rand().UniformDuration(1us, 2ms));
          } else {
            sim::Yield();
          }
          in_flight.erase(*key);
          q.Done(*key);
        }
      });
    }
    for (int i = 0; i < 300; ++i) {
      const std::string key = fmt::format("default/obj-{}", sim::Rand().Uniform(6));
      q.Add(key);
      last_add[key] = ++tick;
      ++out.adds;
      if (sim::Rand().Bernoulli(0.3)) {
        sim::SleepFor(sim::Rand().UniformDuration(1us, 1ms));
      } else {
        sim::Yield();
      }
    }
    q.ShutDownWithDrain();
    workers.Wait();
    for (const auto& [key, added] : last_add) {
      if (!(last_get[key] > added)) {
        ++out.lost;
      }
    }
  });
  return out;
}

}  // namespace

TEST_CASE("two workers never process one key at once, and no add is lost", "[runtime][workqueue]") {
  const auto seed = static_cast<std::uint64_t>(GENERATE(range(1, 9)));
  const WorkersOutcome first = RunWorkers(seed);
  INFO("seed " << seed << "\n" << first.result.report);
  REQUIRE(first.result.Passed());
  CHECK(first.overlaps == 0);
  CHECK(first.lost == 0);
  CHECK(first.processed <= first.adds);  // adds coalesce
  CHECK(first.processed > 0);

  const WorkersOutcome second = RunWorkers(seed);
  REQUIRE(second.result.Passed());
  CHECK(second.result.fingerprint == first.result.fingerprint);
  CHECK(second.processed == first.processed);
  CHECK(second.result.end_time == first.result.end_time);
}
