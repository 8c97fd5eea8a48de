// runtime/include/bubble/runtime/cache/shared_informer.h
//
// File: SharedIndexInformer, client-go's shared informer (SEMANTICS.md §5): a Reflector that
// lists and watches one resource into a FIFO, a loop that pops the FIFO into an Indexer, and
// event handlers that hear about every change, each on its own fiber.
//
//   auto informer = std::make_shared<cache::SharedIndexInformer>(
//       cache::ListWatchFromClient(clientset, runtime::ConfigMap::StaticResource(), ""),
//       cache::SharedIndexInformerOptions{.expected_kind = runtime::ConfigMap::StaticKind()});
//   auto reg = informer->AddEventHandler(cache::ResourceEventHandlerFuncs{.add = ...});
//   sim::Spawn("informer", [&] { informer->Run(ctx); });     // blocks until ctx ends
//   cache::WaitFor(ctx, "caches", {informer->HasSyncedChecker(), (*reg)->HasSyncedChecker()});
//
// Behaviour (client-go's, §5.2–§5.4):
//  - Handlers added before Run hear the initial list as adds with is_in_initial_list = true.
//    Handlers added while running first get an add (is_in_initial_list = true) for every object
//    in the cache, sorted by key, then live notifications: no gap, no duplicate. Adding a handler
//    to a stopped informer is an error.
//  - An Added/Updated/Replaced/Sync delta for a cached key is an OnUpdate, for a new key an
//    OnAdd; Deleted is an OnDelete (maybe with a tombstone). An update whose old and new objects
//    have equal resourceVersion strings counts as a resync and reaches only the handlers whose
//    resync is due (the fake's trap of §1.10: with unset, equal "" versions every update is one).
//  - Resync periods: a handler's period below 1 s becomes 1 s; below the informer's check period
//    it lowers the check period before Run and is raised to it after; 0 when the informer does
//    not resync at all.
//  - HasSynced: the FIFO delivered the first list. A registration's HasSynced additionally
//    waits until its handler returned from every initial-list add given to it.
//  - Handlers are notified in registration order (client-go: Go map order), and each
//    registration's fiber delivers in distribution order.
//
// Lifetime and threading: construct anywhere; Run, AddEventHandler and the rest from fibers of
// one bubble. Run blocks until its context ends, then closes the FIFO, waits for the reflector,
// marks the informer stopped and waits for every handler fiber (a handler stuck forever keeps
// Run from returning, as in client-go). The informer must outlive Run; a registration handle may
// outlive the informer (it keeps reporting its last state).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <bubble/runtime/cache/event_handler.h>
#include <bubble/runtime/cache/indexer.h>
#include <bubble/runtime/cache/list_watch.h>
#include <bubble/runtime/cache/queue.h>
#include <bubble/runtime/cache/reflector.h>
#include <bubble/runtime/cache/wait_for_cache_sync.h>
#include <bubble/runtime/group_version.h>
#include <bubble/runtime/status.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/context.h>
#include <bubble/sim/event.h>

namespace bubble::runtime::cache {

namespace detail {
class ProcessorListener;
struct Notification;
}  // namespace detail

// Which FIFO the informer pops from.
enum class FifoKind : unsigned char {
  kReal,   // RealFifo: every event in arrival order (client-go's default since 1.33)
  kDelta,  // DeltaFifo with Replaced deltas: deltas coalesced per key
};

// The shortest handler resync period (client-go's minimumResyncPeriod).
inline constexpr sim::Duration kMinimumResyncPeriod = std::chrono::seconds(1);

struct SharedIndexInformerOptions {
  // Names the informer in logs and sync checkers. Default "SharedIndexInformer *<version>.<Kind>"
  // ("SharedIndexInformer *v1.ConfigMap"), as client-go names it.
  std::string name{};
  // Prefixes the informer's fibers: "<fiber_name>" pops, "<fiber_name>/reflector" lists and
  // watches, "<fiber_name>/<handler>" delivers. Default "informer/<kind in lower case>".
  std::string fiber_name{};
  // Events of other kinds are skipped by the reflector; also names the type in messages.
  std::optional<GroupVersionKind> expected_kind{};
  // The default handler resync period and the informer's resync check period. 0: no resync.
  sim::Duration resync_period{};
  // Indices of the cache (add kNamespaceIndex for listers by namespace).
  Indexers indexers{};
  FifoKind fifo = FifoKind::kReal;
  // client-go's WatchListClient gate: stream the initial list where the server supports it.
  bool use_watch_list = true;
};

struct AddEventHandlerOptions {
  // Unset: the informer's resync period.
  std::optional<sim::Duration> resync_period{};
  // Names the handler's fiber and sync checker. Default "handler-<n>" (registration number).
  std::string name{};
};

// The handle AddEventHandler returns.
class ResourceEventHandlerRegistration {
 public:
  ResourceEventHandlerRegistration(std::shared_ptr<detail::ProcessorListener> listener,
                                   std::string informer_name);
  // The informer synced and the handler returned from every initial-list add it was given.
  bool HasSynced() const noexcept;
  // Done when HasSynced() becomes true ("<informer> + event handler <name>").
  DoneChecker HasSyncedChecker() const;
  // The handler's name (AddEventHandlerOptions::name or "handler-<n>").
  const std::string& Name() const noexcept;
  // The resync period in effect for this handler (0: it never hears resyncs).
  sim::Duration ResyncPeriod() const noexcept;

