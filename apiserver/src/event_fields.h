// apiserver/src/event_fields.h
//
// The field selectors of v1 events that `kubectl describe` sends
// (involvedObject.name=web,involvedObject.namespace=default,involvedObject.kind=Pod,
// involvedObject.uid=...), which kube-apiserver serves for events and the fake's kinds do not
// know: the handler keeps those terms for itself, passes the rest (metadata.name,
// metadata.namespace) to the server, and filters the answer (docs/semantics.md §1.16).
#pragma once

#include <string>
#include <string_view>

#include <bubble/runtime/field_selector.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/status.h>

namespace bubble::apiserver::detail {

struct EventFieldSelector {
  std::string for_server{};              // the terms the fake evaluates, in selector syntax
  runtime::FieldSelector for_handler{};  // the event fields
};

// BadRequest if `text` does not parse.
runtime::Result<EventFieldSelector> SplitEventFieldSelector(std::string_view text);

// Whether the event `obj` matches every term of `selector` (an absent field is "").
bool MatchesEventFields(const runtime::FieldSelector& selector, const runtime::Object& obj);

}  // namespace bubble::apiserver::detail
