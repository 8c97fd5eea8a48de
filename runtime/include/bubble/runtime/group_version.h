// runtime/include/bubble/runtime/group_version.h
//
// Names of API types: GroupVersionKind (what an object is: coordination.k8s.io/v1 Lease) and
// GroupVersionResource (where it lives in the API: coordination.k8s.io/v1 leases), plus the
// GroupResource / GroupKind pairs errors are phrased in, and the kind→resource guess client-go's
// tracker uses (KindToResource, docs/semantics.md §1.3).
//
// All are plain values with a total order (group, version, then kind/resource), so they key
// std::map deterministically.
#pragma once

#include <compare>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace bubble::runtime {

// A resource in a group, without version: what error messages name ("leases.coordination.k8s.io").
struct GroupResource {
  std::string group{};
  std::string resource{};

  // "configmaps" for the core group, "leases.coordination.k8s.io" otherwise.
  std::string String() const;
  friend auto operator<=>(const GroupResource&, const GroupResource&) = default;
};

// A kind in a group, without version ("Lease.coordination.k8s.io"; "ConfigMap" for core).
struct GroupKind {
  std::string group{};
  std::string kind{};

  std::string String() const;
  friend auto operator<=>(const GroupKind&, const GroupKind&) = default;
};

struct GroupVersionResource {
  std::string group{};  // "" for the core group
  std::string version{};
  std::string resource{};  // lower-case plural: "configmaps"

  GroupResource GetGroupResource() const { return {group, resource}; }

  // "v1/configmaps" or "coordination.k8s.io/v1/leases".
  std::string String() const;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  friend auto operator<=>(const GroupVersionResource&, const GroupVersionResource&) = default;
};

struct GroupVersionKind {
  std::string group{};
  std::string version{};
  std::string kind{};  // CamelCase singular: "ConfigMap"

  GroupKind GetGroupKind() const { return {group, kind}; }

  // "v1" or "coordination.k8s.io/v1".
  std::string ApiVersion() const;
  // "v1/ConfigMap" or "coordination.k8s.io/v1/Lease".
  std::string String() const;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  friend auto operator<=>(const GroupVersionKind&, const GroupVersionKind&) = default;
};

// Splits an apiVersion ("apps/v1" -> {"apps","v1"}, "v1" -> {"","v1"}).
std::pair<std::string, std::string> ParseApiVersion(std::string_view api_version);

// client-go's guess of the resource for a kind (meta.UnsafeGuessKindToResource): lower-case the
// kind; kinds ending in "endpoints" stay as they are; ending in "s" -> +"es"; ending in "y" ->
// "ies" (the "y" replaced); otherwise +"s". ConfigMap -> configmaps, Ingress -> ingresses,
// NetworkPolicy -> networkpolicies, Endpoints -> endpoints. Quirks are kept (Gateway ->
// gatewaies, as in Go); a Scheme registration names the resource when the guess is wrong.
std::string KindToResource(std::string_view kind);

// The resource for a kind with the same group and version, by KindToResource.
GroupVersionResource GuessResource(const GroupVersionKind& kind);

}  // namespace bubble::runtime

template <>
struct fmt::formatter<bubble::runtime::GroupVersionResource> : fmt::formatter<std::string_view> {
  format_context::iterator format(const bubble::runtime::GroupVersionResource& v,
                                  format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(v.String(), ctx);
  }
};

template <>
struct fmt::formatter<bubble::runtime::GroupVersionKind> : fmt::formatter<std::string_view> {
  format_context::iterator format(const bubble::runtime::GroupVersionKind& v,
                                  format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(v.String(), ctx);
  }
};

template <>
struct fmt::formatter<bubble::runtime::GroupResource> : fmt::formatter<std::string_view> {
  format_context::iterator format(const bubble::runtime::GroupResource& v,
                                  format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(v.String(), ctx);
  }
};

template <>
struct fmt::formatter<bubble::runtime::GroupKind> : fmt::formatter<std::string_view> {
  format_context::iterator format(const bubble::runtime::GroupKind& v, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(v.String(), ctx);
  }
};
