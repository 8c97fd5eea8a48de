// runtime/src/workqueue/rate_limiter.cc
#include "bubble/runtime/workqueue/rate_limiter.h"

#include <cmath>
#include <cstdint>

namespace bubble::runtime::workqueue {

namespace detail {

sim::Duration ExponentialBackoff(sim::Duration base_delay, int exponent,
                                 sim::Duration max_delay) noexcept {
  // client-go: float64(base) * math.Pow(2, exp). Scaling by a power of two is exact in binary
  // floating point, so ldexp gives the same double (and +inf where Pow overflows).
  const double backoff = std::ldexp(static_cast<double>(base_delay.count()), exponent);
  // Go returns max when backoff > float64(MaxInt64) (= 2^63). Converting exactly 2^63 is
  // undefined in C++ (in Go it yields a negative duration), so 2^63 is capped too.
  constexpr double kTwoPow63 = 9223372036854775808.0;
  if (!(backoff < kTwoPow63)) {
    return max_delay;
  }
  const sim::Duration calculated(static_cast<std::int64_t>(backoff));
  return calculated > max_delay ? max_delay : calculated;
}

}  // namespace detail

template class RateLimiter<std::string>;
template class ItemExponentialFailureRateLimiter<std::string>;
template class ItemFastSlowRateLimiter<std::string>;
template class BucketRateLimiter<std::string>;
template class MaxOfRateLimiter<std::string>;
template class WithMaxWaitRateLimiter<std::string>;

}  // namespace bubble::runtime::workqueue
