// runtime/test/workqueue/rate_limiter_test.cc: every limiter's sequence of delays
// (SEMANTICS.md §7.3), ported from client-go's default_rate_limiters_test.go. Outside a bubble
// the virtual clock reads Epoch(), i.e. all calls happen at one instant; the refill tests run in
// a bubble.
#include "bubble/runtime/workqueue/rate_limiter.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/runtime/workqueue/token_bucket.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>
#include <bubble/testing/testing.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;
namespace wq = bubble::runtime::workqueue;

namespace {

// The next `n` delays `limiter` answers for `key`.
std::vector<sim::Duration> Delays(wq::RateLimiter<>& limiter, const std::string& key, int n) {
  std::vector<sim::Duration> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    out.push_back(limiter.When(key));
  }
  return out;
}

}  // namespace

TEST_CASE("the exponential limiter doubles per failure of a key and Forget resets it",
          "[runtime][workqueue]") {
  // client-go TestItemExponentialFailureRateLimiter
  wq::ItemExponentialFailureRateLimiter<> limiter(1ms, 1s);
  const std::vector<sim::Duration> one = Delays(limiter, "one", 5);
  CHECK(one == std::vector<sim::Duration>{1ms, 2ms, 4ms, 8ms, 16ms});
  CHECK(limiter.NumRequeues("one") == 5);

  CHECK(limiter.When("two") == 1ms);
  CHECK(limiter.When("two") == 2ms);
  CHECK(limiter.NumRequeues("two") == 2);

  limiter.Forget("one");
  CHECK(limiter.NumRequeues("one") == 0);
  CHECK(limiter.When("one") == 1ms);
  CHECK(limiter.NumRequeues("never") == 0);
}

TEST_CASE("the exponential limiter caps at its maximum, also when the float overflows",
          "[runtime][workqueue]") {
  // client-go TestItemExponentialFailureRateLimiterOverFlow
  wq::ItemExponentialFailureRateLimiter<> limiter(1ms, 1000s);
  for (int i = 0; i < 5; ++i) {
    limiter.When("one");
  }
  CHECK(limiter.When("one") == 32ms);
  for (int i = 0; i < 1000; ++i) {
    limiter.When("overflow1");
  }
  CHECK(limiter.When("overflow1") == 1000s);  // 2^1000 ms is +inf as a double

  wq::ItemExponentialFailureRateLimiter<> minutes(1min, 1000h);
  for (int i = 0; i < 2; ++i) {
    minutes.When("two");
  }
  CHECK(minutes.When("two") == 4min);
  for (int i = 0; i < 1000; ++i) {
    minutes.When("overflow2");
  }
  CHECK(minutes.When("overflow2") == 1000h);
}

TEST_CASE("the exponential limiter caps where base times 2^n passes int64 nanoseconds",
          "[runtime][workqueue]") {
  // 1ns·2^62 fits; 1ns·2^63 does not fit in int64 (Go would return a negative duration there).
  wq::ItemExponentialFailureRateLimiter<> limiter(1ns, sim::Duration::max());
  for (int i = 0; i < 62; ++i) {
    limiter.When("k");
  }
  CHECK(limiter.When("k") == sim::Duration(std::int64_t{1} << 62));
  CHECK(limiter.When("k") == sim::Duration::max());
  CHECK(limiter.When("k") == sim::Duration::max());
}

TEST_CASE("the default controller limiter's per-key sequence is 5ms doubling up to 1000s",
          "[runtime][workqueue]") {
  auto limiter = wq::DefaultControllerRateLimiter();
  const std::vector<sim::Duration> delays = Delays(*limiter, "key", 21);
  // 21 calls for one key stay far inside the bucket's burst of 100: only the exponential shows.
  for (int i = 0; i < 17; ++i) {
    INFO("failure " << i + 1);
    CHECK(delays[static_cast<std::size_t>(i)] == 5ms * (std::int64_t{1} << i));
  }
  CHECK(delays[17] == 655360ms);  // the 18th failure: 655.36s
  CHECK(delays[18] == 1000s);     // the 19th and later: capped
  CHECK(delays[19] == 1000s);
  CHECK(delays[20] == 1000s);
  CHECK(limiter->NumRequeues("key") == 21);
  limiter->Forget("key");
  CHECK(limiter->NumRequeues("key") == 0);
  CHECK(limiter->When("key") == 5ms);
}

