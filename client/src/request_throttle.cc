// client/src/request_throttle.cc
#include "request_throttle.h"

#include <algorithm>

#include <bubble/sim/timer.h>

namespace bubble::client::detail {

RequestThrottle::RequestThrottle(double qps, int burst) {
  if (qps > 0) {
    bucket_.emplace(qps, std::max(burst, 1));
  }
}

runtime::Result<void> RequestThrottle::Wait(const sim::Context& ctx) {
  if (!bucket_) {
    return runtime::Ok();
  }
  const sim::Duration delay = bucket_->Reserve();
  if (delay > sim::Duration::zero() && !sim::SleepFor(delay, ctx)) {
    return runtime::Err(runtime::NewContextError(ctx.Err()));
  }
  return runtime::Ok();
}

}  // namespace bubble::client::detail
