// sim/src/timer.cc
#include "bubble/sim/timer.h"

#include <bubble/sim/bubble.h>

#include "scheduler.h"

namespace bubble::sim {

namespace {

void ArmAt(detail::TimerNode& node, TimePoint when) {
  node.when = when;
  detail::StartTimer(node);
}

// Discards a fired-but-unreceived value, so no stale tick is read after Stop or Reset. Returns
// whether there was one.
bool Drain(Channel<TimePoint>& channel) {
  return channel.TryRecv().has_value();
}

struct SleepWake {
  detail::WaitNode node;
};

void WakeSleeper(detail::TimerNode& timer) {
  auto* node = static_cast<detail::WaitNode*>(timer.context);
  if (node->Linked()) {
    detail::Fire(*node);
  }
}

// The timer node and wait list of one sleep, on the sleeper's stack. Stops the timer on every
// exit, including unwinding.
class SleepGuard {
 public:
  explicit SleepGuard(TimePoint until) {
    timer_.when = until;
    timer_.fire = &WakeSleeper;
    timer_.context = &node_;
    timer_.name = "sleep";
    list_.PushBack(node_);
    detail::StartTimer(timer_);
  }

  SleepGuard(const SleepGuard&) = delete;
  SleepGuard& operator=(const SleepGuard&) = delete;

  ~SleepGuard() {
    detail::StopTimer(timer_);
    if (node_.Linked()) {
      list_.Remove(node_);
    }
  }

  detail::WaitNode& Node() noexcept { return node_; }

 private:
  detail::WaitList list_;
  detail::WaitNode node_;
  detail::TimerNode timer_;
};

}  // namespace

void SleepUntil(TimePoint t) {
  detail::Scheduler* s = detail::Scheduler::Current();
  if (s != nullptr && s->TearingDown()) [[unlikely]] {
    s->BlockWhileTearingDown("sleep");  // inert (detail/wait.h): the sleep ends at once
    return;
  }
  BUBBLE_EXPECT(s != nullptr && s->Running() != nullptr,
                "SleepUntil/SleepFor outside a fiber: call it from a fiber of a running bubble");
  if (t <= s->Now()) {
    return;
  }
  SleepGuard guard(t);
  detail::Parking parking{nullptr, &guard.Node(), 1, -1};
  detail::Park(parking, {"sleep", ""});
}

void SleepFor(Duration d) {
  if (d <= Duration::zero()) {
    BUBBLE_EXPECT(detail::CurrentFiber() != nullptr,
                  "SleepFor outside a fiber: call it from a fiber of a running bubble");
    return;
  }
  SleepUntil(Clock::now() + d);  // not Now(): a misplaced call is reported as SleepFor's
}

bool SleepFor(Duration d, const Context& ctx) {
  if (detail::TearingDown()) [[unlikely]] {
    detail::BlockWhileTearingDown("sleep");
    return false;
  }
  if (ctx.IsDone()) {
    return false;
  }
  if (d <= Duration::zero()) {
    return true;
  }
  Timer timer(d, "sleep");
  return Select(RecvCase(timer.C()), RecvCase(ctx.Done())) == 0;
}

// ---- Timer --------------------------------------------------------------------------------

Timer::Timer(Duration d, std::string name) : name_(std::move(name)), channel_(1, name_) {
  node_.fire = &Timer::Fire;
  node_.context = this;
  node_.name = name_;
  ArmAt(node_, Clock::now() + d);  // outside a bubble StartTimer reports the misuse by name
}

Timer::~Timer() {
  detail::StopTimer(node_);
}

void Timer::Fire(detail::TimerNode& node) {
  auto* self = static_cast<Timer*>(node.context);
  self->channel_.TrySend(Clock::now());
}

bool Timer::Stop() {
  if (detail::TearingDown()) [[unlikely]] {
    return false;  // inert (detail/wait.h): the timer may live in a frame that is gone
  }
  const bool was_pending = detail::StopTimer(node_);
  // As in Go 1.23, a timer whose value was never received still counts as running: draining
  // that value is stopping it.
  const bool drained = Drain(channel_);
  return was_pending || drained;
}

bool Timer::Reset(Duration d) {
  if (detail::TearingDown()) [[unlikely]] {
    return false;
  }
  const bool was_pending = Stop();
  ArmAt(node_, Clock::now() + d);
  return was_pending;
}

// ---- Ticker -------------------------------------------------------------------------------

Ticker::Ticker(Duration period, std::string name)
    : name_(std::move(name)), period_(period), channel_(1, name_) {
  BUBBLE_EXPECT(period > Duration::zero(),
                "Ticker '{}' with non-positive period {}: use a period > 0", name_,
                FormatDuration(period));
  node_.fire = &Ticker::Fire;
  node_.context = this;
  node_.name = name_;
  ArmAt(node_, Clock::now() + period_);
}

Ticker::~Ticker() {
  detail::StopTimer(node_);
}

void Ticker::Fire(detail::TimerNode& node) {
  auto* self = static_cast<Ticker*>(node.context);
  self->channel_.TrySend(Clock::now());  // a slow reader misses ticks, as with Go's tickers
  ArmAt(node, node.when + self->period_);
}

void Ticker::Stop() {
  if (detail::TearingDown()) [[unlikely]] {
    return;
  }
  detail::StopTimer(node_);
  Drain(channel_);
}

void Ticker::Reset(Duration period) {
  if (detail::TearingDown()) [[unlikely]] {
    return;
  }
  BUBBLE_EXPECT(period > Duration::zero(), "Ticker '{}' reset to non-positive period {}", name_,
                FormatDuration(period));
  Stop();
  period_ = period;
  ArmAt(node_, Clock::now() + period_);
}

// ---- AfterFunc ----------------------------------------------------------------------------

struct AfterFunc::State {
  std::string name;
  std::shared_ptr<Task> fn;  // shared: each firing spawns a fiber that calls it
  detail::TimerNode node;
  std::shared_ptr<State> keep_alive;  // set while pending: the scheduler holds the timer

  static void Abandon(detail::TimerNode& node) {
    static_cast<State*>(node.context)->keep_alive.reset();
  }

  static void Fire(detail::TimerNode& node) {
    auto* self = static_cast<State*>(node.context);
    std::shared_ptr<State> hold = std::move(self->keep_alive);
    detail::Scheduler::Current()->Spawn(self->name, [fn = self->fn] { (*fn)(); });
  }
};

AfterFunc::AfterFunc(Duration d, Task fn, std::string name) : state_(std::make_shared<State>()) {
  state_->name = std::move(name);
  state_->fn = std::make_shared<Task>(std::move(fn));
  state_->node.fire = &State::Fire;
  state_->node.abandon = &State::Abandon;
  state_->node.context = state_.get();
  state_->node.name = state_->name;
  Reset(d);
}

bool AfterFunc::Stop() {
  const bool was_pending = detail::StopTimer(state_->node);
  state_->keep_alive.reset();
  return was_pending;
}

bool AfterFunc::Reset(Duration d) {
  if (detail::TearingDown()) [[unlikely]] {
    return false;  // inert (detail/wait.h): nothing fires once the run is over
  }
  const bool was_pending = detail::StopTimer(state_->node);
  state_->keep_alive = state_;
  ArmAt(state_->node, Clock::now() + d);
  return was_pending;
}

}  // namespace bubble::sim
