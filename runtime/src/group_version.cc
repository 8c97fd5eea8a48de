// runtime/src/group_version.cc
#include "bubble/runtime/group_version.h"

#include <cctype>

namespace bubble::runtime {

std::string GroupResource::String() const {
  return group.empty() ? resource : resource + "." + group;
}

std::string GroupKind::String() const {
  return group.empty() ? kind : kind + "." + group;
}

std::string GroupVersionResource::String() const {
  return group.empty() ? version + "/" + resource : group + "/" + version + "/" + resource;
}

std::string GroupVersionKind::ApiVersion() const {
  return group.empty() ? version : group + "/" + version;
}

std::string GroupVersionKind::String() const {
  return ApiVersion() + "/" + kind;
}

std::pair<std::string, std::string> ParseApiVersion(std::string_view api_version) {
  const auto slash = api_version.find('/');
  if (slash == std::string_view::npos) {
    return {"", std::string(api_version)};
  }
  return {std::string(api_version.substr(0, slash)), std::string(api_version.substr(slash + 1))};
}

std::string KindToResource(std::string_view kind) {
  std::string lower;
  lower.reserve(kind.size() + 3);
  for (const char c : kind) {
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (lower.ends_with("endpoints")) {
    return lower;
  }
  if (lower.ends_with('s')) {
    return lower + "es";
  }
  if (lower.ends_with('y')) {
    lower.pop_back();
    return lower + "ies";
  }
  return lower + "s";
}

GroupVersionResource GuessResource(const GroupVersionKind& kind) {
  return {kind.group, kind.version, KindToResource(kind.kind)};
}

}  // namespace bubble::runtime
