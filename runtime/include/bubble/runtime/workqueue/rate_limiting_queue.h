// runtime/include/bubble/runtime/workqueue/rate_limiting_queue.h
//
// File: client-go's rate-limiting queue (docs/semantics.md §7.3) and the standard worker step
// (§7.4).
//
// A RateLimitingQueue is a DelayingQueue with a RateLimiter: AddRateLimited(key) adds the key
// after the delay the limiter picks for it, Forget(key) resets the limiter's memory of the key,
// NumRequeues(key) reports it. Forget does not cancel a pending AddRateLimited.
//
//   RateLimitingQueue<> queue(DefaultControllerRateLimiter());
//   // in each worker fiber:
//   while (ProcessNextItem(queue, [&](const std::string& key) { return Reconcile(key); })) {
//   }
//
// ProcessNextItem is the standard worker contract: Get; run the function; on failure
// AddRateLimited, on success Forget; always Done, so a worker cannot forget either.
//
// Ordering, threading and cost: as DelayingQueue (construct it on a fiber; it spawns the waiting
// loop) plus one call of the limiter per AddRateLimited.
#pragma once

#include <concepts>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <bubble/runtime/workqueue/delaying_queue.h>
#include <bubble/runtime/workqueue/rate_limiter.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>

namespace bubble::runtime::workqueue {

template <WorkItem T = std::string>
class RateLimitingQueue : public DelayingQueue<T> {
 public:
  // Spawns the waiting loop in the current bubble. Precondition: `limiter` is not null.
  explicit RateLimitingQueue(std::unique_ptr<RateLimiter<T>> limiter,
                             std::string name = "workqueue")
      : DelayingQueue<T>(std::move(name)), limiter_(std::move(limiter)) {
    BUBBLE_EXPECT(limiter_ != nullptr,
                  "RateLimitingQueue '{}' needs a rate limiter: pass "
                  "DefaultControllerRateLimiter() if unsure",
                  this->Name());
  }

  // AddAfter(item, limiter.When(item)). The limiter is asked (and advances) even when the queue
  // is shutting down and the add is dropped, as in client-go.
  void AddRateLimited(const T& item) { this->AddAfter(item, limiter_->When(item)); }

  // The limiter forgets `item`: its next failure starts from the first delay again.
  void Forget(const T& item) { limiter_->Forget(item); }

  int NumRequeues(const T& item) const { return limiter_->NumRequeues(item); }

  RateLimiter<T>& Limiter() noexcept { return *limiter_; }

 private:
  std::unique_ptr<RateLimiter<T>> limiter_;
};

// One step of a worker (client-go's processNextWorkItem): takes a key with Get and calls
// fn(key), which returns true on success. Success: Forget(key). Failure: AddRateLimited(key).
// Either way Done(key). If fn throws, Done(key) still runs before the exception propagates
// (except when the bubble is unwinding the fiber). Returns false, without calling fn, once the
// queue is shut down and empty. Call it from a fiber.
template <WorkItem T, class Fn>
requires std::invocable<Fn&, const T&> && std::convertible_to < std::invoke_result_t<Fn&, const T&>,

bool > bool ProcessNextItem(RateLimitingQueue<T>& queue, Fn&& fn) {
  std::optional<T> key = queue.Get();
  if (!key) {
    return false;
  }
  bool ok = false;
  try {
    ok = static_cast<bool>(fn(static_cast<const T&>(*key)));
  } catch (...) {
    sim::RethrowIfUnwinding();  // the queue may be gone already: touch nothing
    queue.Done(*key);
    throw;
  }
  if (ok) {
    queue.Forget(*key);
  } else {
    queue.AddRateLimited(*key);
  }
  queue.Done(*key);
  return true;
}

extern template class RateLimitingQueue<std::string>;

}  // namespace bubble::runtime::workqueue
