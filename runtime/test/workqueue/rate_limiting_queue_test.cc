// runtime/test/workqueue/rate_limiting_queue_test.cc: AddRateLimited, Forget, NumRequeues and
// the standard worker step (SEMANTICS.md §7.3, §7.4) on the virtual clock.
#include "bubble/runtime/workqueue/rate_limiting_queue.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
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

using Handout = std::pair<std::string, sim::Duration>;

}  // namespace

TEST_CASE("AddRateLimited waits the limiter's delay and Forget restarts the sequence",
          "[runtime][workqueue]") {
  // client-go TestRateLimitingQueue, observed through Get times instead of the loop's channel.
  std::vector<Handout> got;
  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::RateLimitingQueue<> q(std::make_unique<wq::ItemExponentialFailureRateLimiter<>>(1ms, 1s));
    const auto take = [&] {
      const auto k = q.Get();
      got.emplace_back(*k, Since(sim::Now()));
      q.Done(*k);
    };
    q.AddRateLimited("one");  // 1ms
    take();
    q.AddRateLimited("one");  // 2ms
    take();
    CHECK(q.NumRequeues("one") == 2);

    q.AddRateLimited("two");  // 1ms
    take();
    q.AddRateLimited("two");  // 2ms
    take();

    q.Forget("one");
    CHECK(q.NumRequeues("one") == 0);
    q.AddRateLimited("one");  // 1ms again
    take();
    q.ShutDown();
  });
  CHECK(got ==
        std::vector<Handout>{{"one", 1ms}, {"one", 3ms}, {"two", 4ms}, {"two", 6ms}, {"one", 7ms}});
}

TEST_CASE("with the default controller limiter the 101st key waits for the bucket",
          "[runtime][workqueue]") {
  const auto seed = static_cast<std::uint64_t>(GENERATE(range(1, 4)));
  std::vector<Handout> got;
  bubble::testing::RunOnce({.seed = seed, .strategy = sim::StrategyKind::kRandom},
                           [&](sim::Bubble&) {
                             wq::RateLimitingQueue<> q(wq::DefaultControllerRateLimiter());
                             sim::WaitGroup worker;
                             worker.Go("worker", [&] {
                               while (auto k = q.Get()) {
                                 got.emplace_back(*k, Since(sim::Now()));
                                 q.Done(*k);
                               }
                             });
                             for (int i = 0; i < 120; ++i) {
                               q.AddRateLimited(fmt::format("key-{:03}", i));
                             }
                             sim::SleepFor(30s);
                             q.ShutDown();
                             worker.Wait();
                           });
  REQUIRE(got.size() == 120);
  for (int i = 0; i < 100; ++i) {  // the burst: only the exponential's first 5ms
    INFO("key " << i);
    CHECK(got[static_cast<std::size_t>(i)] == Handout{fmt::format("key-{:03}", i), 5ms});
  }
  for (int k = 1; k <= 20; ++k) {  // then one per 100ms (10 qps)
    INFO("key " << 99 + k);
    CHECK(got[static_cast<std::size_t>(99 + k)] ==
          Handout{fmt::format("key-{:03}", 99 + k), 100ms * k});
  }
}

TEST_CASE("ProcessNextItem retries a failing key with backoff, then forgets it on success",
          "[runtime][workqueue]") {
  std::vector<sim::Duration> attempts;
  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::RateLimitingQueue<> q(wq::DefaultControllerRateLimiter());
    sim::WaitGroup worker;
    worker.Go("worker", [&] {
      while (wq::ProcessNextItem(q, [&](const std::string& key) {
        CHECK(key == "default/web");
        attempts.push_back(Since(sim::Now()));
        return attempts.size() >= 4;  // fails three times
      })) {
      }
    });
    q.Add("default/web");
    sim::SleepFor(1s);
    CHECK(q.NumRequeues("default/web") == 0);  // forgotten after the success
    CHECK(q.Len() == 0);
    q.ShutDown();
    worker.Wait();
  });
  // 0, then +5ms, +10ms, +20ms.
  CHECK(attempts == std::vector<sim::Duration>{0ms, 5ms, 15ms, 35ms});
}

