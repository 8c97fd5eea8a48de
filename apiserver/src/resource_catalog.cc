// apiserver/src/resource_catalog.cc
#include "resource_catalog.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "json_read.h"
#include "server_reads.h"
#include "table.h"

namespace bubble::apiserver::detail {

namespace {

using nlohmann::json;

const runtime::GroupVersionResource& CrdResource() {
  static const runtime::GroupVersionResource gvr{"apiextensions.k8s.io", "v1",
                                                 "customresourcedefinitions"};
  return gvr;
}

std::vector<std::string> AllVerbs() {
  return {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
}

// What kube-apiserver's discovery says about the built-in resources bubble may serve, beyond
// what a Scheme knows: short names, categories, and whether <resource>/status is served.
struct BuiltinFacts {
  std::vector<std::string> short_names{};
  std::vector<std::string> categories{};
  bool status_subresource = false;
};

const std::map<runtime::GroupResource, BuiltinFacts>& Builtins() {
  static const std::map<runtime::GroupResource, BuiltinFacts> facts = {
      {{"", "configmaps"}, {{"cm"}, {}, false}},
      {{"", "events"}, {{"ev"}, {}, false}},
      {{"", "namespaces"}, {{"ns"}, {}, true}},
      {{"", "pods"}, {{"po"}, {"all"}, true}},
      {{"", "secrets"}, {{}, {}, false}},
      {{"", "services"}, {{"svc"}, {"all"}, true}},
      {{"apps", "deployments"}, {{"deploy"}, {"all"}, true}},
      {{"apiextensions.k8s.io", "customresourcedefinitions"}, {{"crd", "crds"}, {}, true}},
      {{"coordination.k8s.io", "leases"}, {{}, {}, false}},
  };
  return facts;
}

ServedResource FromFacts(runtime::GroupVersionResource gvr, std::string kind, bool namespaced) {
  ServedResource r;
  r.gvr = std::move(gvr);
  r.singular = LowerAscii(kind);
  r.kind = std::move(kind);
  r.namespaced = namespaced;
  r.verbs = AllVerbs();
  if (const auto it = Builtins().find(r.gvr.GetGroupResource()); it != Builtins().end()) {
    r.short_names = it->second.short_names;
    r.categories = it->second.categories;
    r.status_subresource = it->second.status_subresource;
  }
  r.columns = BuiltinPrinterColumns({r.gvr.group, r.kind});
  return r;
}

// The resources served even when the Scheme does not know them (source 3).
std::vector<ServedResource> FixedResources() {
  return {
      FromFacts({"", "v1", "events"}, "Event", true),
      FromFacts({"", "v1", "namespaces"}, "Namespace", false),
      FromFacts(CrdResource(), "CustomResourceDefinition", false),
  };
}

std::vector<std::string> StringList(const json* j) {
  std::vector<std::string> out;
  for (const json& e : Array(j)) {
    if (e.is_string()) {
      out.push_back(e.get<std::string>());
    }
  }
  return out;
}

// A CRD's additionalPrinterColumns for one version; apiextensions' default (Age from
// .metadata.creationTimestamp) when it has none.
std::vector<PrinterColumn> CrdColumns(const json& version) {
  std::vector<PrinterColumn> out;
  for (const json& c : Array(Child(&version, "additionalPrinterColumns"))) {
    PrinterColumn col;
    col.name = Str(Child(&c, "name"));
    col.type = Str(Child(&c, "type"));
    col.format = Str(Child(&c, "format"));
    col.description = Str(Child(&c, "description"));
    col.json_path = Str(Child(&c, "jsonPath"));
    col.priority = static_cast<int>(std::clamp<std::int64_t>(
        Int(Child(&c, "priority")), std::numeric_limits<std::int32_t>::min(),
        std::numeric_limits<std::int32_t>::max()));  // int32 in the CRD's schema
    if (col.description.empty()) {
      col.description = "Custom resource definition column (in JSONPath format): " + col.json_path;
    }
    if (!col.name.empty() && !col.json_path.empty()) {
      out.push_back(std::move(col));
    }
  }
  if (out.empty()) {
    out.push_back({.name = "Age",
                   .type = "date",
                   .description = "Custom resource definition column (in JSONPath format): "
                                  ".metadata.creationTimestamp",
                   .json_path = ".metadata.creationTimestamp"});
  }
  return out;
}

// The resources one stored CRD serves: one per served version. A CRD without group, plural or
// kind serves nothing (kube-apiserver would have rejected it).
std::vector<ServedResource> CrdResources(const json& crd) {
  // Read field by field without throwing: a stored CRD with a field of the wrong type must not
  // take discovery down for every resource.
  std::vector<ServedResource> out;
  const json* spec = Child(&crd, "spec");
  const json* names = Child(spec, "names");
  const std::string group = Str(Child(spec, "group"));
  const std::string plural = Str(Child(names, "plural"));
  const std::string kind = Str(Child(names, "kind"));
  if (group.empty() || plural.empty() || kind.empty()) {
    return out;
  }
  std::string singular = Str(Child(names, "singular"));
  if (singular.empty()) {
    singular = LowerAscii(kind);  // the server's default
  }
  const bool namespaced = Str(Child(spec, "scope")) != "Cluster";
  for (const json& v : Array(Child(spec, "versions"))) {
    const std::string name = Str(Child(&v, "name"));
    if (name.empty() || !Bool(Child(&v, "served"))) {
      continue;
    }
    ServedResource r;
    r.gvr = {group, name, plural};
    r.kind = kind;
    r.singular = singular;
    r.namespaced = namespaced;
    r.short_names = StringList(Child(names, "shortNames"));
    r.categories = StringList(Child(names, "categories"));
    r.verbs = AllVerbs();
    r.status_subresource = At(v, {"subresources", "status"}) != nullptr;
    r.columns = CrdColumns(v);
    out.push_back(std::move(r));
  }
  return out;
}

// kube's version priority (CompareKubeAwareVersionStrings): GA before beta before alpha, higher
// numbers first, then anything else in name order. "v1" < "v1beta2" < "v1beta1" < "v1alpha1" <
// "foo" in this order.
struct VersionRank {
  int stability = 3;  // 0 GA, 1 beta, 2 alpha, 3 not a kube version
  long major = 0;
  long minor = 0;
  std::string name{};
};

VersionRank RankVersion(std::string_view v) {
  VersionRank rank;
  rank.name = std::string(v);
  if (v.size() < 2 || v[0] != 'v') {
    return rank;
  }
  const char* const begin = v.data() + 1;
  const char* const end = v.data() + v.size();
  long major = 0;
  auto [p, ec] = std::from_chars(begin, end, major);
  if (ec != std::errc() || major <= 0) {
    return rank;
  }
  const std::string_view rest(p, static_cast<std::size_t>(end - p));
  if (rest.empty()) {
    return {0, major, 0, rank.name};
  }
  for (const auto& [word, stability] : {std::pair{"beta", 1}, std::pair{"alpha", 2}}) {
    const std::string_view w(word);
    if (rest.starts_with(w)) {
      long minor = 0;
      const char* const mb = rest.data() + w.size();
      const auto [q, ec2] = std::from_chars(mb, end, minor);
      if (ec2 == std::errc() && q == end && minor > 0) {
        return {stability, major, minor, rank.name};
      }
    }
  }
  return rank;
}

bool HigherPriority(std::string_view a, std::string_view b) {
  const VersionRank ra = RankVersion(a);
  const VersionRank rb = RankVersion(b);
  return std::tuple(ra.stability, -ra.major, -ra.minor, ra.name) <
         std::tuple(rb.stability, -rb.major, -rb.minor, rb.name);
}

json ApiResource(const ServedResource& r) {
  json j = {{"name", r.gvr.resource},
            {"singularName", r.singular},
            {"namespaced", r.namespaced},
            {"kind", r.kind},
            {"verbs", r.verbs}};
  if (!r.short_names.empty()) {
    j["shortNames"] = r.short_names;
  }
  if (!r.categories.empty()) {
    j["categories"] = r.categories;
  }
  return j;
}

json StatusSubresource(const ServedResource& r) {
  return {{"name", r.gvr.resource + "/status"},
          {"singularName", ""},
          {"namespaced", r.namespaced},
          {"kind", r.kind},
          {"verbs", {"get", "patch", "update"}}};
}

std::string GroupVersionString(std::string_view group, std::string_view version) {
  return group.empty() ? std::string(version) : fmt::format("{}/{}", group, version);
}

}  // namespace

ResourceCatalog::ResourceCatalog(const runtime::Scheme& scheme) : scheme_(&scheme) {}

const ResourceCatalog::ByResource& ResourceCatalog::Builtin() const {
  if (!builtin_) {
    // Later sources overwrite earlier ones: fixed list < Scheme (< stored CRDs, per request).
    ByResource served;
    for (ServedResource& r : FixedResources()) {
      served[r.gvr] = std::move(r);
    }
    for (const runtime::KindInfo& info : scheme_->Kinds()) {
      ServedResource r = FromFacts(info.resource, info.kind.kind, info.namespaced);
      if (!r.status_subresource && info.make) {
        // Kinds with code made of a spec and a status (kind.h) serve the status subresource.
        r.status_subresource = info.make()->HasStatus();
      }
      served[r.gvr] = std::move(r);
    }
    builtin_ = std::move(served);
  }
  return *builtin_;
}

std::vector<ServedResource> ResourceCatalog::FromStoredCrds(fake::Clientset& server) const {
  std::vector<ServedResource> out;
  if (auto crds = ServerList(server, CrdResource(), ""); crds.has_value()) {
    for (const runtime::ObjectPtr& crd : crds->items) {
      for (ServedResource& r : CrdResources(crd->ToJson())) {
        out.push_back(std::move(r));
      }
    }
  }
  return out;
}

std::vector<ServedResource> ResourceCatalog::Resources(fake::Clientset& server) const {
  ByResource served = Builtin();
  for (ServedResource& r : FromStoredCrds(server)) {
    served[r.gvr] = std::move(r);
  }
  std::vector<ServedResource> out;
  out.reserve(served.size());
  for (auto& [gvr, r] : served) {
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<ServedResource> ResourceCatalog::Find(fake::Clientset& server, std::string_view group,
                                                    std::string_view version,
                                                    std::string_view resource) const {
  const auto is = [&](const ServedResource& r) {
    return r.gvr.group == group && r.gvr.version == version && r.gvr.resource == resource;
  };
  // A stored CRD wins over a built-in of the same resource, as in Resources(); the last CRD
  // defining it wins, as there.
  std::optional<ServedResource> found;
  for (ServedResource& r : FromStoredCrds(server)) {
    if (is(r)) {
      found = std::move(r);
    }
  }
  if (found) {
    return found;
  }
  for (const auto& [gvr, r] : Builtin()) {
    if (is(r)) {
      return r;
    }
  }
  return std::nullopt;
}

json ResourceCatalog::ApiVersions(std::string_view server_address) const {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

json ResourceCatalog::ApiGroupList(fake::Clientset& server) const {
  std::map<std::string, std::set<std::string>> versions_by_group;
  for (const ServedResource& r : Resources(server)) {
    if (!r.gvr.group.empty()) {
      versions_by_group[r.gvr.group].insert(r.gvr.version);
    }
  }
  json groups = json::array();
  for (const auto& [group, version_set] : versions_by_group) {
    std::vector<std::string> versions(version_set.begin(), version_set.end());
    std::sort(versions.begin(), versions.end(), HigherPriority);
    json entries = json::array();
    for (const std::string& v : versions) {
      entries.push_back({{"groupVersion", GroupVersionString(group, v)}, {"version", v}});
    }
    groups.push_back({{"name", group}, {"versions", entries}, {"preferredVersion", entries[0]}});
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<json> ResourceCatalog::ApiResourceList(fake::Clientset& server,
                                                     std::string_view group,
                                                     std::string_view version) const {
  json resources = json::array();
  for (const ServedResource& r : Resources(server)) {
    if (r.gvr.group != group || r.gvr.version != version) {
      continue;
    }
    resources.push_back(ApiResource(r));
    if (r.status_subresource) {
      resources.push_back(StatusSubresource(r));
    }
  }
  if (resources.empty()) {
    return std::nullopt;
  }
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", GroupVersionString(group, version)},
              {"resources", resources}};
}

}  // namespace bubble::apiserver::detail
