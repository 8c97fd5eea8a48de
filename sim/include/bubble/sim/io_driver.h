// sim/include/bubble/sim/io_driver.h
//
// What a bubble on the real-time loop (Options::loop = LoopKind::kRealTime) polls for events
// from outside: completions of socket operations, signals. The kernel knows nothing of sockets;
// net::IoLoop (net/io_loop.h) implements this over Boost.Asio. Completions run on the loop, with
// no fiber current (as timer callbacks do), and wake fibers through the ordinary primitives
// (Event, Channel...). A simulated bubble never touches a driver.
//
// Threading: called only by the loop of the bubble that owns it, on that bubble's thread.
#pragma once

#include <chrono>
#include <cstddef>

namespace bubble::sim {

class IoDriver {
 public:
  virtual ~IoDriver() = default;

  // Runs the completions that are ready, without blocking; returns how many ran.
  virtual std::size_t Poll() = 0;
  // Blocks until at least one completion ran or `deadline` (steady clock) passed; returns how
  // many ran.
  virtual std::size_t RunUntil(std::chrono::steady_clock::time_point deadline) = 0;
  // True while an operation is outstanding whose completion may wake a fiber: a bubble whose
  // fibers are all blocked is deadlocked only when no timer and no such operation is pending.
  virtual bool Pending() const = 0;
};

// Which loop runs a bubble's fibers.
enum class LoopKind {
  // The default: virtual time that jumps to the next timer, every decision recorded.
  kSimulated,
  // Real time (FoundationDB's Net2 beside Sim2): the clock reads the calendar, timers fire when
  // due, and the loop blocks in Options::io_driver while nothing can run. For servers; nothing
  // about it is deterministic.
  kRealTime,
};

}  // namespace bubble::sim
