// runtime/src/options.cc
#include "bubble/runtime/options.h"

namespace bubble::runtime {

std::string_view PatchTypeName(PatchType type) noexcept {
  switch (type) {
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::kApply:
      return "application/apply-patch+yaml";
  }
  return "?";
}

}  // namespace bubble::runtime

fmt::format_context::iterator fmt::formatter<bubble::runtime::ListOptions>::format(
    const bubble::runtime::ListOptions& o, format_context& ctx) const {
  std::string out;
  auto add = [&out](std::string_view part) {
    if (!out.empty()) {
      out += ' ';
    }
    out += part;
  };
  if (o.watch || !o.resource_version.empty()) {
    add(fmt::format("rv=\"{}\"", o.resource_version));
  }
  if (!o.resource_version_match.empty()) {
    add(fmt::format("rvMatch={}", o.resource_version_match));
  }
  if (!o.label_selector.empty()) {
    add(fmt::format("labels={}", o.label_selector));
  }
  if (!o.field_selector.empty()) {
    add(fmt::format("fields={}", o.field_selector));
  }
  if (o.timeout_seconds) {
    add(fmt::format("timeout={}s", *o.timeout_seconds));
  }
  if (o.allow_watch_bookmarks) {
    add("bookmarks");
  }
  if (o.limit != 0) {
    add(fmt::format("limit={}", o.limit));
  }
  if (!o.continue_.empty()) {
    add(fmt::format("continue={}", o.continue_));
  }
  if (o.send_initial_events) {
    add(fmt::format("sendInitialEvents={}", *o.send_initial_events));
  }
  return fmt::format_to(ctx.out(), "{}", out.empty() ? "{}" : out);
}
