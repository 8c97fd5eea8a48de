#include "bubble/runtime/group_version.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

namespace rt = bubble::runtime;

TEST_CASE("kind to resource follows client-go's pluralisation rule", "[runtime][gvr]") {
  const auto [kind, resource] = GENERATE(table<std::string, std::string>({
      {"ConfigMap", "configmaps"},
      {"Pod", "pods"},
      {"Lease", "leases"},
      {"NetworkPolicy", "networkpolicies"},
      {"Ingress", "ingresses"},
      {"Endpoints", "endpoints"},
      {"EndpointSlice", "endpointslices"},
      {"Status", "statuses"},
      // The rule is client-go's naive guess, quirks included; register the kind in a Scheme to
      // name its resource.
      {"Gateway", "gatewaies"},
  }));
  CAPTURE(kind);
  CHECK(rt::KindToResource(kind) == resource);
}

TEST_CASE("group-qualified names read as apimachinery prints them", "[runtime][gvr]") {
  CHECK(rt::GroupResource{"", "configmaps"}.String() == "configmaps");
  CHECK(rt::GroupResource{"coordination.k8s.io", "leases"}.String() ==
        "leases.coordination.k8s.io");
  CHECK(rt::GroupKind{"coordination.k8s.io", "Lease"}.String() == "Lease.coordination.k8s.io");
  const rt::GroupVersionKind lease{"coordination.k8s.io", "v1", "Lease"};
  CHECK(lease.ApiVersion() == "coordination.k8s.io/v1");
  CHECK(rt::GroupVersionKind{"", "v1", "Pod"}.ApiVersion() == "v1");
  CHECK(rt::GuessResource(lease) ==
        rt::GroupVersionResource{"coordination.k8s.io", "v1", "leases"});
  CHECK(fmt::format("{}", rt::GroupVersionResource{"", "v1", "pods"}) == "v1/pods");
  CHECK(rt::ParseApiVersion("apps/v1") == std::pair<std::string, std::string>{"apps", "v1"});
  CHECK(rt::ParseApiVersion("v1") == std::pair<std::string, std::string>{"", "v1"});
}

TEST_CASE("group version resources order by group, version, resource", "[runtime][gvr]") {
  const rt::GroupVersionResource a{"", "v1", "pods"};
  const rt::GroupVersionResource b{"apps", "v1", "deployments"};
  const rt::GroupVersionResource c{"", "v1", "configmaps"};
  CHECK(c < a);
  CHECK(a < b);
}