TEST_CASE("ProcessNextItem calls Done when the function throws", "[runtime][workqueue]") {
  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::RateLimitingQueue<> q(wq::DefaultControllerRateLimiter());
    q.Add("k");
    CHECK_THROWS_AS(wq::ProcessNextItem(
                        q, [](const std::string&) -> bool { throw std::runtime_error("boom"); }),
                    std::runtime_error);
    // "k" is no longer processing: adding it queues it again and Done was not skipped.
    q.Add("k");
    CHECK(q.Len() == 1);
    CHECK(q.NumRequeues("k") == 0);  // neither forgotten nor rate limited: untouched
    q.ShutDown();
    CHECK(wq::ProcessNextItem(q, [](const std::string&) { return true; }));
    CHECK_FALSE(wq::ProcessNextItem(q, [](const std::string&) { return true; }));
  });
}

TEST_CASE("Forget does not cancel a pending AddRateLimited", "[runtime][workqueue]") {
  std::optional<sim::Duration> got_at;
  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::RateLimitingQueue<> q(wq::DefaultItemBasedRateLimiter());
    q.AddRateLimited("k");  // 1ms
    q.Forget("k");
    const auto k = q.Get();
    got_at = Since(sim::Now());
    q.Done(*k);
    q.ShutDown();
  });
  CHECK(got_at == std::optional<sim::Duration>(1ms));
}

TEST_CASE("AddRateLimited after ShutDown still advances the limiter but adds nothing",
          "[runtime][workqueue]") {
  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::RateLimitingQueue<> q(wq::DefaultItemBasedRateLimiter());
    q.ShutDown();
    q.AddRateLimited("k");
    CHECK(q.NumRequeues("k") == 1);
    CHECK(q.Len() == 0);
  });
}

TEST_CASE("a rate-limiting queue needs a limiter", "[runtime][workqueue]") {
  sim::Bubble b;
  auto r = b.Run([&] { CHECK_THROWS_AS(wq::RateLimitingQueue<>(nullptr), bubble::UsageError); });
  INFO(r.report);
  REQUIRE(r.Passed());
}

namespace {

struct ControllerOutcome {
  sim::RunResult result;
  int overlaps = 0;
  int reconciles = 0;
  std::map<std::string, int> final_generation;  // what the "controller" last reconciled
  std::map<std::string, int> source_generation;
};

// A miniature controller: 4 workers reconcile keys with random failures and random latency
// while a producer bumps the keys' generations; the queue uses the default controller limiter.
ControllerOutcome RunController(std::uint64_t seed) {
  ControllerOutcome out;
  sim::Bubble b({.seed = seed, .strategy = sim::StrategyKind::kRandom});
  out.result = b.Run([&] {
    wq::RateLimitingQueue<> q(wq::DefaultControllerRateLimiter(), "controller");
    std::set<std::string> in_flight;
    const auto reconcile = [&](const std::string& key) {
      if (!in_flight.insert(key).second) {
        ++out.overlaps;
      }
      ++out.reconciles;
      const int seen = out.source_generation[key];
      sim::SleepFor(sim::Rand().UniformDuration(10us, 3ms));
      in_flight.erase(key);
      if (sim::Rand().Bernoulli(0.3)) {
        return false;  // an injected error: retried with backoff
      }
      out.final_generation[key] = seen;
      return true;
    };
    sim::WaitGroup workers;
    for (int w = 0; w < 4; ++w) {
      workers.Go(fmt::format("worker-{}", w), [&] {
        while (wq::ProcessNextItem(q, reconcile)) {
        }
      });
    }
    for (int i = 0; i < 200; ++i) {
      const std::string key = fmt::format("default/cm-{}", sim::Rand().Uniform(5));
      ++out.source_generation[key];
      q.Add(key);
      sim::SleepFor(sim::Rand().UniformDuration(1us, 2ms));
    }
    sim::SleepFor(10min);  // faults are random, not stopped: give retries time to converge
    q.ShutDownWithDrain();
    workers.Wait();
  });
  return out;
}

}  // namespace

TEST_CASE("workers with retries never reconcile one key at once and converge",
          "[runtime][workqueue]") {
  const auto seed = static_cast<std::uint64_t>(GENERATE(range(1, 7)));
  const ControllerOutcome first = RunController(seed);
  INFO("seed " << seed << "\n" << first.result.report);
  REQUIRE(first.result.Passed());
  CHECK(first.overlaps == 0);
  CHECK(first.final_generation == first.source_generation);

  const ControllerOutcome second = RunController(seed);
  REQUIRE(second.result.Passed());
  CHECK(second.result.fingerprint == first.result.fingerprint);
  CHECK(second.reconciles == first.reconciles);
}
