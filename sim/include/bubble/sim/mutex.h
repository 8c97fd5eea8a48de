// sim/include/bubble/sim/mutex.h
//
// Mutex on the bubble's scheduler. A fiber blocked in Lock() is durably blocked (unlike in Go's
// synctest), so Wait() and deadlock detection see through mutexes. Unlock hands ownership to the
// longest-waiting fiber (FIFO), so lock order is a pure function of the schedule.
// Meets the standard Lockable requirements (lock/try_lock/unlock), so std::unique_lock and
// std::scoped_lock work.
//
// Lock, TryLock and Unlock are preemption points of kind `locks` (preempt.h), contended or not:
// another fiber may run just before the lock is taken and just after it is released, as a
// thread may be descheduled there. Preemptible::kNo turns that off for a lock that only guards a
// component's internal state.
//
// Threading: fibers of one bubble. Preconditions: Unlock only by the holder; no recursion.
#pragma once

#include <cstdint>
#include <string>

#include <bubble/sim/context.h>
#include <bubble/sim/detail/wait.h>
#include <bubble/sim/preempt.h>

namespace bubble::sim {

class Mutex {
 public:
  explicit Mutex(std::string name = "mutex", Preemptible preemptible = Preemptible::kYes)
      : name_(std::move(name)), preemptible_(preemptible) {}

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
  bool Acquire();

  void MayPreempt() const {
    if (preemptible_ == Preemptible::kYes) {
      PreemptionPoint(PreemptKind::kLocks);
    }
  }

  // After Unlock, which runs in destructors (std::lock_guard): a release point.
  void MayPreemptAfterRelease() const {
    if (preemptible_ == Preemptible::kYes) {
      ReleasePoint(PreemptKind::kLocks);
    }
  }

  std::string name_;
  Preemptible preemptible_;
  std::uint64_t holder_ = 0;
  detail::WaitList waiters_;
};

}  // namespace bubble::sim
