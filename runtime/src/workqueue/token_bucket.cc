// runtime/src/workqueue/token_bucket.cc
#include "bubble/runtime/workqueue/token_bucket.h"

#include <cstdint>

namespace bubble::runtime::workqueue {

namespace {

constexpr double kNanosPerSecond = 1e9;
// float64(math.MaxInt64) in Go is 2^63; converting it or anything larger to int64 is undefined
// in C++, so the bound is inclusive here (Go's is exclusive, which only differs at exactly 2^63).
constexpr double kTwoPow63 = 9223372036854775808.0;

// x/time/rate's Limit.durationFromTokens.
sim::Duration DurationFromTokens(double limit, double tokens) noexcept {
  if (limit <= 0) {
    return TokenBucket::kInfDuration;
  }
  const double nanos = (tokens / limit) * kNanosPerSecond;
  if (!(nanos < kTwoPow63)) {
    return TokenBucket::kInfDuration;
  }
  return sim::Duration(static_cast<std::int64_t>(nanos));  // truncates, as Go's conversion
}

// x/time/rate's Limit.tokensFromDuration, with Go's time.Duration.Seconds().
double TokensFromDuration(double limit, sim::Duration d) noexcept {
  if (limit <= 0) {
    return 0;
  }
  const std::int64_t ns = d.count();
  const std::int64_t sec = ns / 1'000'000'000;
  const std::int64_t nsec = ns % 1'000'000'000;
  const double seconds = static_cast<double>(sec) + static_cast<double>(nsec) / kNanosPerSecond;
  return seconds * limit;
}

}  // namespace

TokenBucket::TokenBucket(double limit, int burst) noexcept
    : limit_(limit), burst_(burst), tokens_(static_cast<double>(burst)) {}

double TokenBucket::Advance(sim::TimePoint now) const noexcept {
  sim::TimePoint last = has_last_ ? last_ : now;
  if (now < last) {
    last = now;
  }
  const double tokens = tokens_ + TokensFromDuration(limit_, now - last);
  const double burst = static_cast<double>(burst_);
  return tokens > burst ? burst : tokens;
}

sim::Duration TokenBucket::Reserve(sim::TimePoint now) noexcept {
  if (limit_ >= kInf) {  // rate.Inf (and +infinity)
    return sim::Duration::zero();
  }
  double tokens = Advance(now);
  tokens -= 1;
  sim::Duration wait = sim::Duration::zero();
  if (tokens < 0) {
    wait = DurationFromTokens(limit_, -tokens);
  }
  if (burst_ < 1) {  // n <= burst fails: the reservation is refused and the bucket unchanged
    return kInfDuration;
  }
  has_last_ = true;
  last_ = now;
  tokens_ = tokens;
  return wait;  // Delay() at the same instant: timeToAct - now
}

double TokenBucket::Tokens(sim::TimePoint now) const noexcept {
  return Advance(now);
}

}  // namespace bubble::runtime::workqueue
