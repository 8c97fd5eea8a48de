// client/src/request_throttle.h
//
// RequestThrottle: the client-side rate limit (client-go's flowcontrol.NewTokenBucketRateLimiter):
// a token bucket on the loop's clock (runtime's workqueue::TokenBucket, Go's x/time/rate
// arithmetic) that every request waits on before it is sent.
#pragma once

#include <optional>

#include <bubble/runtime/status.h>
#include <bubble/runtime/workqueue/token_bucket.h>
#include <bubble/sim/context.h>

namespace bubble::client::detail {

class RequestThrottle {
 public:
  // qps <= 0: never waits.
  RequestThrottle(double qps, int burst);

  // Takes a token, sleeping until it is due; the context's error if `ctx` ends first.
  runtime::Result<void> Wait(const sim::Context& ctx);

 private:
  std::optional<runtime::workqueue::TokenBucket> bucket_{};
};

}  // namespace bubble::client::detail