TEST_CASE("the default item-based limiter is exponential from 1ms", "[runtime][workqueue]") {
  auto limiter = wq::DefaultItemBasedRateLimiter();
  CHECK(limiter->When("k") == 1ms);
  CHECK(limiter->When("k") == 2ms);
  CHECK(limiter->When("k") == 4ms);
  CHECK(limiter->NumRequeues("k") == 3);
}

TEST_CASE("the fast-slow limiter answers fast for the first tries of a key, then slow",
          "[runtime][workqueue]") {
  // client-go TestItemFastSlowRateLimiter
  wq::ItemFastSlowRateLimiter<> limiter(5ms, 10s, 3);
  const std::vector<sim::Duration> one = Delays(limiter, "one", 5);
  CHECK(one == std::vector<sim::Duration>{5ms, 5ms, 5ms, 10s, 10s});
  CHECK(limiter.NumRequeues("one") == 5);

  CHECK(limiter.When("two") == 5ms);
  CHECK(limiter.When("two") == 5ms);
  CHECK(limiter.NumRequeues("two") == 2);

  limiter.Forget("one");
  CHECK(limiter.NumRequeues("one") == 0);
  CHECK(limiter.When("one") == 5ms);
}

TEST_CASE("the max-of limiter answers the largest delay and advances every limiter",
          "[runtime][workqueue]") {
  // client-go TestMaxOfRateLimiter
  wq::MaxOfRateLimiter<> limiter(
      std::make_unique<wq::ItemFastSlowRateLimiter<>>(5ms, 3s, 3),
      std::make_unique<wq::ItemExponentialFailureRateLimiter<>>(1ms, 1s));
  const std::vector<sim::Duration> one = Delays(limiter, "one", 5);
  // fast-slow: 5ms 5ms 5ms 3s 3s; exponential: 1 2 4 8 16 ms.
  CHECK(one == std::vector<sim::Duration>{5ms, 5ms, 5ms, 3s, 3s});
  CHECK(limiter.NumRequeues("one") == 5);

  CHECK(limiter.When("two") == 5ms);
  CHECK(limiter.When("two") == 5ms);
  CHECK(limiter.NumRequeues("two") == 2);

  limiter.Forget("one");
  CHECK(limiter.NumRequeues("one") == 0);
  CHECK(limiter.When("one") == 5ms);
}

TEST_CASE("the max-of limiter is the larger of two exponentials with different bases",
          "[runtime][workqueue]") {
  std::vector<std::unique_ptr<wq::RateLimiter<>>> parts;
  parts.push_back(std::make_unique<wq::ItemExponentialFailureRateLimiter<>>(1ms, 1s));
  parts.push_back(std::make_unique<wq::ItemExponentialFailureRateLimiter<>>(3ms, 10ms));
  wq::MaxOfRateLimiter<> limiter(std::move(parts));
  const std::vector<sim::Duration> delays = Delays(limiter, "k", 12);
  CHECK(delays == std::vector<sim::Duration>{3ms, 6ms, 10ms, 10ms, 16ms, 32ms, 64ms, 128ms, 256ms,
                                             512ms, 1s, 1s});
}

TEST_CASE("the max-wait limiter caps another limiter's delay", "[runtime][workqueue]") {
  // client-go TestWithMaxWaitRateLimiter, exact on the virtual clock: distinct keys, so the
  // exponential part stays at 5ms and the bucket decides from the 101st call on.
  wq::WithMaxWaitRateLimiter<> limiter(wq::DefaultControllerRateLimiter(), 500s);
  for (int i = 0; i < 100; ++i) {
    REQUIRE(limiter.When(fmt::format("{}", i)) == 5ms);
  }
  for (int i = 100; i < 5100; ++i) {
    const sim::Duration d = limiter.When(fmt::format("{}", i));
    REQUIRE(d <= 500s);
    REQUIRE(d >= 100ms * (i - 99) - 1ns);  // x/time/rate truncates some products by 1ns
  }
  for (int i = 5100; i < 5200; ++i) {
    REQUIRE(limiter.When(fmt::format("{}", i)) == 500s);
  }
}

