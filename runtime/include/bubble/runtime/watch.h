// runtime/include/bubble/runtime/watch.h
//
// Watches: a stream of WatchEvents on a bubble channel (apimachinery's watch.Interface).
//
//   auto w = client.Watch(ctx, {.resource_version = list->metadata.resource_version});
//   while (auto ev = (*w)->ResultChan().Recv(ctx)) { ... }   // nullopt: the watch ended
//   (*w)->Stop();
//
// ResultChan() is closed when the watch ends, whoever ends it: the consumer (Stop), the server
// (timeout, injected fault, compaction) or the producer. Buffered events are still received
// after the close. Stop() is idempotent; events sent after it are dropped silently.
//
// ChannelWatcher is the ready-made implementation (watch.NewFake / NewFakeWithChanSize /
// RaceFreeFakeWatcher in Go): the fake API server streams into one, and tests can feed one by
// hand (for example from a watch reactor).
//
// Threading: fibers of one bubble. Sending never blocks with TrySend; Send blocks the producer
// while the buffer is full (watch.NewFake() is unbuffered: every Send waits for the consumer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include <bubble/runtime/object.h>
#include <bubble/runtime/status.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/event.h>

namespace bubble::runtime {

enum class WatchEventType : std::uint8_t { kAdded, kModified, kDeleted, kBookmark, kError };

// "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR".
std::string_view WatchEventTypeName(WatchEventType type) noexcept;

// The annotation a BOOKMARK carries at the end of the initial events of a WatchList stream.
inline constexpr std::string_view kInitialEventsEndAnnotation = "k8s.io/initial-events-end";

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  // ADDED/MODIFIED: the new state; DELETED: the last state; BOOKMARK: an object of the watched
  // kind carrying only metadata.resourceVersion (and annotations); ERROR: null.
  ObjectPtr object{};
  // ERROR only: the status the server sent (410 Expired for a compacted resourceVersion).
  // Shared, so events stay small (they are queued by the hundred).
  std::shared_ptr<const Status> error{};
};

// A watch as the client sees it.
class Watcher {
 public:
  virtual ~Watcher() = default;
  // The stream of events; closed when the watch ends.
  virtual sim::Channel<WatchEvent>& ResultChan() = 0;
  // Ends the watch from the consumer's side: closes ResultChan(). Idempotent.
  virtual void Stop() = 0;
};

using WatchPtr = std::shared_ptr<Watcher>;

// A watch backed by a bubble channel of fixed capacity (0: unbuffered).
class ChannelWatcher final : public Watcher {
 public:
  enum class SendResult : std::uint8_t { kSent, kFull, kStopped };

  explicit ChannelWatcher(std::size_t capacity = 0, std::string name = "watch");
  ChannelWatcher(const ChannelWatcher&) = delete;
  ChannelWatcher& operator=(const ChannelWatcher&) = delete;

  sim::Channel<WatchEvent>& ResultChan() override { return channel_; }

  void Stop() override;

  bool Stopped() const noexcept { return stopped_; }

  // Never blocks: kFull when the buffer is full (and no consumer waits), kStopped after Stop().
  SendResult TrySend(WatchEvent event);
  // Blocks the calling fiber until the event is taken or buffered; false if the watch stopped
  // (before or while waiting): the event was dropped.
  bool Send(WatchEvent event);

  // Send() shorthands.
  bool Add(ObjectPtr obj) { return Send({WatchEventType::kAdded, std::move(obj), nullptr}); }

  bool Modify(ObjectPtr obj) { return Send({WatchEventType::kModified, std::move(obj), nullptr}); }

  bool Delete(ObjectPtr obj) { return Send({WatchEventType::kDeleted, std::move(obj), nullptr}); }

  bool Bookmark(ObjectPtr obj) {
    return Send({WatchEventType::kBookmark, std::move(obj), nullptr});
  }

  bool Error(Status status) {
    return Send(
        {WatchEventType::kError, nullptr, std::make_shared<const Status>(std::move(status))});
  }

  const std::string& Name() const noexcept { return channel_.Name(); }

 private:
  sim::Channel<WatchEvent> channel_{};
  sim::Event stop_{};
  bool stopped_ = false;
};

}  // namespace bubble::runtime

template <>
struct fmt::formatter<bubble::runtime::WatchEventType> : fmt::formatter<std::string_view> {
  format_context::iterator format(bubble::runtime::WatchEventType t, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(bubble::runtime::WatchEventTypeName(t), ctx);
  }
};

// "ADDED ConfigMap default/cm1 rv=2", "ERROR 410 Expired: too old resource version: 1 (5)".
template <>
struct fmt::formatter<bubble::runtime::WatchEvent> {
  constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }

  format_context::iterator format(const bubble::runtime::WatchEvent& e, format_context& ctx) const;
};
