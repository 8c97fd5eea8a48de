// runtime/src/config_map.cc
#include "bubble/runtime/config_map.h"

#include <bubble/runtime/base64.h>

#include "json_util.h"

namespace bubble::runtime {

using detail::Json;

namespace {

// "{k=v, k2=v2}", long values shortened, for summaries.
std::string SummarizeMap(const std::map<std::string, std::string>& m) {
  constexpr std::size_t kMaxValue = 24;
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) {
      out += ", ";
    }
    first = false;
    out += k;
    out += '=';
    if (v.size() > kMaxValue) {
      out.append(v, 0, kMaxValue);
      out += "...";
    } else {
      out += v;
    }
  }
  out += '}';
  return out;
}

}  // namespace

const GroupVersionKind& ConfigMap::StaticKind() {
  static const GroupVersionKind kind{"", "v1", "ConfigMap"};
  return kind;
}

const GroupVersionResource& ConfigMap::StaticResource() {
  static const GroupVersionResource resource{"", "v1", "configmaps"};
  return resource;
}

std::string ConfigMap::Summary() const {
  std::string out = data.empty() ? std::string() : "data=" + SummarizeMap(data);
  if (!binary_data.empty()) {
    out += fmt::format("{}binaryData={} keys", out.empty() ? "" : " ", binary_data.size());
  }
  return out;
}

void ConfigMap::EncodeBody(Json& j) const {
  detail::PutMap(j, "data", data);
  if (!binary_data.empty()) {
    Json b = Json::object();
    for (const auto& [k, v] : binary_data) {
      b[k] = Base64Encode(v);
    }
    j["binaryData"] = std::move(b);
  }
  detail::PutOptional(j, "immutable", immutable);
}

Result<void> ConfigMap::DecodeBody(const Json& j) {
  return detail::DecodeGuard("ConfigMap", [&] {
    data = detail::GetMap(j, "data");
    binary_data.clear();
    for (auto& [k, v] : detail::GetMap(j, "binaryData")) {
      std::optional<std::string> bytes = Base64Decode(v);
      if (!bytes) {
        throw detail::DecodeError(fmt::format("binaryData \"{}\": illegal base64 data", k));
      }
      binary_data.emplace(k, std::move(*bytes));
    }
    immutable = detail::GetOptionalBool(j, "immutable");
  });
}

}  // namespace bubble::runtime
