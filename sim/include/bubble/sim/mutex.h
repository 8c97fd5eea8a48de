// sim/include/bubble/sim/mutex.h
//
// Mutex on the bubble's scheduler. A fiber blocked in Lock() is durably blocked (unlike in Go's
// synctest), so Wait() and deadlock detection see through mutexes. Unlock hands ownership to the
// longest-waiting fiber (FIFO), so lock order is a pure function of the schedule.
// Meets the standard Lockable requirements (lock/try_lock/unlock), so std::unique_lock and
// std::scoped_lock work.
//
// Threading: fibers of one bubble. Preconditions: Unlock only by the holder; no recursion.
#pragma once

#include <cstdint>
#include <string>

#include <bubble/sim/context.h>
#include <bubble/sim/detail/wait.h>

namespace bubble::sim {

class Mutex {
 public:
  explicit Mutex(std::string name = "mutex") : name_(std::move(name)) {}

  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  // Fails the run if fibers still hold or wait on it (its owner's frame ended first).
  ~Mutex();

  void Lock();
  // Locks, or gives up when `ctx` is done (false: not locked).
  bool Lock(const Context& ctx);
  bool TryLock();
  void Unlock();

  void lock() { Lock(); }

  bool try_lock() { return TryLock(); }

  void unlock() { Unlock(); }

  // The fiber holding the lock, or 0.
  std::uint64_t Holder() const noexcept { return holder_; }

  const std::string& Name() const noexcept { return name_; }

 private:
  std::string name_;
  std::uint64_t holder_ = 0;
  detail::WaitList waiters_;
};

}  // namespace bubble::sim
