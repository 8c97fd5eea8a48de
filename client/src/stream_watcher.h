// client/src/stream_watcher.h
//
// A watch over a streamed HTTP answer (client-go's watch.StreamWatcher with its JSON frame
// reader): a fiber reads the chunked body, splits it into lines of `{"type":..., "object":...}`,
// decodes each object and sends the event on the watch's channel. An ERROR event carries the
// Status the server sent (410 Expired for a compacted resourceVersion), so a reflector relists
// as with the fake. The watch ends (its channel closes) when the server ends the stream, when
// the connection fails, or on Stop(), which also closes the connection.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include <bubble/net/http_client.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/watch.h>

namespace bubble::client::detail {

// Decodes one event's object (ADDED, MODIFIED, DELETED, BOOKMARK).
using EventObjectDecoder = std::function<runtime::Result<runtime::ObjectPtr>(nlohmann::json)>;

// Starts the reading fiber (named `name`) and returns the watch. `keep_alive` (the transport)
// lives as long as the fiber.
runtime::WatchPtr StartStreamWatcher(net::HttpStream stream, EventObjectDecoder decode,
                                     std::string name, std::shared_ptr<const void> keep_alive);

}  // namespace bubble::client::detail
