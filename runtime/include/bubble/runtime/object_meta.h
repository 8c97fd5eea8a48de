// runtime/include/bubble/runtime/object_meta.h
//
// ObjectMeta and ListMeta: the metadata every object and every list carries (metav1.ObjectMeta,
// metav1.ListMeta), as plain structs with JSON in Kubernetes' field names. Maps are std::map so
// iteration (and so JSON, formatting and the trace) is in key order.
//
//   runtime::ObjectMeta meta{.name = "cm1", .namespace_ = "default", .labels = {{"app", "web"}}};
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json_fwd.hpp>

#include <bubble/runtime/status.h>
#include <bubble/sim/clock.h>

namespace bubble::runtime {

// metav1.OwnerReference.
struct OwnerReference {
  std::string api_version{};
  std::string kind{};
  std::string name{};
  std::string uid{};
  std::optional<bool> controller{};
  std::optional<bool> block_owner_deletion{};
  friend bool operator==(const OwnerReference&, const OwnerReference&) = default;
};

// metav1.ObjectMeta (the fields controllers use). `namespace_` carries a trailing underscore only
// because `namespace` is a keyword.
struct ObjectMeta {
  std::string name{};
  std::string namespace_{};
  std::string generate_name{};
  std::string uid{};
  // Opaque to clients. The fake writes it only when told to (fidelity switch); see fake/tracker.h.
  std::string resource_version{};
  std::int64_t generation = 0;
  std::optional<sim::TimePoint> creation_timestamp{};
  std::optional<sim::TimePoint> deletion_timestamp{};
  std::optional<std::int64_t> deletion_grace_period_seconds{};
  std::map<std::string, std::string> labels{};
  std::map<std::string, std::string> annotations{};
  std::vector<OwnerReference> owner_references{};
  std::vector<std::string> finalizers{};

  // The informer cache key (cache.MetaNamespaceKeyFunc): "namespace/name", or "name" when the
  // namespace is empty.
  std::string Key() const;

  // JSON with Kubernetes' field names; empty fields are omitted (omitempty).
  nlohmann::json ToJson() const;
  // Reads what ToJson writes; BadRequest on a field of the wrong type or a malformed time.
  static Result<ObjectMeta> FromJson(const nlohmann::json& j);

  friend bool operator==(const ObjectMeta&, const ObjectMeta&) = default;
};

// metav1.ListMeta.
struct ListMeta {
  std::string resource_version{};
  std::string continue_{};
  std::optional<std::int64_t> remaining_item_count{};
  friend bool operator==(const ListMeta&, const ListMeta&) = default;
};

}  // namespace bubble::runtime

// "default/cm1 rv=3" (the key, then the resourceVersion when set).
template <>
struct fmt::formatter<bubble::runtime::ObjectMeta> {
  constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }

  format_context::iterator format(const bubble::runtime::ObjectMeta& m, format_context& ctx) const;
};
