// sim/src/watchdog.h
//
// The real-time watchdog: the only place bubble reads real time, and only to report. A fiber
// that never returns to the scheduler (an endless loop that never blocks, yields or sleeps)
// stops virtual time and hangs the run; nothing inside the bubble can notice. One background
// thread per process watches every running bubble; when a bubble has been inside the same fiber
// switch for longer than its limit, it prints the fiber, seed and strategy and aborts.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace bubble::sim::detail {

class Scheduler;

class WatchdogSlot {
 public:
  WatchdogSlot(std::chrono::milliseconds limit, const Scheduler& scheduler);
  WatchdogSlot(const WatchdogSlot&) = delete;
  WatchdogSlot& operator=(const WatchdogSlot&) = delete;
  ~WatchdogSlot();

  // Called by the scheduler around every switch into a fiber: cheap relaxed stores.
  void Enter(std::uint64_t) noexcept {
    generation_.store(++local_generation_, std::memory_order_relaxed);
    in_fiber_.store(true, std::memory_order_relaxed);
  }

  void Leave() noexcept { in_fiber_.store(false, std::memory_order_relaxed); }

 private:
  friend class Watchdog;
  std::chrono::milliseconds limit_;
  const Scheduler& scheduler_;
  std::uint64_t local_generation_ = 0;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> in_fiber_{false};
  // Owned by the watchdog thread.
  std::uint64_t seen_generation_ = 0;
  std::chrono::steady_clock::time_point seen_at_{};
};

}  // namespace bubble::sim::detail
