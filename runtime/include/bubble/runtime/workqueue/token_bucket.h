// runtime/include/bubble/runtime/workqueue/token_bucket.h
//
// File: a token bucket on the virtual clock, the part of Go's golang.org/x/time/rate that
// client-go's BucketRateLimiter uses (Limiter.Reserve().Delay()).
//
// The bucket holds up to `burst` tokens and starts full. It refills at `limit` tokens per second
// of virtual time. Reserve() takes one token: if one is there the delay is zero; otherwise the
// bucket goes into debt and the delay is the time until the debt would be repaid, so reservations
// made at one instant line up 1/limit apart. The arithmetic is x/time/rate's (current releases:
// float64 tokens, tokens-from-duration as d.Seconds() * limit, durations truncated towards zero),
// so delays match Go's to the nanosecond.
//
//   TokenBucket bucket(10, 100);       // 10 per second, burst 100
//   bucket.Reserve();                   // 0 for the first 100 calls at one instant,
//                                       // then 100ms, 200ms, ... (x/time/rate's rounding)
//
// Special cases, as in Go: limit = kInf (or +infinity) never delays; limit <= 0 gives kInfDuration
// once the burst is used up; burst < 1 with a finite limit always gives kInfDuration.
//
// Threading: a plain value; the no-argument overloads read bubble::sim::Clock::now(), which is
// the current bubble's virtual time, or Epoch() outside a running bubble.
// Cost: a few floating-point operations, no allocation.
#pragma once

#include <limits>

#include <bubble/sim/clock.h>

namespace bubble::runtime::workqueue {

class TokenBucket {
 public:
  // Go's rate.InfDuration: the delay of a reservation that can never be satisfied.
  static constexpr sim::Duration kInfDuration = sim::Duration::max();
  // Go's rate.Inf: a limit that allows every event.
  static constexpr double kInf = std::numeric_limits<double>::max();

  // `limit`: tokens per second (kInf: unlimited). `burst`: bucket size.
  TokenBucket(double limit, int burst) noexcept;

  // Takes one token at `now` and returns how long to wait before acting (Go's
  // Reserve().Delay()). Precondition: `now` does not go backwards by more than Go tolerates
  // (an earlier time is treated as the last reservation's time).
  sim::Duration Reserve(sim::TimePoint now) noexcept;

  sim::Duration Reserve() noexcept { return Reserve(sim::Clock::now()); }

  // The tokens available at `now` (negative while in debt), without changing the bucket.
  double Tokens(sim::TimePoint now) const noexcept;

  double Tokens() const noexcept { return Tokens(sim::Clock::now()); }

  double Limit() const noexcept { return limit_; }

  int Burst() const noexcept { return burst_; }

 private:
  double Advance(sim::TimePoint now) const noexcept;

  double limit_;
  int burst_;
  double tokens_;
  bool has_last_ = false;
  sim::TimePoint last_{};
};

}  // namespace bubble::runtime::workqueue
