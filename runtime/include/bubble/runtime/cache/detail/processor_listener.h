// runtime/include/bubble/runtime/cache/detail/processor_listener.h
//
// One event handler's delivery line inside a SharedIndexInformer (client-go's
// processorListener): an unbounded buffer filled by the informer and a fiber that drains it into
// the handler. Internal: use SharedIndexInformer::AddEventHandler.
//
// client-go uses two goroutines (pump and run) joined by channels; one fiber and a deque give
// the same contract here — per-handler order, a handler that blocks delays only itself — with
// fewer context switches. Add never blocks, so the informer hands a notification to every
// listener without a scheduling point in between, as if client-go's handoff were instant.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

#include <bubble/runtime/cache/delta.h>
#include <bubble/runtime/cache/event_handler.h>
#include <bubble/runtime/object.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/event.h>
#include <bubble/sim/unit.h>

namespace bubble::runtime::cache::detail {

struct Notification {
  enum class Type : unsigned char { kAdd, kUpdate, kDelete };
  Type type;
  ObjectPtr old_obj;                // kUpdate
  ObjectPtr new_obj;                // kAdd, kUpdate
  DeltaObject deleted{};            // kDelete
  bool is_in_initial_list = false;  // kAdd
};

class ProcessorListener {
 public:
  // `informer_synced`: the informer's HasSynced flag, shared with it.
  ProcessorListener(std::string name, ResourceEventHandlerPtr handler,
                    sim::Duration requested_resync_period, sim::Duration resync_period,
                    sim::TimePoint now, std::shared_ptr<const bool> informer_synced);

  const std::string& Name() const noexcept { return name_; }

  // Queues `n` for the handler. Never blocks; ignored once closed.
  void Add(Notification n);
  // Delivers queued notifications until closed. Runs as the listener's fiber.
  void Run();
  // Stops delivery: queued notifications are dropped; a handler call in progress finishes.
  void Close();

  bool IsClosed() const noexcept { return closed_; }

  // The Run fiber returned.
  bool IsFinished() const noexcept { return finished_.IsSet(); }

  // Nothing queued for the handler and no call to it in progress.
  bool Idle() const noexcept { return buffer_.empty() && !delivering_; }

  sim::Event& Finished() noexcept { return finished_; }

  // ---- Resync bookkeeping (client-go's shouldResync / determineNextResync) ----
  sim::Duration RequestedResyncPeriod() const noexcept { return requested_resync_period_; }

  sim::Duration ResyncPeriod() const noexcept { return resync_period_; }

  void SetResyncPeriod(sim::Duration period) noexcept { resync_period_ = period; }

  bool ShouldResync(sim::TimePoint now) const noexcept {
    return resync_period_ > sim::Duration::zero() && now >= next_resync_;
  }

  void DetermineNextResync(sim::TimePoint now) noexcept { next_resync_ = now + resync_period_; }

  bool syncing = true;
  // The Run fiber was spawned (a listener is started once, by Run or by a late AddEventHandler).
  bool started = false;

  // ---- Per-registration HasSynced ----

  // The registration's HasSynced: the informer synced, every initial-list add given to this
  // listener returned from the handler, and the listener is still registered.
  bool HasSynced() const noexcept {
    return *informer_synced_ && pending_initial_adds_ == 0 && !closed_;
  }

  // Sets Synced() once HasSynced() holds. Called when the informer syncs, when a late listener
  // has its initial adds queued, and after each initial add returns.
  void MaybeMarkSynced();

  sim::Event& Synced() noexcept { return synced_; }

 private:
  void Deliver(const Notification& n);

  std::string name_;
  ResourceEventHandlerPtr handler_;
  sim::Duration requested_resync_period_;
  sim::Duration resync_period_;
  sim::TimePoint next_resync_;

  std::deque<Notification> buffer_;
  // Capacity 1: a pending wake-up for the Run fiber.
  sim::Channel<sim::Unit> wake_;
  bool closed_ = false;
  bool delivering_ = false;  // the handler is being called
  // Initial-list adds queued but not yet returned from the handler.
  std::size_t pending_initial_adds_ = 0;
  std::shared_ptr<const bool> informer_synced_;
  sim::Event synced_;
  sim::Event finished_;
};

}  // namespace bubble::runtime::cache::detail
