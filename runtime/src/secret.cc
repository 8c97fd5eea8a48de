// runtime/src/secret.cc
#include "bubble/runtime/secret.h"

#include <bubble/runtime/base64.h>

#include "json_util.h"

namespace bubble::runtime {

using detail::Json;

const GroupVersionKind& Secret::StaticKind() {
  static const GroupVersionKind kind{"", "v1", "Secret"};
  return kind;
}

const GroupVersionResource& Secret::StaticResource() {
  static const GroupVersionResource resource{"", "v1", "secrets"};
  return resource;
}

std::optional<std::string> Secret::FieldValue(std::string_view field) const {
  if (field == "type") {
    return type;
  }
  return Object::FieldValue(field);
}

std::string Secret::Summary() const {
  std::string out = fmt::format("type={} keys=[", type.empty() ? "Opaque" : type);
  bool first = true;
  for (const auto& entry : data) {
    if (!first) {
      out += ' ';
    }
    first = false;
    out += entry.first;
  }
  out += ']';
  return out;
}

void Secret::EncodeBody(Json& j) const {
  if (!data.empty()) {
    Json d = Json::object();
    for (const auto& [k, v] : data) {
      d[k] = Base64Encode(v);
    }
    j["data"] = std::move(d);
  }
  detail::PutString(j, "type", type);
  detail::PutOptional(j, "immutable", immutable);
}

Result<void> Secret::DecodeBody(const Json& j) {
  return detail::DecodeGuard("Secret", [&] {
    data.clear();
    for (auto& [k, v] : detail::GetMap(j, "data")) {
      std::optional<std::string> bytes = Base64Decode(v);
      if (!bytes) {
        throw detail::DecodeError(fmt::format("data \"{}\": illegal base64 data", k));
      }
      data.emplace(k, std::move(*bytes));
    }
    // stringData is write-only in Kubernetes: merged into data.
    for (auto& [k, v] : detail::GetMap(j, "stringData")) {
      data[k] = std::move(v);
    }
    type = detail::GetString(j, "type");
    immutable = detail::GetOptionalBool(j, "immutable");
  });
}

}  // namespace bubble::runtime
