// client/src/api_path.h
//
// The addresses of the REST API: where the server is (ParseServerUrl), the path of a resource's
// collection or object (/api/v1/namespaces/NS/configmaps/NAME/status), and query strings with
// percent-encoded values (QueryBuilder, ListQuery).
#pragma once

#include <string>
#include <string_view>

#include <bubble/runtime/group_version.h>
#include <bubble/runtime/options.h>

namespace bubble::client::detail {

struct ServerUrl {
  bool tls = true;
  std::string address{};  // host:port, for net::HttpClient
  std::string host{};     // without brackets or port
  std::string prefix{};   // a path before /api ("" or "/k8s", no trailing slash)
};

// Parses RestConfig::server ("https://127.0.0.1:6443"). Throws net::NetError naming the input
// and the expected form.
ServerUrl ParseServerUrl(std::string_view server);

// RFC 3986 percent-encoding of everything but the unreserved characters (letters, digits,
// "-._~"), for a path segment or a query value.
std::string PercentEncode(std::string_view text);

// "?a=1&b=x%3Dy", or "" with no parameters. Values are percent-encoded; keys are taken as they are.
class QueryBuilder {
 public:
  void Add(std::string_view key, std::string_view value);

  std::string String() const { return query_; }

 private:
  std::string query_{};
};

// The parameters of a list, watch or deletecollection (the zero values are left out).
void AddListOptions(QueryBuilder& query, const runtime::ListOptions& opts);

// "/api/v1" or "/apis/G/V", then "/namespaces/NS" when `ns` is not empty, then "/RESOURCE",
// "/NAME" and "/SUBRESOURCE" when they are not empty.
std::string ResourcePath(const runtime::GroupVersionResource& resource, std::string_view ns,
                         std::string_view name = {}, std::string_view subresource = {});

}  // namespace bubble::client::detail
