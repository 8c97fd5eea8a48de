// apiserver/test/catalog_stub.cc
//
// TEMPORARY: a minimal stand-in for the catalogue (resource_catalog.h, table.h, version_info.h,
// openapi.h), which the `catalog` branch implements. Enough for the REST handler's tests: the
// Scheme's kinds plus v1 events, NAME/AGE tables. Delete this file when merging that branch.
#include <bubble/sim/clock.h>

#include "openapi.h"
#include "resource_catalog.h"
#include "table.h"
#include "version_info.h"

namespace bubble::apiserver::detail {

namespace {

std::vector<std::string> AllVerbs() {
  return {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
}

}  // namespace

ResourceCatalog::ResourceCatalog(const runtime::Scheme& scheme) : scheme_(&scheme) {}

std::vector<ServedResource> ResourceCatalog::Resources(runtime::Clientset&,
                                                       const sim::Context&) const {
  std::vector<ServedResource> out;
  for (const runtime::KindInfo& k : scheme_->Kinds()) {
    ServedResource r;
    r.gvr = k.resource;
    r.kind = k.kind.kind;
    r.namespaced = k.namespaced;
    r.verbs = AllVerbs();
    r.status_subresource = k.make && k.make()->HasStatus();
    out.push_back(std::move(r));
  }
  ServedResource events;
  events.gvr = {"", "v1", "events"};
  events.kind = "Event";
  events.verbs = AllVerbs();
  out.push_back(std::move(events));
  return out;
}

std::optional<ServedResource> ResourceCatalog::Find(runtime::Clientset& server,
                                                    const sim::Context& ctx, std::string_view group,
                                                    std::string_view version,
                                                    std::string_view resource) const {
  for (ServedResource& r : Resources(server, ctx)) {
    if (r.gvr.group == group && r.gvr.version == version && r.gvr.resource == resource) {
      return std::move(r);
    }
  }
  return std::nullopt;
}

nlohmann::json ResourceCatalog::ApiVersions(std::string_view server_address) const {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

nlohmann::json ResourceCatalog::ApiGroupList(runtime::Clientset&, const sim::Context&) const {
  return {{"kind", "APIGroupList"},
          {"apiVersion", "v1"},
          {"groups",
           {{{"name", "apps"},
             {"versions", {{{"groupVersion", "apps/v1"}, {"version", "v1"}}}},
             {"preferredVersion", {{"groupVersion", "apps/v1"}, {"version", "v1"}}}}}}};
}

std::optional<nlohmann::json> ResourceCatalog::ApiResourceList(runtime::Clientset& server,
                                                               const sim::Context& ctx,
                                                               std::string_view group,
                                                               std::string_view version) const {
  nlohmann::json resources = nlohmann::json::array();
  for (const ServedResource& r : Resources(server, ctx)) {
    if (r.gvr.group == group && r.gvr.version == version) {
      resources.push_back({{"name", r.gvr.resource}, {"kind", r.kind}});
    }
  }
  if (resources.empty()) {
    return std::nullopt;
  }
  return nlohmann::json{{"kind", "APIResourceList"}, {"resources", resources}};
}

nlohmann::json ToTable(const ServedResource&, std::span<const runtime::ObjectPtr> objects,
                       const nlohmann::json& list_metadata, IncludeObject include, sim::TimePoint) {
  nlohmann::json table = {{"kind", "Table"},
                          {"apiVersion", "meta.k8s.io/v1"},
                          {"metadata", list_metadata},
                          {"columnDefinitions", {{{"name", "Name"}, {"type", "string"}}}},
                          {"rows", nlohmann::json::array()}};
  for (const runtime::ObjectPtr& obj : objects) {
    nlohmann::json row = {{"cells", {obj->metadata.name}}};
    if (include == IncludeObject::kObject) {
      row["object"] = obj->ToJson();
    } else if (include == IncludeObject::kMetadata) {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"metadata", {{"name", obj->metadata.name}}}};
    }
    table["rows"].push_back(std::move(row));
  }
  return table;
}

std::string GitVersion() {
  return "v1.20.0-bubble.stub";
}

nlohmann::json VersionInfo() {
  return {{"major", "1"}, {"minor", "20"}, {"gitVersion", GitVersion()}};
}

nlohmann::json OpenApiV2Json() {
  return {{"swagger", "2.0"}};
}

std::string OpenApiV2Protobuf() {
  return "\x0a\x03"
         "2.0";
}

bool WantsOpenApiProtobuf(std::string_view accept) {
  return accept.find("protobuf") != std::string_view::npos;
}

}  // namespace bubble::apiserver::detail
