// runtime/src/retry.cc
#include "bubble/runtime/retry.h"

#include <bubble/sim/bubble.h>
#include <bubble/sim/rng.h>
#include <bubble/sim/timer.h>

namespace bubble::runtime {

Result<void> RetryOnConflict(const Backoff& backoff, const std::function<Result<void>()>& fn) {
  sim::Duration delay = backoff.duration;
  Result<void> last = fn();
  for (int attempt = 1; attempt < backoff.steps; ++attempt) {
    if (last.has_value() || !IsConflict(last.error())) {
      return last;
    }
    sim::Duration sleep = delay;
    if (backoff.jitter > 0) {
      sleep = sim::Rand().Jitter(delay, backoff.jitter);
    }
    sim::SleepFor(sleep);
    delay = std::chrono::duration_cast<sim::Duration>(delay * backoff.factor);
    if (backoff.cap > sim::Duration::zero() && delay > backoff.cap) {
      delay = backoff.cap;
    }
    last = fn();
  }
  return last;
}

}  // namespace bubble::runtime
