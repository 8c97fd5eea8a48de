// include/website/website.h
//
// Website (example.com/v1, resource "websites", namespaced): the custom resource this example's
// controller serves. A Website asks for `replicas` copies of `image`, reachable on `port`; the
// controller answers with a Deployment and a Service of the same name and reports in the status
// which generation of the spec it has acted on.
//
// Declared with bubble's KindBase: spec and status are plain structs with JSON field names, and
// bubble derives encoding, decoding, equality and the status subresource from them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <bubble/runtime/kind.h>

namespace website {

struct WebsiteSpec {
  std::string image{};
  std::int32_t replicas = 1;
  std::int32_t port = 8080;
  friend bool operator==(const WebsiteSpec&, const WebsiteSpec&) = default;
};
BUBBLE_JSON_FIELDS(WebsiteSpec, (image, "image"), (replicas, "replicas"), (port, "port"))

struct WebsiteStatus {
  // metadata.generation of the spec the Deployment and Service were last made to match.
  std::int64_t observed_generation = 0;
  friend bool operator==(const WebsiteStatus&, const WebsiteStatus&) = default;
};
BUBBLE_JSON_FIELDS(WebsiteStatus, (observed_generation, "observedGeneration"))

struct Website final : bubble::runtime::KindBase<Website, WebsiteSpec, WebsiteStatus> {
  BUBBLE_KIND(Website, "example.com", "v1", "Website", "websites", /*namespaced=*/true);
};

using WebsitePtr = std::shared_ptr<const Website>;

}  // namespace website
