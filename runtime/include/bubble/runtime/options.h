// runtime/include/bubble/runtime/options.h
//
// The options of API calls, as client-go's metav1 option structs: ListOptions (for List, Watch
// and DeleteCollection), GetOptions, CreateOptions, UpdateOptions, PatchOptions, DeleteOptions.
// Plain aggregates; `{}` is the default, as `metav1.ListOptions{}` in Go:
//
//   client.List(ctx, {.label_selector = "app=web", .resource_version = "0"});
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace bubble::runtime {

struct ListOptions {
  // Label selector in string syntax (label_selector.h); "" selects everything.
  std::string label_selector{};
  // Field selector in string syntax (field_selector.h); "" selects everything.
  std::string field_selector{};
  // List: "" most recent, "0" any. Watch: start after this version (see fake/tracker.h).
  std::string resource_version{};
  // "", "NotOlderThan" or "Exact".
  std::string resource_version_match{};
  // Watch: the server ends the watch after this long (client-go's reflector: 300-600 s).
  std::optional<std::int64_t> timeout_seconds{};
  // Watch: the client accepts BOOKMARK events.
  bool allow_watch_bookmarks = false;
  // List paging (ignored by client-go's fake and by bubble's).
  std::int64_t limit = 0;
  std::string continue_{};
  // Watch: stream the current state as ADDED events first (WatchList).
  std::optional<bool> send_initial_events{};
  // Set by Watch calls (client-go sets opts.Watch = true).
  bool watch = false;

  friend bool operator==(const ListOptions&, const ListOptions&) = default;
};

struct GetOptions {
  std::string resource_version{};
  friend bool operator==(const GetOptions&, const GetOptions&) = default;
};

struct CreateOptions {
  std::vector<std::string> dry_run{};
  std::string field_manager{};
  friend bool operator==(const CreateOptions&, const CreateOptions&) = default;
};

struct UpdateOptions {
  std::vector<std::string> dry_run{};
  std::string field_manager{};
  friend bool operator==(const UpdateOptions&, const UpdateOptions&) = default;
};

struct PatchOptions {
  std::vector<std::string> dry_run{};
  std::string field_manager{};
  std::optional<bool> force{};
  friend bool operator==(const PatchOptions&, const PatchOptions&) = default;
};

// Conditions the stored object must meet for a delete to proceed.
struct Preconditions {
  std::optional<std::string> uid{};
  std::optional<std::string> resource_version{};
  friend bool operator==(const Preconditions&, const Preconditions&) = default;
};

struct DeleteOptions {
  std::optional<std::int64_t> grace_period_seconds{};
  Preconditions preconditions{};
  std::string propagation_policy{};  // "Orphan", "Background", "Foreground"
  std::vector<std::string> dry_run{};
  friend bool operator==(const DeleteOptions&, const DeleteOptions&) = default;
};

enum class PatchType : std::uint8_t {
  kJson,            // RFC 6902 JSON patch, application/json-patch+json
  kMerge,           // RFC 7386 JSON merge patch, application/merge-patch+json
  kStrategicMerge,  // application/strategic-merge-patch+json (bubble: applied as a merge patch)
  kApply,           // server-side apply, application/apply-patch+yaml (bubble: JSON, merged)
};

// The content type of a patch type ("application/merge-patch+json").
std::string_view PatchTypeName(PatchType type) noexcept;

}  // namespace bubble::runtime

// Only the fields that differ from the defaults: "rv=2 labels=app=web timeout=300s bookmarks".
template <>
struct fmt::formatter<bubble::runtime::ListOptions> {
  constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }

  format_context::iterator format(const bubble::runtime::ListOptions& o, format_context& ctx) const;
};

template <>
struct fmt::formatter<bubble::runtime::PatchType> : fmt::formatter<std::string_view> {
  format_context::iterator format(bubble::runtime::PatchType t, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(bubble::runtime::PatchTypeName(t), ctx);
  }
};
