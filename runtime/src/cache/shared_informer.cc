// runtime/src/cache/shared_informer.cc
#include "bubble/runtime/cache/shared_informer.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <bubble/runtime/cache/delta_fifo.h>
#include <bubble/runtime/cache/detail/processor_listener.h>
#include <bubble/runtime/cache/errors.h>
#include <bubble/runtime/cache/real_fifo.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/select.h>
#include <bubble/sim/wait_group.h>

namespace bubble::runtime::cache {

namespace {

spdlog::logger& Logger() {
  return sim::Bubble::Current()->Logger("informer");
}

std::string DefaultName(const std::optional<GroupVersionKind>& kind) {
  if (!kind) {
    return "SharedIndexInformer";
  }
  return fmt::format("SharedIndexInformer *{}.{}", kind->version, kind->kind);
}

std::string DefaultFiberName(const std::optional<GroupVersionKind>& kind) {
  if (!kind) {
    return "informer";
  }
  std::string lower = kind->kind;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return "informer/" + lower;
}

// client-go's determineResyncPeriod.
sim::Duration DetermineResyncPeriod(sim::Duration desired, sim::Duration check) {
  if (desired == sim::Duration::zero() || check == sim::Duration::zero()) {
    return sim::Duration::zero();
  }
  return std::max(desired, check);
}

}  // namespace

// ---- ResourceEventHandlerRegistration --------------------------------------------------------

ResourceEventHandlerRegistration::ResourceEventHandlerRegistration(
    std::shared_ptr<detail::ProcessorListener> listener, std::string informer_name)
    : listener_(std::move(listener)),
      checker_name_(informer_name + " + event handler " + listener_->Name()) {}

bool ResourceEventHandlerRegistration::HasSynced() const noexcept {
  return listener_->HasSynced();
}

DoneChecker ResourceEventHandlerRegistration::HasSyncedChecker() const {
  return DoneChecker{checker_name_, &listener_->Synced()};
}

const std::string& ResourceEventHandlerRegistration::Name() const noexcept {
  return listener_->Name();
}

sim::Duration ResourceEventHandlerRegistration::ResyncPeriod() const noexcept {
  return listener_->ResyncPeriod();
}

// ---- SharedIndexInformer ---------------------------------------------------------------------

SharedIndexInformer::SharedIndexInformer(ListerWatcherPtr lw, SharedIndexInformerOptions options)
    : lw_(std::move(lw)),
      name_(options.name.empty() ? DefaultName(options.expected_kind) : std::move(options.name)),
      fiber_name_(options.fiber_name.empty() ? DefaultFiberName(options.expected_kind)
                                             : std::move(options.fiber_name)),
      expected_kind_(std::move(options.expected_kind)),
      default_resync_period_(options.resync_period),
      resync_check_period_(options.resync_period),
      fifo_kind_(options.fifo),
      use_watch_list_(options.use_watch_list),
      indexer_(DeletionHandlingMetaNamespaceKeyFunc, std::move(options.indexers)),
      synced_event_(name_ + " synced") {
  BUBBLE_EXPECT(lw_ != nullptr,
                "SharedIndexInformer {}: the ListerWatcher is null; pass one "
                "(e.g. cache::ListWatchFromClient)",
                name_);
}

SharedIndexInformer::~SharedIndexInformer() = default;

Result<RegistrationPtr> SharedIndexInformer::AddEventHandler(ResourceEventHandlerFuncs funcs,
                                                             AddEventHandlerOptions options) {
  return AddEventHandler(MakeHandler(std::move(funcs)), std::move(options));
}

Result<RegistrationPtr> SharedIndexInformer::AddEventHandler(ResourceEventHandlerPtr handler,
                                                             AddEventHandlerOptions options) {
  BUBBLE_EXPECT(handler != nullptr, "{}: AddEventHandler got a null handler", name_);
  std::string handler_name =
      options.name.empty() ? fmt::format("handler-{}", handlers_added_ + 1) : options.name;
  if (stopped_) {
    return Err(NewBadRequest(
        fmt::format("handler {} was not added to shared informer because it has stopped already",
                    handler_name)));
  }
  ++handlers_added_;

  sim::Duration period = options.resync_period.value_or(default_resync_period_);
  if (period > sim::Duration::zero()) {
    if (period < kMinimumResyncPeriod) {
      Logger().warn("resyncPeriod {} is too small. Changing it to the minimum allowed value of {}",
                    sim::FormatDuration(period), sim::FormatDuration(kMinimumResyncPeriod));
      period = kMinimumResyncPeriod;
    }
    if (period < resync_check_period_) {
      if (started_) {
        Logger().warn(
            "resyncPeriod {} is smaller than resyncCheckPeriod {} and the informer has already "
            "started. Changing it to {}",
            sim::FormatDuration(period), sim::FormatDuration(resync_check_period_),
            sim::FormatDuration(resync_check_period_));
        period = resync_check_period_;
      } else {
        // Lower the check period so this handler's resync can be honoured, and recompute every
        // listener's effective period against it (client-go's resyncCheckPeriodChanged).
        resync_check_period_ = period;
        for (const auto& l : listeners_) {
          l->SetResyncPeriod(DetermineResyncPeriod(l->RequestedResyncPeriod(), period));
        }
      }
    }
  }

  auto listener = std::make_shared<detail::ProcessorListener>(
      std::move(handler_name), std::move(handler), period,
      DetermineResyncPeriod(period, resync_check_period_), sim::Now(), synced_);
  auto registration = std::make_shared<ResourceEventHandlerRegistration>(listener, name_);

  if (started_) {
    // Join without a gap or a duplicate: nothing here is a scheduling point, so no delta is
    // processed between the snapshot of the cache and the listener joining the distribution.
    // The initial adds are queued before the listener's fiber is spawned (Spawn lets other
    // fibers run), so they precede every live notification.
    for (const ObjectPtr& obj : indexer_.List()) {
      listener->Add({.type = detail::Notification::Type::kAdd,
                     .old_obj = nullptr,
                     .new_obj = obj,
                     .is_in_initial_list = true});
    }
    listener->MaybeMarkSynced();
    listeners_.push_back(listener);
    StartListener(listener);
  } else {
    listeners_.push_back(listener);
  }
  return registration;
}

void SharedIndexInformer::RemoveEventHandler(const RegistrationPtr& registration) {
  if (registration == nullptr) {
    return;
  }
  auto it = std::find(listeners_.begin(), listeners_.end(), registration->listener_);
  if (it == listeners_.end()) {
    return;
  }
  (*it)->Close();
  listeners_.erase(it);
}

Result<void> SharedIndexInformer::SetTransform(TransformFunc transform) {
  if (started_) {
    return Err(NewBadRequest("informer has already started"));
  }
  transform_ = std::move(transform);
  return Ok();
}

Result<void> SharedIndexInformer::SetWatchErrorHandler(WatchErrorHandler handler) {
  if (started_) {
    return Err(NewBadRequest("informer has already started"));
  }
  watch_error_handler_ = std::move(handler);
  return Ok();
}

Result<void> SharedIndexInformer::AddIndexers(const Indexers& indexers) {
  if (stopped_) {
    return Err(NewBadRequest("informer has already stopped"));
  }
  return indexer_.AddIndexers(indexers);
}

bool SharedIndexInformer::HasSynced() const noexcept {
  return *synced_;
}

bool SharedIndexInformer::Idle() const noexcept {
  if (fifo_ != nullptr && fifo_->Len() != 0) {
    return false;
  }
  for (const auto& listener : listeners_) {
    if (!listener->Idle()) {
      return false;
    }
  }
  return true;
}

DoneChecker SharedIndexInformer::HasSyncedChecker() {
  return DoneChecker{name_, &synced_event_};
}

std::string SharedIndexInformer::LastSyncResourceVersion() const {
  return reflector_ ? reflector_->LastSyncResourceVersion() : std::string();
}

void SharedIndexInformer::StartListener(const std::shared_ptr<detail::ProcessorListener>& l) {
  if (l->started) {
    return;
  }
  l->started = true;
  sim::Spawn(fiber_name_ + "/" + l->Name(), [l] { l->Run(); });
}

void SharedIndexInformer::MarkSynced() {
  *synced_ = true;
  synced_event_.Set();
  for (const auto& l : listeners_) {
    l->MaybeMarkSynced();
  }
}

bool SharedIndexInformer::ShouldResync() {
  const sim::TimePoint now = sim::Now();
  bool any = false;
  for (const auto& l : listeners_) {
    l->syncing = l->ShouldResync(now);
    if (l->syncing) {
      any = true;
      l->DetermineNextResync(now);
    }
  }
  return any;
}

void SharedIndexInformer::Distribute(const detail::Notification& n, bool is_sync) {
  for (const auto& l : listeners_) {
    if (!is_sync || l->syncing) {
      l->Add(n);
    }
  }
}

Result<void> SharedIndexInformer::HandleDelta(const Delta& delta, bool is_in_initial_list) {
  using Type = detail::Notification::Type;
  if (delta.type == DeltaType::kDeleted) {
    if (auto ok = indexer_.Delete(delta.object); !ok) {
      return ok;
    }
    Distribute(
        {.type = Type::kDelete, .old_obj = nullptr, .new_obj = nullptr, .deleted = delta.object},
        false);
    return Ok();
  }
  const ObjectPtr& obj = ObjectOf(delta.object);
  auto key = indexer_.GetKeyFunc()(delta.object);
  if (!key) {
    return Err(key.error());
  }
  if (ObjectPtr old = indexer_.GetByKey(*key)) {
    if (auto ok = indexer_.Update(obj); !ok) {
      return ok;
    }
    // Equal resourceVersion strings mean a resync (or a relist that found nothing new): only
    // listeners whose resync is due hear it (§5.4).
    const bool is_sync = old->metadata.resource_version == obj->metadata.resource_version;
    Distribute({.type = Type::kUpdate, .old_obj = std::move(old), .new_obj = obj}, is_sync);
    return Ok();
  }
  if (auto ok = indexer_.Add(obj); !ok) {
    return ok;
  }
  Distribute({.type = Type::kAdd,
              .old_obj = nullptr,
              .new_obj = obj,
              .is_in_initial_list = is_in_initial_list},
             false);
  return Ok();
}

void SharedIndexInformer::Run(const sim::Context& ctx) {
  if (started_) {
    Logger().warn("The sharedIndexInformer {} has started, run more than once is not allowed",
                  name_);
    return;
  }
  if (fifo_kind_ == FifoKind::kReal) {
    fifo_ = std::make_unique<RealFifo>(RealFifoOptions{
        .known_objects = &indexer_, .transformer = transform_, .name = fiber_name_ + " RealFIFO"});
  } else {
    fifo_ = std::make_unique<DeltaFifo>(DeltaFifoOptions{.known_objects = &indexer_,
                                                         .emit_delta_type_replaced = true,
                                                         .transformer = transform_,
                                                         .name = fiber_name_ + " DeltaFIFO"});
  }
  ReflectorOptions ropts{
      .name = fiber_name_ + "/reflector",
      .type_description = expected_kind_
                              ? fmt::format("*{}.{}", expected_kind_->version, expected_kind_->kind)
                              : std::string(),
      .expected_kind = expected_kind_,
      .resync_period = resync_check_period_,
      .should_resync = [this] { return ShouldResync(); },
      .watch_error_handler = watch_error_handler_,
      .use_watch_list = use_watch_list_,
  };
  reflector_ = std::make_unique<Reflector>(lw_, *fifo_, std::move(ropts));
  started_ = true;

  sim::WaitGroup helpers(fiber_name_ + " helpers");
  // Listeners first, from a snapshot: each Spawn lets other fibers run, and they may add
  // handlers (AddEventHandler starts those itself, started_ being true; StartListener starts each
  // listener once) or remove them (a closed listener's fiber just exits).
  const auto initial_listeners = listeners_;
  for (const auto& l : initial_listeners) {
    StartListener(l);
  }
  helpers.Go(fiber_name_ + "/synced", [this, &ctx] {
    if (fifo_->SyncedEvent().Wait(ctx)) {
      MarkSynced();
    }
  });
  helpers.Go(fiber_name_ + "/reflector", [this, &ctx] { reflector_->Run(ctx); });

  auto* batched = dynamic_cast<QueueWithBatch*>(fifo_.get());
  auto process = [this](const Deltas& deltas, bool is_in_initial_list) -> Result<void> {
    for (const Delta& d : deltas) {
      if (auto ok = HandleDelta(d, is_in_initial_list); !ok) {
        return ok;
      }
    }
    return Ok();
  };
  while (!ctx.IsDone()) {
    Result<void> popped;
    if (batched != nullptr) {
      popped = batched->PopBatch(ctx, process);
    } else if (auto p = fifo_->Pop(ctx, process); !p) {
      popped = Err(p.error());
    }
    if (!popped) {
      if (IsFifoClosed(popped.error()) || ctx.IsDone()) {
        break;
      }
      Logger().error("{}: error processing deltas: {}", name_, popped.error().message);
    }
  }

  fifo_->Close();
  helpers.Wait();
  // Stopped from here on: AddEventHandler refuses, so the snapshot below is every listener left
  // (one removed while this fiber waits is closed already and needs no waiting for).
  stopped_ = true;
  const auto final_listeners = listeners_;
  for (const auto& l : final_listeners) {
    l->Close();
  }
  for (const auto& l : final_listeners) {
    if (l->started) {
      l->Finished().Wait();
    }
  }
}

}  // namespace bubble::runtime::cache