TEST_CASE("the bucket limiter passes a full burst at once, then spaces calls 1/qps apart",
          "[runtime][workqueue]") {
  wq::BucketRateLimiter<> limiter(10, 100);
  for (int i = 0; i < 100; ++i) {
    INFO("call " << i + 1);
    REQUIRE(limiter.When("any") == 0s);
  }
  for (int k = 1; k <= 40; ++k) {
    INFO("call " << 100 + k);
    REQUIRE(limiter.When("any") == 100ms * k);
  }
  // x/time/rate computes (41 / 10) * 1e9 in float64 and truncates: 4099999999ns, not 4.1s.
  CHECK(limiter.When("any") == 4099999999ns);
  CHECK(limiter.NumRequeues("any") == 0);
  limiter.Forget("any");  // no per-key state: the debt stays
  CHECK(limiter.When("any") == 4200ms);
}

TEST_CASE("the bucket limiter refills at qps on the virtual clock", "[runtime][workqueue]") {
  std::vector<sim::Duration> after_pause;
  std::vector<sim::Duration> after_debt;
  bubble::testing::RunOnce({.seed = 1, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
    wq::BucketRateLimiter<> limiter(10, 100);
    for (int i = 0; i < 100; ++i) {
      limiter.When("k");
    }
    sim::SleepFor(1s);  // 10 tokens back
    for (int i = 0; i < 11; ++i) {
      after_pause.push_back(limiter.When("k"));
    }
    // 1 token in debt; 4 more calls go 5 deep. 1.5s later 15 tokens came: 10 left.
    for (int i = 0; i < 4; ++i) {
      limiter.When("k");
    }
    sim::SleepFor(1500ms);
    CHECK(limiter.Bucket().Tokens() == Approx(10.0));
    for (int i = 0; i < 11; ++i) {
      after_debt.push_back(limiter.When("k"));
    }
  });
  std::vector<sim::Duration> expected(10, 0s);
  expected.push_back(100ms);
  CHECK(after_pause == expected);
  CHECK(after_debt == expected);
}

TEST_CASE("the default controller limiter's bucket kicks in at the 101st key",
          "[runtime][workqueue]") {
  auto limiter = wq::DefaultControllerRateLimiter();
  for (int i = 0; i < 100; ++i) {
    INFO("key " << i);
    REQUIRE(limiter->When(fmt::format("key-{}", i)) == 5ms);  // the exponential's first step
  }
  for (int k = 1; k <= 20; ++k) {
    INFO("key " << 99 + k);
    REQUIRE(limiter->When(fmt::format("key-{}", 99 + k)) == 100ms * k);  // 10 qps
  }
}

TEST_CASE("the token bucket's special cases follow x/time/rate", "[runtime][workqueue]") {
  SECTION("an infinite limit never delays") {
    wq::TokenBucket inf(wq::TokenBucket::kInf, 0);
    for (int i = 0; i < 1000; ++i) {
      REQUIRE(inf.Reserve() == 0s);
    }
    wq::TokenBucket plus_inf(std::numeric_limits<double>::infinity(), 1);
    CHECK(plus_inf.Reserve() == 0s);
    CHECK(plus_inf.Reserve() == 0s);
  }
  SECTION("a zero burst with a finite limit never allows") {
    wq::TokenBucket none(10, 0);
    CHECK(none.Reserve() == wq::TokenBucket::kInfDuration);
    CHECK(none.Reserve() == wq::TokenBucket::kInfDuration);
  }
  SECTION("a zero limit allows the burst, then waits forever") {
    wq::TokenBucket zero(0, 2);
    CHECK(zero.Reserve() == 0s);
    CHECK(zero.Reserve() == 0s);
    CHECK(zero.Reserve() == wq::TokenBucket::kInfDuration);
  }
  SECTION("tokens are reported without being taken") {
    wq::TokenBucket bucket(2, 3);
    CHECK(bucket.Tokens() == 3.0);
    bucket.Reserve();
    CHECK(bucket.Tokens() == 2.0);
    CHECK(bucket.Tokens(sim::Clock::Epoch() + 250ms) == 2.5);
    CHECK(bucket.Tokens(sim::Clock::Epoch() + 10s) == 3.0);  // capped at the burst
  }
}
