// runtime/include/bubble/runtime/workqueue/rate_limiter.h
//
// File: client-go's workqueue rate limiters (docs/semantics.md §7.3), with their exact numbers.
//
// A RateLimiter answers "how long should this key wait before it is retried?" (When), counts the
// retries (NumRequeues) and forgets a key once it succeeded (Forget). A RateLimitingQueue calls
// When on every AddRateLimited.
//
//   ItemExponentialFailureRateLimiter   base·2^failures per key, capped (also on overflow)
//   ItemFastSlowRateLimiter             `fast` for the first n tries of a key, then `slow`
//   BucketRateLimiter                   one token bucket for all keys (virtual clock)
//   MaxOfRateLimiter                    the largest answer of several limiters (all advance)
//   WithMaxWaitRateLimiter              another limiter's answer, capped
//   DefaultControllerRateLimiter()      MaxOf(Exponential(5ms, 1000s), Bucket(10 qps, burst 100))
//   DefaultItemBasedRateLimiter()       Exponential(1ms, 1000s)
//
// With DefaultControllerRateLimiter one key failing again and again waits 5ms, 10ms, 20ms, ...
// (the 18th failure waits 655.36s, the 19th and later 1000s); across keys the first 100 retries
// at one instant pass the bucket at once and later ones are spaced 1/10 s apart.
//
// Ordering and determinism: per-key state lives in ordered maps that are only looked up; every
// answer is a pure function of the calls so far and of virtual time (BucketRateLimiter reads
// bubble::sim::Clock::now(), Epoch() outside a running bubble, so limiters can be unit tested
// without one).
// Threading: single-threaded values; use one limiter from one bubble (or none).
// Cost: O(log n) in the number of keys with state; BucketRateLimiter O(1).
#pragma once

#include <algorithm>
#include <concepts>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <bubble/runtime/workqueue/queue.h>
#include <bubble/runtime/workqueue/token_bucket.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/error.h>

namespace bubble::runtime::workqueue {

// client-go's TypedRateLimiter[T].
template <WorkItem T = std::string>
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // How long `item` should wait before its next try; records the try.
  virtual sim::Duration When(const T& item) = 0;
  // Drops what the limiter remembers about `item` (call it once `item` succeeded).
  virtual void Forget(const T& item) = 0;
  // How many times `item` has been retried (as this limiter counts them).
  virtual int NumRequeues(const T& item) const = 0;
};

namespace detail {
// base·2^exponent, or `max_delay` if that is larger or does not fit in int64 nanoseconds
// (client-go's float64 arithmetic, bit for bit).
sim::Duration ExponentialBackoff(sim::Duration base_delay, int exponent,
                                 sim::Duration max_delay) noexcept;
}  // namespace detail

// Per key: the n-th failure (counting from 0) waits base_delay·2^n, capped at max_delay.
// client-go: 1ms base, 1s max gives 1, 2, 4, 8, 16 ms; NumRequeues is then 5.
template <WorkItem T = std::string>
class ItemExponentialFailureRateLimiter final : public RateLimiter<T> {
 public:
  ItemExponentialFailureRateLimiter(sim::Duration base_delay, sim::Duration max_delay)
      : base_delay_(base_delay), max_delay_(max_delay) {}

  sim::Duration When(const T& item) override {
    int& failures = failures_[item];
    const int exponent = failures;
    ++failures;
    return detail::ExponentialBackoff(base_delay_, exponent, max_delay_);
  }

  void Forget(const T& item) override { failures_.erase(item); }

  int NumRequeues(const T& item) const override {
    const auto it = failures_.find(item);
    return it == failures_.end() ? 0 : it->second;
  }

 private:
  sim::Duration base_delay_;
  sim::Duration max_delay_;
  std::map<T, int> failures_;
};

// Per key: the first `max_fast_attempts` tries wait `fast_delay`, later ones `slow_delay`.
template <WorkItem T = std::string>
class ItemFastSlowRateLimiter final : public RateLimiter<T> {
 public:
  ItemFastSlowRateLimiter(sim::Duration fast_delay, sim::Duration slow_delay, int max_fast_attempts)
      : fast_delay_(fast_delay), slow_delay_(slow_delay), max_fast_attempts_(max_fast_attempts) {}

  sim::Duration When(const T& item) override {
    const int attempts = ++attempts_[item];
    return attempts <= max_fast_attempts_ ? fast_delay_ : slow_delay_;
  }

  void Forget(const T& item) override { attempts_.erase(item); }

  int NumRequeues(const T& item) const override {
    const auto it = attempts_.find(item);
    return it == attempts_.end() ? 0 : it->second;
  }

 private:
  sim::Duration fast_delay_;
  sim::Duration slow_delay_;
  int max_fast_attempts_;
  std::map<T, int> attempts_;
};

