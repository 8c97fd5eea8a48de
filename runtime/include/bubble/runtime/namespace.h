// runtime/include/bubble/runtime/namespace.h
//
// Namespace (core/v1, resource "namespaces", cluster-scoped), built on KindBase (kind.h).
// Field selectors: metadata.name, status.phase.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/runtime/kind.h>

namespace bubble::runtime {

struct NamespaceSpec {
  // What must be cleaned up before the namespace goes away ("kubernetes").
  std::vector<std::string> finalizers{};
  friend bool operator==(const NamespaceSpec&, const NamespaceSpec&) = default;
};
BUBBLE_JSON_FIELDS(NamespaceSpec, (finalizers, "finalizers"))

struct NamespaceStatus {
  std::string phase{};  // "Active", "Terminating"
  friend bool operator==(const NamespaceStatus&, const NamespaceStatus&) = default;
};
BUBBLE_JSON_FIELDS(NamespaceStatus, (phase, "phase"))

struct Namespace final : KindBase<Namespace, NamespaceSpec, NamespaceStatus> {
  BUBBLE_KIND(Namespace, "", "v1", "Namespace", "namespaces", false);

  std::optional<std::string> FieldValue(std::string_view field) const override {
    if (field == "status.phase") {
      return status.phase;
    }
    return Object::FieldValue(field);
  }

  std::string Summary() const override {
    return status.phase.empty() ? std::string() : "phase=" + status.phase;
  }
};

using NamespacePtr = std::shared_ptr<const Namespace>;

}  // namespace bubble::runtime
