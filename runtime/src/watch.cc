// runtime/src/watch.cc
#include "bubble/runtime/watch.h"

#include <bubble/sim/select.h>

namespace bubble::runtime {

std::string_view WatchEventTypeName(WatchEventType type) noexcept {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
    case WatchEventType::kError:
      return "ERROR";
  }
  return "?";
}

ChannelWatcher::ChannelWatcher(std::size_t capacity, std::string name)
    : channel_(capacity, std::move(name)), stop_(channel_.Name() + " stop") {}

void ChannelWatcher::Stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  // Wake a producer blocked in Send first (its select takes the stop case), then close.
  stop_.Set();
  channel_.Close();
}

ChannelWatcher::SendResult ChannelWatcher::TrySend(WatchEvent event) {
  if (stopped_) {
    return SendResult::kStopped;
  }
  return channel_.TrySend(std::move(event)) ? SendResult::kSent : SendResult::kFull;
}

bool ChannelWatcher::Send(WatchEvent event) {
  if (stopped_) {
    return false;
  }
  return sim::Select(sim::SendCase(channel_, std::move(event)),
                     sim::RecvCase(stop_.GetChannel())) == 0;
}

}  // namespace bubble::runtime

fmt::format_context::iterator fmt::formatter<bubble::runtime::WatchEvent>::format(
    const bubble::runtime::WatchEvent& e, format_context& ctx) const {
  if (e.type == bubble::runtime::WatchEventType::kError) {
    if (e.error == nullptr) {
      return fmt::format_to(ctx.out(), "ERROR (no status)");
    }
    return fmt::format_to(ctx.out(), "ERROR {:v}", *e.error);
  }
  return fmt::format_to(ctx.out(), "{} {}", e.type, e.object);
}
