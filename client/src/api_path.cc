// client/src/api_path.cc
#include "api_path.h"

#include <fmt/format.h>

#include <bubble/net/address.h>
#include <bubble/net/error.h>

namespace bubble::client::detail {

namespace {

[[noreturn]] void BadServer(std::string_view server, std::string_view why) {
  throw net::NetError(fmt::format(
      "RestConfig.server \"{}\" {}: give the API server as https://host:port", server, why));
}

bool IsUnreserved(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

ServerUrl ParseServerUrl(std::string_view server) {
  ServerUrl url;
  std::string_view rest = server;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    url.tls = false;
    rest.remove_prefix(7);
  } else {
    BadServer(server, "has no http:// or https:// scheme");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash);
    while (prefix.ends_with('/')) {
      prefix.remove_suffix(1);
    }
    url.prefix = std::string(prefix);
  }
  if (authority.empty()) {
    BadServer(server, "has no host");
  }
  // A port is there when the last ':' follows the host (and, for IPv6, its closing bracket).
  const std::size_t colon = authority.rfind(':');
  const std::size_t bracket = authority.rfind(']');
  const bool has_port =
      colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  std::string host_port =
      has_port ? std::string(authority)
               : fmt::format("{}:{}", authority, url.tls ? std::string_view("443") : "80");
  try {
    const net::HostPort parsed = net::ParseHostPort(host_port);
    url.host = parsed.host;
  } catch (const net::NetError& e) {
    BadServer(server, e.what());
  }
  url.address = std::move(host_port);
  return url;
}

std::string PercentEncode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (IsUnreserved(c)) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

void QueryBuilder::Add(std::string_view key, std::string_view value) {
  query_ += query_.empty() ? '?' : '&';
  query_ += key;
  query_ += '=';
  query_ += PercentEncode(value);
}

void AddListOptions(QueryBuilder& query, const runtime::ListOptions& opts) {
  if (!opts.label_selector.empty()) {
    query.Add("labelSelector", opts.label_selector);
  }
  if (!opts.field_selector.empty()) {
    query.Add("fieldSelector", opts.field_selector);
  }
  if (!opts.resource_version.empty()) {
    query.Add("resourceVersion", opts.resource_version);
  }
  if (!opts.resource_version_match.empty()) {
    query.Add("resourceVersionMatch", opts.resource_version_match);
  }
  if (opts.limit > 0) {
    query.Add("limit", fmt::format("{}", opts.limit));
  }
  if (!opts.continue_.empty()) {
    query.Add("continue", opts.continue_);
  }
  if (opts.timeout_seconds) {
    query.Add("timeoutSeconds", fmt::format("{}", *opts.timeout_seconds));
  }
  if (opts.allow_watch_bookmarks) {
    query.Add("allowWatchBookmarks", "true");
  }
  if (opts.send_initial_events) {
    query.Add("sendInitialEvents", *opts.send_initial_events ? "true" : "false");
  }
  if (opts.watch) {
    query.Add("watch", "1");
  }
}

std::string ResourcePath(const runtime::GroupVersionResource& resource, std::string_view ns,
                         std::string_view name, std::string_view subresource) {
  std::string path = resource.group.empty()
                         ? fmt::format("/api/{}", resource.version)
                         : fmt::format("/apis/{}/{}", resource.group, resource.version);
  if (!ns.empty()) {
    path += "/namespaces/" + PercentEncode(ns);
  }
  path += "/" + resource.resource;
  if (!name.empty()) {
    path += "/" + PercentEncode(name);
  }
  if (!subresource.empty()) {
    path += "/" + std::string(subresource);
  }
  return path;
}

}  // namespace bubble::client::detail
