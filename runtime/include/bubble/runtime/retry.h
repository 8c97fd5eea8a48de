// runtime/include/bubble/runtime/retry.h
//
// RetryOnConflict: client-go's retry.RetryOnConflict, on the loop's clock (virtual in a
// simulation, real on the real-time loop).
//
//   auto r = runtime::RetryOnConflict(runtime::kDefaultRetry, [&]() -> runtime::Result<void> {
//     auto cm = cms.Get("counter");               // re-read on every attempt: never re-send a
//     if (!cm) return runtime::Err(cm.error());   // stale object with a bumped resourceVersion
//     runtime::ConfigMap next = **cm;
//     next.data["count"] = ...;
//     auto updated = cms.Update(next);
//     if (!updated) return runtime::Err(updated.error());
//     return runtime::Ok();
//   });
//
// `fn` runs until it returns anything but a Conflict, at most `backoff.steps` times; between
// attempts the fiber sleeps the backoff delay (jitter drawn from the bubble's generator). The
// result is fn's last result (a Conflict when the attempts ran out).
// Threading: call from a fiber.
#pragma once

#include <functional>

#include <bubble/runtime/status.h>
#include <bubble/sim/clock.h>

namespace bubble::runtime {

// wait.Backoff: delay d, then d*factor, ... (capped at `cap` when non-zero), each plus up to
// jitter*delay of random extra delay; `steps` attempts in all.
struct Backoff {
  sim::Duration duration{};
  double factor = 1.0;
  double jitter = 0.0;
  int steps = 1;
  sim::Duration cap{};
};

// client-go's retry.DefaultRetry: 5 attempts, 10ms apart, 10% jitter.
inline constexpr Backoff kDefaultRetry{
    .duration = std::chrono::milliseconds(10), .factor = 1.0, .jitter = 0.1, .steps = 5};

Result<void> RetryOnConflict(const Backoff& backoff, const std::function<Result<void>()>& fn);

}  // namespace bubble::runtime
