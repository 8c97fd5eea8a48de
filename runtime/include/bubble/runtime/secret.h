// runtime/include/bubble/runtime/secret.h
//
// Secret (core/v1, resource "secrets", namespaced). `data` holds raw bytes (base64 in JSON).
// Formatting never prints values, only keys.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <bubble/runtime/object.h>

namespace bubble::runtime {

class Secret final : public TypedObject<Secret> {
 public:
  Secret() = default;

  explicit Secret(ObjectMeta meta, std::map<std::string, std::string> entries = {})
      : TypedObject(std::move(meta)), data(std::move(entries)) {}

  std::map<std::string, std::string> data{};
  std::string type{};  // "Opaque", "kubernetes.io/tls", ...; empty means Opaque
  std::optional<bool> immutable{};

  static const GroupVersionKind& StaticKind();
  static const GroupVersionResource& StaticResource();
  static constexpr bool kNamespaced = true;

  std::optional<std::string> FieldValue(std::string_view field) const override;
  std::string Summary() const override;

  friend bool operator==(const Secret& a, const Secret& b) {
    return a.metadata == b.metadata && a.data == b.data && a.type == b.type &&
           a.immutable == b.immutable;
  }

 protected:
  void EncodeBody(nlohmann::json& j) const override;
  Result<void> DecodeBody(const nlohmann::json& j) override;
};

using SecretPtr = std::shared_ptr<const Secret>;

}  // namespace bubble::runtime
