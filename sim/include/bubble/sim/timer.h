// sim/include/bubble/sim/timer.h
//
// Time on the virtual clock: sleeps, Go-style timers and tickers, and after-funcs.
//
// Firing order: a timer fires when the clock reaches its due time; the clock only moves when no
// fiber can run. Timers due at the same instant are candidates next to the runnable fibers and
// the strategy orders them (fifo: earliest due first, then creation order). The order never
// depends on addresses or hashing.
//
// Timer and Ticker follow Go 1.23's semantics: C() is a channel of capacity 1; Stop() and Reset()
// also discard a value that fired but was not received, so no stale tick is ever read after
// them. A Ticker drops ticks its reader is too slow for.
//
// Threading: create and use timers from fibers of a running bubble (UsageError otherwise).
// Cost: starting, stopping and resetting are O(log n) in the number of pending timers.
#pragma once

#include <memory>
#include <string>

#include <bubble/sim/channel.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/context.h>
#include <bubble/sim/detail/timer_node.h>
#include <bubble/sim/task.h>

namespace bubble::sim {

// Blocks the calling fiber for `d` of virtual time (d <= 0 returns at once, as in Go).
void SleepFor(Duration d);
// Blocks until virtual time `t` (a time not after Now() returns at once).
void SleepUntil(TimePoint t);
// Sleeps, but returns false early if `ctx` is done (true if the full time passed).
bool SleepFor(Duration d, const Context& ctx);

// A one-shot timer whose channel receives the fire time.
class Timer {
 public:
  explicit Timer(Duration d, std::string name = "timer");
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  ~Timer();

  Channel<TimePoint>& C() noexcept { return channel_; }

  // Prevents the timer from firing; true if it was pending or had fired without its value being
  // received (Go 1.23's contract: that value is discarded).
  bool Stop();
  // Re-arms the timer to fire `d` from now; returns what Stop() would.
  bool Reset(Duration d);

 private:
  static void Fire(detail::TimerNode& node);
  std::string name_;
  Channel<TimePoint> channel_;
  detail::TimerNode node_;
};

// Delivers the time on C() every `period` (period > 0).
class Ticker {
 public:
  explicit Ticker(Duration period, std::string name = "ticker");
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;
  ~Ticker();

  Channel<TimePoint>& C() noexcept { return channel_; }

  void Stop();
  // Stops, then restarts with a new period (period > 0).
  void Reset(Duration period);

 private:
  static void Fire(detail::TimerNode& node);
  std::string name_;
  Duration period_;
  Channel<TimePoint> channel_;
  detail::TimerNode node_;
};

// Go's time.AfterFunc: after `d`, `fn` runs in a new fiber named `name`. The handle can stop or
// reset it; dropping the handle does not cancel it.
class AfterFunc {
 public:
  AfterFunc(Duration d, Task fn, std::string name = "after-func");

  // Prevents fn from running; true if it was pending.
  bool Stop();
  // Re-arms to run fn `d` from now (fn may run again if it already ran); true if it was pending.
  bool Reset(Duration d);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace bubble::sim
