// sim/include/bubble/sim/condition_variable.h
//
// ConditionVariable over a bubble Mutex. Waiters are woken in arrival order. There are no
// spurious wakeups, but a woken waiter re-acquires the mutex behind others, so re-check the
// condition (the predicate overload does).
//
// NotifyOne and NotifyAll are preemption points of kind `locks` (preempt.h), just before they
// wake anyone, unless constructed with Preemptible::kNo.
//
// Threading: fibers of one bubble; the lock passed to Wait must hold the mutex.
#pragma once

#include <mutex>
#include <string>

#include <bubble/sim/context.h>
#include <bubble/sim/detail/wait.h>
#include <bubble/sim/mutex.h>

namespace bubble::sim {

class ConditionVariable {
 public:
  explicit ConditionVariable(std::string name = "condvar",
                             Preemptible preemptible = Preemptible::kYes)
      : name_(std::move(name)), preemptible_(preemptible) {}

  ConditionVariable(const ConditionVariable&) = delete;
  ConditionVariable& operator=(const ConditionVariable&) = delete;
  // Fails the run if fibers still hold or wait on it (its owner's frame ended first).
  ~ConditionVariable();

  // Atomically releases `lock` and blocks until notified; re-acquires before returning.
  void Wait(std::unique_lock<Mutex>& lock);
  // Waits until notified or `ctx` is done; re-acquires either way. False if ctx ended the wait.
  bool Wait(std::unique_lock<Mutex>& lock, const Context& ctx);

  template <class Pred>
  void Wait(std::unique_lock<Mutex>& lock, Pred pred) {
    while (!pred()) {
      Wait(lock);
    }
  }

  // Waits for `pred` or `ctx`; returns pred().
  template <class Pred>
  bool Wait(std::unique_lock<Mutex>& lock, const Context& ctx, Pred pred) {
    while (!pred()) {
      if (!Wait(lock, ctx)) {
        return pred();
      }
    }
    return true;
  }

  void NotifyOne();
  void NotifyAll();

 private:
  std::string name_;
  Preemptible preemptible_;
  detail::WaitList waiters_;
};

}  // namespace bubble::sim
