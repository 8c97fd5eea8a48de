// sim/include/bubble/sim/detail/timer_node.h
//
// A pending timer as the scheduler sees it (internal). Timers live in a min-heap keyed by
// (due time, id); ids are a per-bubble counter, so equal due times never compare by address.
// When the clock reaches a timer it becomes a candidate next to the runnable fibers and the
// strategy orders it; firing runs `fire` on the scheduler's stack, which must not block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <bubble/sim/clock.h>

namespace bubble::sim::detail {

struct ProcessRecord;

struct TimerNode {
  enum class State : std::uint8_t { kIdle, kPending, kDue };

  TimePoint when{};
  std::uint64_t id = 0;
  std::uint64_t priority = 0;
  std::size_t heap_index = 0;
  State state = State::kIdle;
  void (*fire)(TimerNode&) = nullptr;
  // Called instead of `fire` when the bubble ends with this timer still pending, so an owner that
  // keeps itself alive while pending (AfterFunc) can let go. May destroy the node.
  void (*abandon)(TimerNode&) = nullptr;
  void* context = nullptr;
  std::string_view name;
  // The process of the fiber that armed it (sim/process.h): fibers its callback spawns join it.
  ProcessRecord* process = nullptr;
};

// Schedules `node` to fire at node.when (a time not after Now() makes it due at once).
// Precondition: node.state == kIdle.
void StartTimer(TimerNode& node);

// Unschedules `node`; returns true if it was pending or due (it will not fire now).
bool StopTimer(TimerNode& node) noexcept;

}  // namespace bubble::sim::detail
