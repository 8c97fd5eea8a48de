// runtime/src/wait.cc
#include "bubble/runtime/wait.h"

#include <utility>

#include <bubble/sim/bubble.h>
#include <bubble/sim/rng.h>
#include <bubble/sim/select.h>
#include <bubble/sim/timer.h>

namespace bubble::runtime {

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

sim::Duration ExponentialBackoffManager::Next() {
  const sim::TimePoint now = sim::Now();
  if (!last_at_ || now - *last_at_ > settings_.reset) {
    base_ = settings_.initial;
    capped_ = false;
  }
  last_at_ = now;
  if (capped_) {
    return sim::Rand().Jitter(base_, settings_.jitter);
  }
  const sim::Duration d = base_;
  auto next = sim::Duration(
      static_cast<sim::Duration::rep>(static_cast<double>(d.count()) * settings_.factor));
  if (next > settings_.max) {
    next = settings_.max;
    capped_ = true;
  }
  base_ = next;
  return sim::Rand().Jitter(d, settings_.jitter);
}

bool ExponentialBackoffManager::Wait(const sim::Context& ctx) {
  return sim::SleepFor(Next(), ctx);
}

}  // namespace bubble::runtime
