// client/src/stream_watcher.cc
#include "stream_watcher.h"

#include <optional>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>

#include "response_status.h"

namespace bubble::client::detail {

namespace {

// Room for a burst of events while the consumer is busy; the reader waits beyond it.
constexpr std::size_t kEventBuffer = 100;

class StreamWatcher final : public runtime::Watcher {
 public:
  StreamWatcher(std::string name, sim::Context ctx, sim::CancelFunc cancel)
      : channel_(kEventBuffer, std::move(name)), ctx_(std::move(ctx)), cancel_(std::move(cancel)) {}

  sim::Channel<runtime::WatchEvent>& ResultChan() override { return channel_.ResultChan(); }

  void Stop() override {
    cancel_();  // the reader's Read returns: it closes the connection
    channel_.Stop();
  }

  runtime::ChannelWatcher& Channel() noexcept { return channel_; }

  const sim::Context& Ctx() const noexcept { return ctx_; }

 private:
  runtime::ChannelWatcher channel_;
  sim::Context ctx_;
  sim::CancelFunc cancel_;
};

std::optional<runtime::WatchEventType> ParseEventType(std::string_view type) {
  using T = runtime::WatchEventType;
  for (const T t : {T::kAdded, T::kModified, T::kDeleted, T::kBookmark, T::kError}) {
    if (runtime::WatchEventTypeName(t) == type) {
      return t;
    }
  }
  return std::nullopt;
}

// The event of one line; an undecodable line is an ERROR event with an InternalError, as
// client-go's StreamWatcher reports a decoding failure.
runtime::WatchEvent DecodeEvent(std::string_view line, const EventObjectDecoder& decode) {
  const auto failed = [](std::string why) {
    return runtime::WatchEvent{
        runtime::WatchEventType::kError, nullptr,
        std::make_shared<const runtime::Status>(runtime::NewInternalError(std::move(why)))};
  };
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return failed(fmt::format("unable to decode a watch event: not a JSON object: {:.200}", line));
  }
  const auto type_it = j.find("type");
  const auto object_it = j.find("object");
  std::optional<runtime::WatchEventType> type;
  if (type_it != j.end() && type_it->is_string()) {
    type = ParseEventType(type_it->get<std::string>());
  }
  if (!type || object_it == j.end() || !object_it->is_object()) {
    return failed(fmt::format("unable to decode a watch event: {:.200}", line));
  }
  if (*type == runtime::WatchEventType::kError) {
    return {*type, nullptr,
            std::make_shared<const runtime::Status>(runtime::Status::FromJson(*object_it, 500))};
  }
  auto object = decode(std::move(*object_it));
  if (!object) {
    return failed(fmt::format("unable to decode a watch event's object: {}", object.error()));
  }
  return {*type, std::move(*object), nullptr};
}

void ReadEvents(net::HttpStream& stream, StreamWatcher& watcher, const EventObjectDecoder& decode) {
  std::string pending;
  while (auto bytes = stream.Read(watcher.Ctx())) {
    pending += *bytes;
    std::size_t start = 0;
    for (std::size_t nl = pending.find('\n'); nl != std::string::npos;
         nl = pending.find('\n', start)) {
      const std::string_view line = std::string_view(pending).substr(start, nl - start);
      start = nl + 1;
      if (line.find_first_not_of(" \r\t") == std::string_view::npos) {
        continue;
      }
      runtime::WatchEvent event = DecodeEvent(line, decode);
      const bool last = event.type == runtime::WatchEventType::kError;
      if (!watcher.Channel().Send(std::move(event)) || last) {
        return;
      }
    }
    pending.erase(0, start);
  }
}

}  // namespace

runtime::WatchPtr StartStreamWatcher(net::HttpStream stream, EventObjectDecoder decode,
                                     std::string name, std::shared_ptr<const void> keep_alive) {
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  auto watcher = std::make_shared<StreamWatcher>(name, std::move(ctx), std::move(cancel));
  auto body = std::make_shared<net::HttpStream>(std::move(stream));
  sim::Spawn(std::move(name),
             [watcher, body, decode = std::move(decode), keep_alive = std::move(keep_alive)] {
               ReadEvents(*body, *watcher, decode);
               body->Close();
               watcher->Stop();  // closes the channel (buffered events are still received)
             });
  return watcher;
}

}  // namespace bubble::client::detail