// One token bucket shared by all keys (x/time/rate's Reserve().Delay() on the virtual clock):
// `qps` tokens per second, `burst` tokens, starting full. No per-key state: NumRequeues is 0 and
// Forget does nothing.
template <WorkItem T = std::string>
class BucketRateLimiter final : public RateLimiter<T> {
 public:
  BucketRateLimiter(double qps, int burst) noexcept : bucket_(qps, burst) {}

  sim::Duration When(const T& /*item*/) override { return bucket_.Reserve(); }

  void Forget(const T& /*item*/) override {}

  int NumRequeues(const T& /*item*/) const override { return 0; }

  TokenBucket& Bucket() noexcept { return bucket_; }

 private:
  TokenBucket bucket_;
};

// Asks every limiter (so all of them advance) and answers the largest delay; NumRequeues is the
// largest count; Forget forgets in all of them. Limiters are asked in the order given.
template <WorkItem T = std::string>
class MaxOfRateLimiter final : public RateLimiter<T> {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter<T>>> limiters)
      : limiters_(std::move(limiters)) {
    for (const auto& l : limiters_) {
      BUBBLE_EXPECT(l != nullptr, "MaxOfRateLimiter given a null limiter: pass real limiters");
    }
  }

  // MaxOfRateLimiter<>(std::make_unique<A>(...), std::make_unique<B>(...))
  template <std::derived_from<RateLimiter<T>>... Limiters>

  requires(sizeof...(Limiters) > 0) explicit MaxOfRateLimiter(std::unique_ptr<Limiters>... limiters)
      : MaxOfRateLimiter(Collect(std::move(limiters)...)) {}

  sim::Duration When(const T& item) override {
    sim::Duration longest = sim::Duration::zero();
    for (const auto& l : limiters_) {
      longest = std::max(longest, l->When(item));
    }
    return longest;
  }

  void Forget(const T& item) override {
    for (const auto& l : limiters_) {
      l->Forget(item);
    }
  }

  int NumRequeues(const T& item) const override {
    int most = 0;
    for (const auto& l : limiters_) {
      most = std::max(most, l->NumRequeues(item));
    }
    return most;
  }

 private:
  template <class... Limiters>
  static std::vector<std::unique_ptr<RateLimiter<T>>> Collect(
      std::unique_ptr<Limiters>... limiters) {
    std::vector<std::unique_ptr<RateLimiter<T>>> out;
    out.reserve(sizeof...(Limiters));
    (out.push_back(std::move(limiters)), ...);
    return out;
  }

  std::vector<std::unique_ptr<RateLimiter<T>>> limiters_;
};

// `limiter`'s answer, capped at `max_delay`. Forget and NumRequeues go to `limiter`.
template <WorkItem T = std::string>
class WithMaxWaitRateLimiter final : public RateLimiter<T> {
 public:
  WithMaxWaitRateLimiter(std::unique_ptr<RateLimiter<T>> limiter, sim::Duration max_delay)
      : limiter_(std::move(limiter)), max_delay_(max_delay) {
    BUBBLE_EXPECT(limiter_ != nullptr,
                  "WithMaxWaitRateLimiter given a null limiter: pass the limiter to cap");
  }

  sim::Duration When(const T& item) override { return std::min(limiter_->When(item), max_delay_); }

  void Forget(const T& item) override { limiter_->Forget(item); }

  int NumRequeues(const T& item) const override { return limiter_->NumRequeues(item); }

 private:
  std::unique_ptr<RateLimiter<T>> limiter_;
  sim::Duration max_delay_;
};

// client-go's DefaultControllerRateLimiter: exponential per key (5ms, 1000s) and an overall
// token bucket (10 qps, burst 100), whichever waits longer.
template <WorkItem T = std::string>
std::unique_ptr<RateLimiter<T>> DefaultControllerRateLimiter() {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  return std::make_unique<MaxOfRateLimiter<T>>(
      std::make_unique<ItemExponentialFailureRateLimiter<T>>(milliseconds(5), seconds(1000)),
      std::make_unique<BucketRateLimiter<T>>(10.0, 100));
}

// client-go's DefaultItemBasedRateLimiter: exponential per key (1ms, 1000s).
template <WorkItem T = std::string>
std::unique_ptr<RateLimiter<T>> DefaultItemBasedRateLimiter() {
  return std::make_unique<ItemExponentialFailureRateLimiter<T>>(std::chrono::milliseconds(1),
                                                                std::chrono::seconds(1000));
}

// Compiled once in rate_limiter.cc for the common key type.
extern template class RateLimiter<std::string>;
extern template class ItemExponentialFailureRateLimiter<std::string>;
extern template class ItemFastSlowRateLimiter<std::string>;
extern template class BucketRateLimiter<std::string>;
extern template class MaxOfRateLimiter<std::string>;
extern template class WithMaxWaitRateLimiter<std::string>;

}  // namespace bubble::runtime::workqueue
