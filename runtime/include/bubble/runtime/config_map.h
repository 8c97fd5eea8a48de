// runtime/include/bubble/runtime/config_map.h
//
// ConfigMap (core/v1, resource "configmaps", namespaced).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <bubble/runtime/object.h>

namespace bubble::runtime {

class ConfigMap final : public TypedObject<ConfigMap> {
 public:
  ConfigMap() = default;

  explicit ConfigMap(ObjectMeta meta, std::map<std::string, std::string> entries = {})
      : TypedObject(std::move(meta)), data(std::move(entries)) {}

  std::map<std::string, std::string> data{};
  // Raw bytes; base64 in JSON.
  std::map<std::string, std::string> binary_data{};
  std::optional<bool> immutable{};

  static const GroupVersionKind& StaticKind();
  static const GroupVersionResource& StaticResource();
  static constexpr bool kNamespaced = true;

  std::string Summary() const override;

  friend bool operator==(const ConfigMap& a, const ConfigMap& b) {
    return a.metadata == b.metadata && a.data == b.data && a.binary_data == b.binary_data &&
           a.immutable == b.immutable;
  }

 protected:
  void EncodeBody(nlohmann::json& j) const override;
  Result<void> DecodeBody(const nlohmann::json& j) override;
};

using ConfigMapPtr = std::shared_ptr<const ConfigMap>;

}  // namespace bubble::runtime
