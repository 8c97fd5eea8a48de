// runtime/src/unstructured.cc
#include "bubble/runtime/unstructured.h"

#include "json_util.h"

namespace bubble::runtime {

using detail::Json;

Unstructured::Unstructured(GroupVersionKind kind, ObjectMeta meta, Json body)
    : Object(std::move(meta)), content(std::move(body)), kind_(std::move(kind)) {
  if (content.is_null()) {
    content = Json::object();
  }
}

Result<Unstructured> Unstructured::FromJson(const Json& j) {
  Unstructured u;
  if (auto ok = u.ReadJson(j); !ok) {
    return Err(ok.error());
  }
  return u;
}

std::unique_ptr<Object> Unstructured::New() const {
  auto out = std::make_unique<Unstructured>();
  out->kind_ = kind_;
  return out;
}

bool Unstructured::Equals(const Object& other) const {
  const auto* o = dynamic_cast<const Unstructured*>(&other);
  return o != nullptr && *this == *o;
}

bool Unstructured::HasStatus() const {
  return content.is_object() && content.contains("status");
}

void Unstructured::EncodeBody(Json& j) const {
  if (!content.is_object()) {
    return;
  }
  for (const auto& [k, v] : content.items()) {
    if (k != "apiVersion" && k != "kind" && k != "metadata") {
      j[k] = v;
    }
  }
}

Result<void> Unstructured::DecodeBody(const Json& j) {
  return detail::DecodeGuard("object", [&] {
    const std::string api_version = detail::GetString(j, "apiVersion");
    std::string kind = detail::GetString(j, "kind");
    if (!api_version.empty() || !kind.empty()) {
      auto [group, version] = ParseApiVersion(api_version);
      kind_ = GroupVersionKind{std::move(group), std::move(version), std::move(kind)};
    }
    content = Json::object();
    for (const auto& [k, v] : j.items()) {
      if (k != "apiVersion" && k != "kind" && k != "metadata") {
        content[k] = v;
      }
    }
  });
}

Unstructured ToUnstructured(const Object& obj) {
  if (const auto* u = dynamic_cast<const Unstructured*>(&obj)) {
    return *u;
  }
  Unstructured out;
  // A kind's own JSON always decodes as Unstructured.
  (void)out.ReadJson(obj.ToJson());
  return out;
}

}  // namespace bubble::runtime
