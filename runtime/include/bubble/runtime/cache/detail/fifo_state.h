// runtime/include/bubble/runtime/cache/detail/fifo_state.h
//
// The state DeltaFifo and RealFifo share: lock, wake-up, closed flag, and the initial-population
// bookkeeping behind HasSynced. Internal: use the FIFOs.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <utility>

#include <bubble/runtime/cache/errors.h>
#include <bubble/runtime/status.h>
#include <bubble/sim/condition_variable.h>
#include <bubble/sim/context.h>
#include <bubble/sim/event.h>
#include <bubble/sim/mutex.h>

namespace bubble::runtime::cache::detail {

struct FifoState {
  explicit FifoState(std::string fifo_name)
      : name(std::move(fifo_name)),
        mu(name, sim::Preemptible::kNo),
        not_empty(name, sim::Preemptible::kNo),
        synced_event(name + " synced") {}

  // populated && initialPopulationCount == 0: the value is_in_initial_list is computed from.
  bool SyncCondition() const noexcept { return populated && initial_population_count == 0; }

  // Publishes HasSynced (and sets the event) once the condition holds. Called by writers, and
  // by Pop after `process` returned, so HasSynced never reads true while the last initial item
  // is still being processed.
  void CheckSynced() {
    if (!synced && SyncCondition()) {
      synced = true;
      synced_event.Set();
    }
  }

  void Close() {
    closed = true;
    not_empty.NotifyAll();
  }

  // Locks and waits until `has_items()` holds. Errors: closed (and empty), or `ctx` done.
  template <class HasItems>
  Result<std::unique_lock<sim::Mutex>> LockNotEmpty(const sim::Context* ctx, HasItems has_items) {
    std::unique_lock<sim::Mutex> lock(mu, std::defer_lock);
    if (ctx != nullptr) {
      if (!mu.Lock(*ctx)) {
        return Err(NewContextError(ctx->Err()));
      }
      lock = std::unique_lock<sim::Mutex>(mu, std::adopt_lock);
    } else {
      lock.lock();
    }
    while (!has_items()) {
      if (closed) {
        return Err(NewFifoClosedError());
      }
      if (ctx == nullptr) {
        not_empty.Wait(lock);
      } else if (ctx->IsDone() || !not_empty.Wait(lock, *ctx)) {
        if (!has_items()) {
          return Err(NewContextError(ctx->Err()));
        }
      }
    }
    return lock;
  }

  std::string name;
  sim::Mutex mu;
  sim::ConditionVariable not_empty;
  sim::Event synced_event;
  bool populated = false;
  std::size_t initial_population_count = 0;
  bool closed = false;
  bool synced = false;
};

}  // namespace bubble::runtime::cache::detail
