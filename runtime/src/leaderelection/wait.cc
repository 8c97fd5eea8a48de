// runtime/src/leaderelection/wait.cc
#include "leaderelection/wait.h"

#include <utility>

#include <bubble/sim/bubble.h>
#include <bubble/sim/rng.h>
#include <bubble/sim/select.h>
#include <bubble/sim/timer.h>

namespace bubble::runtime::leaderelection::detail {

void JitterUntil(const sim::Context& ctx, sim::Duration period, double jitter_factor,
                 const std::function<void()>& f) {
  while (!ctx.IsDone()) {
    f();
    const sim::Duration wait =
        jitter_factor > 0 ? sim::Rand().Jitter(period, jitter_factor) : period;
    if (!sim::SleepFor(wait, ctx)) {
      return;
    }
  }
}

sim::ContextError PollImmediateUntilTimeout(
    const sim::Context& ctx, sim::Duration interval, sim::Duration timeout,
    const std::function<bool(const sim::Context&)>& condition, std::string ticker_name) {
  auto [poll_ctx, cancel] = sim::WithTimeout(ctx, timeout);
  const CancelOnExit release{cancel};
  // Not sliding: the ticker runs from before the first call, so tries fall on start + k *
  // interval however long each one takes (a tick missed while trying is dropped).
  sim::Ticker ticker(interval, std::move(ticker_name));
  if (poll_ctx.IsDone()) {
    return poll_ctx.Err();
  }
  if (condition(poll_ctx)) {
    return sim::ContextError::kNone;
  }
  for (;;) {
    const int chosen = sim::Select(sim::RecvCase(poll_ctx.Done()), sim::RecvCase(ticker.C()));
    // A tick and the deadline can be ready together; re-checking keeps to at most one extra try.
    if (chosen == 0 || poll_ctx.IsDone()) {
      return poll_ctx.Err();
    }
    if (condition(poll_ctx)) {
      return sim::ContextError::kNone;
    }
  }
}

}  // namespace bubble::runtime::leaderelection::detail
