// apiserver/src/request_target.cc
#include "request_target.h"

namespace bubble::apiserver::detail {

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Splits on `sep`, keeping empty parts.
std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(sep, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) {
      return parts;
    }
    start = at + 1;
  }
}

// The subresources of a namespace, which kube-apiserver reads as
// /api/v1/namespaces/NAME/SUBRESOURCE rather than as a resource in namespace NAME.
bool IsNamespaceSubresource(std::string_view part) {
  return part == "status" || part == "finalize";
}

// Fills `path` from the segments after /api/v1 or /apis/G/V. False if there are too many.
bool ReadResourceParts(std::vector<std::string> rest, ResourcePath& path) {
  if (rest.empty()) {
    path.group_version_only = true;
    return true;
  }
  std::size_t at = 0;
  if (rest[at] == "watch") {
    path.legacy_watch = true;
    ++at;
  }
  if (rest.size() - at > 1 && rest[at] == "namespaces" &&
      (rest.size() - at == 2 || !IsNamespaceSubresource(rest[at + 2]))) {
    if (rest.size() - at > 2) {  // a resource inside the namespace
      path.has_namespace = true;
      path.namespace_ = rest[at + 1];
      at += 2;
    }
  }
  const std::size_t left = rest.size() - at;
  if (left == 0 || left > 3) {
    return false;
  }
  path.resource = rest[at];
  if (left > 1) {
    path.name = rest[at + 1];
  }
  if (left > 2) {
    path.subresource = rest[at + 2];
  }
  return true;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return std::nullopt;
      }
      const int hi = HexDigit(text[i + 1]);
      const int lo = HexDigit(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<QueryParams> QueryParams::Parse(std::string_view query) {
  QueryParams params;
  if (query.empty()) {
    return params;
  }
  for (std::string_view pair : Split(query, '&')) {
    if (pair.empty()) {
      continue;
    }
    const std::size_t eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!name || !value) {
      return std::nullopt;
    }
    params.params_.emplace_back(std::move(*name), std::move(*value));
  }
  return params;
}

std::optional<std::string> QueryParams::Get(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

std::string QueryParams::GetOr(std::string_view name, std::string_view fallback) const {
  auto v = Get(name);
  return v ? std::move(*v) : std::string(fallback);
}

bool QueryParams::Flag(std::string_view name) const {
  const auto v = Get(name);
  return v && (v->empty() || *v == "true" || *v == "1");
}

std::optional<Target> ParseTarget(std::string_view encoded_path) {
  while (!encoded_path.empty() && encoded_path.front() == '/') {
    encoded_path.remove_prefix(1);
  }
  while (!encoded_path.empty() && encoded_path.back() == '/') {
    encoded_path.remove_suffix(1);
  }
  std::vector<std::string> parts;
  if (!encoded_path.empty()) {
    for (std::string_view raw : Split(encoded_path, '/')) {
      auto decoded = PercentDecode(raw, false);
      if (!decoded) {
        return std::nullopt;
      }
      parts.push_back(std::move(*decoded));
    }
  }
  Target target;
  if (parts.empty()) {
    return target;
  }
  const std::string& root = parts[0];
  if (root == "version" && parts.size() == 1) {
    target.kind = Target::Kind::kVersion;
  } else if (root == "openapi" && parts.size() == 2 && parts[1] == "v2") {
    target.kind = Target::Kind::kOpenApiV2;
  } else if (root == "healthz" || root == "readyz" || root == "livez") {
    target.kind = Target::Kind::kHealth;
  } else if (root == "api") {
    if (parts.size() == 1) {
      target.kind = Target::Kind::kApiVersions;
    } else {
      target.path.version = parts[1];
      if (ReadResourceParts({parts.begin() + 2, parts.end()}, target.path)) {
        target.kind = Target::Kind::kResource;
      }
    }
  } else if (root == "apis") {
    if (parts.size() == 1) {
      target.kind = Target::Kind::kApiGroupList;
    } else if (parts.size() == 2) {
      target.kind = Target::Kind::kApiGroup;
      target.group = parts[1];
    } else {
      target.path.group = parts[1];
      target.path.version = parts[2];
      if (ReadResourceParts({parts.begin() + 3, parts.end()}, target.path)) {
        target.kind = Target::Kind::kResource;
      }
    }
  }
  return target;
}

}  // namespace bubble::apiserver::detail
