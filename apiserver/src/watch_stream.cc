// apiserver/src/watch_stream.cc
#include "watch_stream.h"

#include <optional>

#include <nlohmann/json.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/select.h>

#include "event_fields.h"

namespace bubble::apiserver::detail {

namespace {

std::string ApiVersionOf(const ServedResource& resource) {
  return runtime::GroupVersionKind{resource.gvr.group, resource.gvr.version, resource.kind}
      .ApiVersion();
}

std::string EventLine(const WatchStream& watch, const runtime::WatchEvent& ev) {
  nlohmann::json line = {{"type", std::string(runtime::WatchEventTypeName(ev.type))}};
  if (ev.type == runtime::WatchEventType::kError) {
    line["object"] = StatusJson(ev.error ? *ev.error : runtime::NewInternalError("watch error"));
  } else if (ev.type == runtime::WatchEventType::kBookmark || ev.object == nullptr) {
    line["object"] = ev.object ? ev.object->ToJson() : nlohmann::json::object();
    // The fake's bookmark of a custom resource is an Unstructured with no kind; a reflector
    // checks a bookmark's kind against the one it expects, so name the watched resource's.
    if (line["object"].value("kind", "").empty()) {
      line["object"]["kind"] = watch.resource->kind;
      line["object"]["apiVersion"] = ApiVersionOf(*watch.resource);
    }
  } else {
    line["object"] = ObjectJson(*watch.resource, ev.object, watch.format);
  }
  std::string text = line.dump();
  text.push_back('\n');
  return text;
}

// A BOOKMARK at the resource's current resourceVersion. Sent only when the watch's channel was
// found empty at this instant: the tracker delivers every change to its watches as it commits
// it, so the stream has then carried every change up to that version.
std::string BookmarkLine(const WatchStream& watch) {
  const std::string api_version = ApiVersionOf(*watch.resource);
  nlohmann::json line = {
      {"type", "BOOKMARK"},
      {"object",
       {{"kind", watch.resource->kind},
        {"apiVersion", api_version},
        {"metadata",
         {{"resourceVersion",
           std::to_string(watch.server->GetTracker().ResourceVersion(watch.resource->gvr))}}}}}};
  std::string text = line.dump();
  text.push_back('\n');
  return text;
}

}  // namespace

void ServeWatch(const WatchStream& watch, net::HttpResponder& out) {
  auto [ctx, cancel] = sim::WithTimeout(out.Context(), watch.timeout);
  auto opened = watch.client->Watch(ctx, watch.options);
  if (!opened) {
    cancel();
    RespondStatus(out, opened.error());
    return;
  }
  runtime::WatchPtr w = std::move(*opened);
  out.StartStream(200, "application/json");
  const bool bookmarks = watch.options.allow_watch_bookmarks && watch.bookmark_interval.count() > 0;
  sim::TimePoint next_bookmark = sim::Now() + watch.bookmark_interval;
  while (true) {
    std::optional<runtime::WatchEvent> ev;
    bool waited_out = false;
    {
      auto [wait_ctx, wait_cancel] =
          bookmarks ? sim::WithDeadline(ctx, next_bookmark) : sim::WithCancel(ctx);
      ev = w->ResultChan().Recv(wait_ctx);
      waited_out = wait_ctx.IsDone();
      wait_cancel();
    }
    if (!ev) {
      if (!waited_out || ctx.IsDone()) {
        break;  // the server ended the watch, its timeout passed, or the client left
      }
      next_bookmark = sim::Now() + watch.bookmark_interval;
      if (!out.WriteChunk(BookmarkLine(watch))) {
        break;
      }
      continue;
    }
    if (watch.resource->kind == "Event" && ev->object != nullptr &&
        ev->type != runtime::WatchEventType::kBookmark &&
        !MatchesEventFields(watch.event_fields, *ev->object)) {
      continue;
    }
    if (!out.WriteChunk(EventLine(watch, *ev))) {
      break;
    }
    if (ev->type == runtime::WatchEventType::kError) {
      break;  // kube-apiserver ends a watch after its ERROR event
    }
  }
  w->Stop();
  cancel();
}

}  // namespace bubble::apiserver::detail
