// client/test/api_path_test.cc: server URLs, resource paths and query strings.
#include "api_path.h"

#include <catch2/catch.hpp>

#include <bubble/net/error.h>

namespace detail = bubble::client::detail;
namespace rt = bubble::runtime;

TEST_CASE("server URLs give the address, the TLS switch and a path prefix", "[client][path]") {
  const detail::ServerUrl https = detail::ParseServerUrl("https://127.0.0.1:6443");
  CHECK(https.tls);
  CHECK(https.address == "127.0.0.1:6443");
  CHECK(https.host == "127.0.0.1");
  CHECK(https.prefix.empty());
  const detail::ServerUrl http = detail::ParseServerUrl("http://kube.local/k8s/");
  CHECK_FALSE(http.tls);
  CHECK(http.address == "kube.local:80");
  CHECK(http.prefix == "/k8s");
  CHECK(detail::ParseServerUrl("https://[::1]").address == "[::1]:443");
  CHECK_THROWS_AS(detail::ParseServerUrl("127.0.0.1:6443"), bubble::net::NetError);
  CHECK_THROWS_AS(detail::ParseServerUrl("https://"), bubble::net::NetError);
}

TEST_CASE("resource paths follow the core and named groups, with namespaces", "[client][path]") {
  CHECK(detail::ResourcePath({"", "v1", "configmaps"}, "default", "cm1") ==
        "/api/v1/namespaces/default/configmaps/cm1");
  CHECK(detail::ResourcePath({"apps", "v1", "deployments"}, "", {}) == "/apis/apps/v1/deployments");
  CHECK(detail::ResourcePath({"", "v1", "pods"}, "ns", "p 1", "status") ==
        "/api/v1/namespaces/ns/pods/p%201/status");
}

TEST_CASE("list options become percent-encoded query parameters", "[client][path]") {
  detail::QueryBuilder query;
  detail::AddListOptions(query, {.label_selector = "app=web,tier in (a,b)",
                                 .resource_version = "5",
                                 .timeout_seconds = 30,
                                 .allow_watch_bookmarks = true,
                                 .limit = 2,
                                 .continue_ = "tok/1",
                                 .watch = true});
  CHECK(query.String() ==
        "?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&resourceVersion=5&limit=2&"
        "continue=tok%2F1&timeoutSeconds=30&allowWatchBookmarks=true&watch=1");
  CHECK(detail::QueryBuilder().String().empty());
}

TEST_CASE("a watch-list request carries sendInitialEvents and resourceVersionMatch",
          "[client][path][watch-list]") {
  // What the reflector asks for when the clientset supports WatchList.
  detail::QueryBuilder query;
  detail::AddListOptions(query, {.resource_version_match = "NotOlderThan",
                                 .timeout_seconds = 300,
                                 .allow_watch_bookmarks = true,
                                 .send_initial_events = true,
                                 .watch = true});
  CHECK(query.String() ==
        "?resourceVersionMatch=NotOlderThan&timeoutSeconds=300&allowWatchBookmarks=true&"
        "sendInitialEvents=true&watch=1");
  // An explicit false is sent too (unset is not).
  detail::QueryBuilder off;
  detail::AddListOptions(off, {.send_initial_events = false, .watch = true});
  CHECK(off.String() == "?sendInitialEvents=false&watch=1");
}