 private:
  friend class SharedIndexInformer;
  std::shared_ptr<detail::ProcessorListener> listener_;
  std::string checker_name_;
};

using RegistrationPtr = std::shared_ptr<ResourceEventHandlerRegistration>;

class SharedIndexInformer {
 public:
  SharedIndexInformer(ListerWatcherPtr lw, SharedIndexInformerOptions options = {});
  SharedIndexInformer(const SharedIndexInformer&) = delete;
  SharedIndexInformer& operator=(const SharedIndexInformer&) = delete;
  ~SharedIndexInformer();

  // Registers a handler (see the file comment). Error once stopped: `handler <name> was not
  // added to shared informer because it has stopped already`.
  Result<RegistrationPtr> AddEventHandler(ResourceEventHandlerPtr handler,
                                          AddEventHandlerOptions options = {});
  Result<RegistrationPtr> AddEventHandler(ResourceEventHandlerFuncs funcs,
                                          AddEventHandlerOptions options = {});
  // Stops delivering to the handler: queued notifications are dropped, a call in progress
  // finishes. Idempotent; an unknown or foreign handle is a no-op.
  void RemoveEventHandler(const RegistrationPtr& registration);

  // Before Run only (else `informer has already started`).
  Result<void> SetTransform(TransformFunc transform);
  Result<void> SetWatchErrorHandler(WatchErrorHandler handler);
  // Before or after Run; error once stopped.
  Result<void> AddIndexers(const Indexers& indexers);

  // Lists, watches and delivers until `ctx` ends (see the file comment). From a fiber. A second
  // call logs a warning and returns.
  void Run(const sim::Context& ctx);

  // The first list has been delivered to the cache.
  bool HasSynced() const noexcept;
  // Done when HasSynced() becomes true (named as the informer).
  DoneChecker HasSyncedChecker();

  Indexer& GetIndexer() noexcept { return indexer_; }

  Store& GetStore() noexcept { return indexer_; }

  // The reflector's last synced resourceVersion ("" before Run).
  std::string LastSyncResourceVersion() const;

  bool IsStarted() const noexcept { return started_; }

  bool IsStopped() const noexcept { return stopped_; }

  const std::string& Name() const noexcept { return name_; }

  const std::string& FiberName() const noexcept { return fiber_name_; }

  // The informer's resync check period (lowered by handlers added before Run).
  sim::Duration ResyncCheckPeriod() const noexcept { return resync_check_period_; }

  // The number of registered handlers.
  std::size_t HandlerCount() const noexcept { return listeners_.size(); }

  // Everything the reflector has queued has been processed and delivered: the FIFO is empty and
  // no handler has a notification queued or a call in progress. (What the server has not yet
  // sent is not seen: wait for quiescence with runtime/quiescence.h.)
  bool Idle() const noexcept;

 private:
  // client-go's processDeltas for one delta, under the FIFO's lock.
  Result<void> HandleDelta(const Delta& delta, bool is_in_initial_list);
  void Distribute(const detail::Notification& n, bool is_sync);
  bool ShouldResync();
  void StartListener(const std::shared_ptr<detail::ProcessorListener>& listener);
  void MarkSynced();

  ListerWatcherPtr lw_;
  std::string name_;
  std::string fiber_name_;
  std::optional<GroupVersionKind> expected_kind_;
  sim::Duration default_resync_period_;
  sim::Duration resync_check_period_;
  FifoKind fifo_kind_;
  bool use_watch_list_;
  TransformFunc transform_{};
  WatchErrorHandler watch_error_handler_{};

  Indexer indexer_;
  std::unique_ptr<Queue> fifo_;
  std::unique_ptr<Reflector> reflector_;
  std::vector<std::shared_ptr<detail::ProcessorListener>> listeners_;
  std::size_t handlers_added_ = 0;
  std::shared_ptr<bool> synced_ = std::make_shared<bool>(false);
  sim::Event synced_event_;
  bool started_ = false;
  bool stopped_ = false;
  bool listeners_running_ = false;
};

}  // namespace bubble::runtime::cache
