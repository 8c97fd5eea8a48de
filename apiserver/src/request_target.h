// apiserver/src/request_target.h
//
// What a request's target names, as kube-apiserver's RequestInfoFactory reads it: the API group
// and version, the namespace, the resource, the name and the subresource, from
//   /api/v1/[watch/][namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]]
//   /apis/GROUP/VERSION/[watch/][namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]]
// ("/api/v1/namespaces/NS" is the namespace NS itself, "/api/v1/namespaces/NS/status" its status
// subresource), and the query parameters. Path segments and query values are percent-decoded
// ('+' is a space in query values).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bubble::apiserver::detail {

// "%2F" -> "/"; `plus_is_space` for query strings. nullopt on a malformed escape ("%G1", "%4").
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// The decoded query parameters in the order sent.
class QueryParams {
 public:
  QueryParams() = default;
  // nullopt on a malformed escape.
  static std::optional<QueryParams> Parse(std::string_view query);

  // The first value of `name`, if present.
  std::optional<std::string> Get(std::string_view name) const;
  // The value of `name`, or `fallback`.
  std::string GetOr(std::string_view name, std::string_view fallback) const;
  // "true"/"1" (and a bare "?watch") are true; absent or anything else false.
  bool Flag(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> params_{};
};

// A path under /api or /apis.
struct ResourcePath {
  std::string group{};    // "" for /api
  std::string version{};  // "v1"
  // Present: "/apis/G/V" alone (a discovery document).
  bool group_version_only = false;
  bool legacy_watch = false;  // the "/watch/" prefix
  bool has_namespace = false;
  std::string namespace_{};
  std::string resource{};
  std::string name{};
  std::string subresource{};
};

// The kinds of target the handler serves.
struct Target {
  enum class Kind {
    kApiVersions,   // /api
    kApiGroupList,  // /apis
    kApiGroup,      // /apis/G
    kResource,      // /api/v1[...] or /apis/G/V[...]: see `path`
    kVersion,       // /version
    kOpenApiV2,     // /openapi/v2
    kHealth,        // /healthz, /readyz, /livez (and their sub-checks)
    kUnknown,       // anything else: 404
  };
  Kind kind = Kind::kUnknown;
  std::string group{};  // kApiGroup
  ResourcePath path{};
};

// Reads a decoded-or-not path (percent-encoded as sent). nullopt on a malformed escape.
std::optional<Target> ParseTarget(std::string_view encoded_path);

}  // namespace bubble::apiserver::detail
