// apiserver/src/watch_stream.h
//
// A watch over HTTP (docs/semantics.md §1.16): one chunk per event, each a line of JSON
// {"type":"ADDED","object":{...}}, as kube-apiserver streams them. The stream ends when the
// watch's timeout passes, when the server ends the watch (after an ERROR event such as 410
// Expired "too old resource version"), or when the client leaves (the responder's context).
// With allowWatchBookmarks, a BOOKMARK carrying the resource's current resourceVersion is sent
// every bookmark interval in which the stream was idle.
#pragma once

#include <string>

#include <bubble/fake/clientset.h>
#include <bubble/net/http_exchange.h>
#include <bubble/runtime/field_selector.h>
#include <bubble/runtime/options.h>
#include <bubble/runtime/resource_client.h>
#include <bubble/sim/clock.h>

#include "resource_catalog.h"
#include "responses.h"

namespace bubble::apiserver::detail {

struct WatchStream {
  fake::Clientset* server = nullptr;
  runtime::ResourceClientPtr client{};
  const ServedResource* resource = nullptr;
  runtime::ListOptions options{};         // watch, selectors, resourceVersion, timeout_seconds set
  runtime::FieldSelector event_fields{};  // v1 events: terms the handler filters (event_fields.h)
  ObjectFormat format{};
  sim::Duration timeout{};
  sim::Duration bookmark_interval{};
};

// Opens the watch and streams it into `out` until it ends. A watch that cannot start (a bad
// resourceVersion) is answered with its Status instead.
void ServeWatch(const WatchStream& watch, net::HttpResponder& out);

}  // namespace bubble::apiserver::detail
