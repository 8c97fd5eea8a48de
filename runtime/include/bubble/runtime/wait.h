// runtime/include/bubble/runtime/wait.h
//
// File: apimachinery's wait package, the loops and backoffs controllers run on, on the loop's
// clock (virtual in a simulation, real on the real-time loop). Every random draw is sim::Rand()'s.
//
//   runtime::JitterUntil(ctx, 2s, 1.2, [&] { TryRenew(); });          // leader election
//   runtime::ExponentialBackoffManager backoff({});                    // a reflector's relists
//   while (!ListAndWatch(ctx)) { if (!backoff.Wait(ctx)) break; }
//
// Threading: call from a fiber (they sleep).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <bubble/sim/clock.h>
#include <bubble/sim/context.h>

namespace bubble::runtime {

// Releases a derived context on every way out, as Go's `defer cancel()`. Cancelling never blocks,
// so this is safe in a destructor, also while a fiber unwinds.
struct CancelOnExit {
  sim::CancelFunc cancel;

  ~CancelOnExit() { cancel(); }
};

// wait.JitterUntil(f, period, jitter_factor, /*sliding=*/true, ctx.Done()): runs f, then waits
// period (jittered by up to jitter_factor * period when jitter_factor > 0), until ctx is done. The
// jitter is drawn after every f, even the last one, as client-go's backoff manager does.
// jitter_factor 0 is wait.Until: no draw at all.
void JitterUntil(const sim::Context& ctx, sim::Duration period, double jitter_factor,
                 const std::function<void()>& f);

// wait.PollUntilContextTimeout(ctx, interval, timeout, /*immediate=*/true, condition): calls
// condition at once, then on a ticker started before that first call, until it returns true
// (kNone) or the timeout or ctx ends the poll (the context's error). condition receives the
// poll's context, which carries the deadline. A ctx already done returns at once without calling
// condition (apimachinery HEAD).
sim::ContextError PollImmediateUntilTimeout(
    const sim::Context& ctx, sim::Duration interval, sim::Duration timeout,
    const std::function<bool(const sim::Context&)>& condition, std::string ticker_name);

// wait.NewExponentialBackoffManager(initial, max, reset, factor, jitter): each Next() is the
// current step jittered by up to jitter * step, and the step grows by `factor` up to `max` (then
// stays there, still jittered); a Next() more than `reset` after the previous one starts again
// from `initial`. A jitter of 0 or less is 1.0, as in Go's wait.Jitter. The defaults are a
// reflector's (800 ms doubling to 30 s, reset after 2 min, jitter 1.0).
struct BackoffSettings {
  sim::Duration initial = std::chrono::milliseconds(800);
  sim::Duration max = std::chrono::seconds(30);
  sim::Duration reset = std::chrono::minutes(2);
  double factor = 2.0;
  double jitter = 1.0;
};

class ExponentialBackoffManager {
 public:
  explicit ExponentialBackoffManager(BackoffSettings settings) : settings_(settings) {}

  // The next interval to wait (draws its jitter now).
  sim::Duration Next();
  // Sleeps Next(); false if ctx ended first.
  bool Wait(const sim::Context& ctx);

 private:
  BackoffSettings settings_;
  sim::Duration base_ = settings_.initial;
  bool capped_ = false;
  std::optional<sim::TimePoint> last_at_{};
};

}  // namespace bubble::runtime
