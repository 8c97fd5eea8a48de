// apiserver/src/event_fields.cc
#include "event_fields.h"

#include <nlohmann/json.hpp>

#include "json_read.h"

namespace bubble::apiserver::detail {

namespace {

// kube-apiserver's event field labels (pkg/registry/core/event/strategy.go) beyond metadata.
bool IsEventField(std::string_view field) {
  return field.starts_with("involvedObject.") || field == "reason" || field == "source" ||
         field == "type" || field == "reportingComponent";
}

// Selector syntax escapes these in values (fields.EscapeValue).
std::string Escape(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == ',' || c == '=' || c == '!') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

// The value of `field` in the event's JSON ("involvedObject.name"); "source" is the source's
// component, as kube-apiserver's EventToSelectableFields has it.
std::string EventFieldValue(const nlohmann::json& event, std::string_view field) {
  const std::string_view path = field == "source" ? "source.component" : field;
  const nlohmann::json* at = &event;
  std::size_t start = 0;
  while (at != nullptr) {
    const std::size_t dot = path.find('.', start);
    at = Child(at, path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  return Str(at);
}

}  // namespace

runtime::Result<EventFieldSelector> SplitEventFieldSelector(std::string_view text) {
  auto parsed = runtime::FieldSelector::Parse(text);
  if (!parsed) {
    return runtime::Err(parsed.error());
  }
  std::string server;
  std::string handler;
  for (const runtime::FieldRequirement& r : parsed->Requirements()) {
    std::string& into = IsEventField(r.field) ? handler : server;
    if (!into.empty()) {
      into += ',';
    }
    into += r.field + (r.negate ? "!=" : "=") + Escape(r.value);
  }
  auto kept = runtime::FieldSelector::Parse(handler);
  if (!kept) {
    return runtime::Err(kept.error());
  }
  return EventFieldSelector{.for_server = std::move(server), .for_handler = std::move(*kept)};
}

bool MatchesEventFields(const runtime::FieldSelector& selector, const runtime::Object& obj) {
  if (selector.Empty()) {
    return true;
  }
  const nlohmann::json event = obj.ToJson();
  for (const runtime::FieldRequirement& r : selector.Requirements()) {
    if ((EventFieldValue(event, r.field) == r.value) == r.negate) {
      return false;
    }
  }
  return true;
}

}  // namespace bubble::apiserver::detail
