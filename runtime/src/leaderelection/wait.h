// runtime/src/leaderelection/wait.h: the two loops of apimachinery's wait package that leader
// election runs on, on the virtual clock.
#pragma once

#include <functional>
#include <string>

#include <bubble/sim/clock.h>
#include <bubble/sim/context.h>

namespace bubble::runtime::leaderelection::detail {

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
// condition (apimachinery HEAD; the seed called it once).
sim::ContextError PollImmediateUntilTimeout(
    const sim::Context& ctx, sim::Duration interval, sim::Duration timeout,
    const std::function<bool(const sim::Context&)>& condition, std::string ticker_name);

}  // namespace bubble::runtime::leaderelection::detail
