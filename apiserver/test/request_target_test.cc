// apiserver/test/request_target_test.cc
#include "request_target.h"

#include <catch2/catch.hpp>

#include "media_types.h"

namespace bubble::apiserver::detail {
namespace {

TEST_CASE("percent-decoding of path segments and query values", "[apiserver][target]") {
  CHECK(PercentDecode("a%3Db%2Cc", false) == "a=b,c");
  CHECK(PercentDecode("a+b", false) == "a+b");
  CHECK(PercentDecode("a+b", true) == "a b");
  CHECK_FALSE(PercentDecode("%G1", false).has_value());
  CHECK_FALSE(PercentDecode("abc%4", false).has_value());
  CHECK_FALSE(PercentDecode("%", true).has_value());

  auto q = QueryParams::Parse("labelSelector=app%3Dweb%2Ctier+in+%28a%29&watch=1&limit=500&x");
  REQUIRE(q);
  CHECK(q->GetOr("labelSelector", "") == "app=web,tier in (a)");
  CHECK(q->Flag("watch"));
  CHECK(q->Flag("x"));
  CHECK_FALSE(q->Flag("allowWatchBookmarks"));
  CHECK(q->Get("limit") == "500");
  CHECK_FALSE(QueryParams::Parse("a=%zz").has_value());
}

TEST_CASE("targets are read as kube-apiserver's RequestInfoFactory reads them",
          "[apiserver][target]") {
  using K = Target::Kind;
  CHECK(ParseTarget("/api")->kind == K::kApiVersions);
  CHECK(ParseTarget("/apis/")->kind == K::kApiGroupList);
  CHECK(ParseTarget("/apis/apps")->group == "apps");
  CHECK(ParseTarget("/version")->kind == K::kVersion);
  CHECK(ParseTarget("/openapi/v2")->kind == K::kOpenApiV2);
  CHECK(ParseTarget("/readyz/ping")->kind == K::kHealth);
  CHECK(ParseTarget("/")->kind == K::kUnknown);
  CHECK(ParseTarget("/metrics")->kind == K::kUnknown);

  auto gv = ParseTarget("/apis/apps/v1");
  REQUIRE(gv->kind == K::kResource);
  CHECK(gv->path.group_version_only);

  auto cm = ParseTarget("/api/v1/namespaces/de%66ault/configmaps/cm%2D1")->path;
  CHECK(cm.has_namespace);
  CHECK(cm.namespace_ == "default");
  CHECK(cm.resource == "configmaps");
  CHECK(cm.name == "cm-1");

  auto all = ParseTarget("/apis/apps/v1/deployments")->path;
  CHECK_FALSE(all.has_namespace);
  CHECK(all.group == "apps");
  CHECK(all.resource == "deployments");

  auto ns = ParseTarget("/api/v1/namespaces/kube-system")->path;
  CHECK_FALSE(ns.has_namespace);
  CHECK(ns.resource == "namespaces");
  CHECK(ns.name == "kube-system");

  auto ns_status = ParseTarget("/api/v1/namespaces/kube-system/status")->path;
  CHECK(ns_status.resource == "namespaces");
  CHECK(ns_status.subresource == "status");

  auto status = ParseTarget("/api/v1/namespaces/a/pods/p/status")->path;
  CHECK(status.name == "p");
  CHECK(status.subresource == "status");

  auto watch = ParseTarget("/api/v1/watch/namespaces/a/configmaps/x")->path;
  CHECK(watch.legacy_watch);
  CHECK(watch.namespace_ == "a");
  CHECK(watch.name == "x");

  CHECK(ParseTarget("/api/v1/namespaces/a/pods/p/status/extra")->kind == K::kUnknown);
  CHECK_FALSE(ParseTarget("/api/v1/namespaces/%zz").has_value());
}

TEST_CASE("content negotiation: JSON, kubectl's Table, protobuf alone is refused",
          "[apiserver][target]") {
  CHECK(NegotiateAccept("").acceptable);
  CHECK(NegotiateAccept("application/json, */*").table_api_version.empty());
  const auto kubectl = NegotiateAccept(
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta."
      "k8s.io,application/json");
  CHECK(kubectl.acceptable);
  CHECK(kubectl.table_api_version == "meta.k8s.io/v1");
  CHECK(NegotiateAccept("application/json;as=Table;v=v1beta1;g=meta.k8s.io").table_api_version ==
        "meta.k8s.io/v1beta1");
  CHECK(NegotiateAccept("application/vnd.kubernetes.protobuf,application/json").acceptable);
  CHECK_FALSE(NegotiateAccept("application/vnd.kubernetes.protobuf").acceptable);
  CHECK_FALSE(NegotiateAccept("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io")
                  .acceptable);
  CHECK(MediaTypeOf("Application/Merge-Patch+JSON; charset=utf-8") ==
        "application/merge-patch+json");
}

}  // namespace
}  // namespace bubble::apiserver::detail
