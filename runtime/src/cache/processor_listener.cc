// runtime/src/cache/processor_listener.cc
#include "bubble/runtime/cache/detail/processor_listener.h"

#include <utility>

namespace bubble::runtime::cache::detail {

ProcessorListener::ProcessorListener(std::string name, ResourceEventHandlerPtr handler,
                                     sim::Duration requested_resync_period,
                                     sim::Duration resync_period, sim::TimePoint now,
                                     std::shared_ptr<const bool> informer_synced)
    : name_(std::move(name)),
      handler_(std::move(handler)),
      requested_resync_period_(requested_resync_period),
      resync_period_(resync_period),
      next_resync_(now + resync_period),
      wake_(1, name_ + " notifications"),
      informer_synced_(std::move(informer_synced)),
      synced_(name_ + " synced"),
      finished_(name_ + " finished") {}

void ProcessorListener::Add(Notification n) {
  if (closed_) {
    return;
  }
  if (n.type == Notification::Type::kAdd && n.is_in_initial_list) {
    ++pending_initial_adds_;
  }
  buffer_.push_back(std::move(n));
  wake_.TrySend(sim::Unit{});
}

void ProcessorListener::Close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  buffer_.clear();
  wake_.Close();
}

void ProcessorListener::Run() {
  while (true) {
    while (buffer_.empty() && !closed_) {
      wake_.Recv();
    }
    if (closed_) {
      break;
    }
    Notification n = std::move(buffer_.front());
    buffer_.pop_front();
    delivering_ = true;
    Deliver(n);
    delivering_ = false;
    if (n.type == Notification::Type::kAdd && n.is_in_initial_list && !closed_) {
      --pending_initial_adds_;
      MaybeMarkSynced();
    }
  }
  finished_.Set();
}

void ProcessorListener::Deliver(const Notification& n) {
  switch (n.type) {
    case Notification::Type::kAdd:
      handler_->OnAdd(n.new_obj, n.is_in_initial_list);
      break;
    case Notification::Type::kUpdate:
      handler_->OnUpdate(n.old_obj, n.new_obj);
      break;
    case Notification::Type::kDelete:
      handler_->OnDelete(n.deleted);
      break;
  }
}

void ProcessorListener::MaybeMarkSynced() {
  if (HasSynced()) {
    synced_.Set();
  }
}

}  // namespace bubble::runtime::cache::detail
