// runtime/src/scheme.cc
#include "bubble/runtime/scheme.h"

#include <nlohmann/json.hpp>

#include <bubble/runtime/config_map.h>
#include <bubble/runtime/deployment.h>
#include <bubble/runtime/lease.h>
#include <bubble/runtime/namespace.h>
#include <bubble/runtime/pod.h>
#include <bubble/runtime/secret.h>
#include <bubble/runtime/service.h>
#include <bubble/runtime/unstructured.h>

namespace bubble::runtime {

const Scheme& Scheme::Builtin() {
  static const Scheme builtin = [] {
    Scheme s;
    s.Register<ConfigMap>();
    s.Register<Secret>();
    s.Register<Pod>();
    s.Register<Lease>();
    s.Register<Namespace>();
    s.Register<Service>();
    s.Register<Deployment>();
    return s;
  }();
  return builtin;
}

void Scheme::RegisterUnstructured(const GroupVersionKind& kind, bool namespaced,
                                  std::string resource) {
  GroupVersionResource gvr{kind.group, kind.version,
                           resource.empty() ? KindToResource(kind.kind) : std::move(resource)};
  Add({kind, std::move(gvr), namespaced, [kind] {
         auto u = std::make_unique<Unstructured>();
         u->SetKind(kind);
         return std::unique_ptr<Object>(std::move(u));
       }});
}

void Scheme::Add(KindInfo info) {
  if (const auto it = by_kind_.find(info.kind); it != by_kind_.end()) {
    by_resource_.erase(it->second.resource);
  }
  by_resource_[info.resource] = info.kind;
  by_kind_[info.kind] = std::move(info);
}

const KindInfo* Scheme::ForKind(const GroupVersionKind& kind) const {
  const auto it = by_kind_.find(kind);
  return it == by_kind_.end() ? nullptr : &it->second;
}

const KindInfo* Scheme::ForResource(const GroupVersionResource& resource) const {
  const auto it = by_resource_.find(resource);
  return it == by_resource_.end() ? nullptr : ForKind(it->second);
}

GroupVersionResource Scheme::ResourceFor(const GroupVersionKind& kind) const {
  const KindInfo* info = ForKind(kind);
  return info != nullptr ? info->resource : GuessResource(kind);
}

std::unique_ptr<Object> Scheme::New(const GroupVersionKind& kind) const {
  if (const KindInfo* info = ForKind(kind); info != nullptr && info->make) {
    return info->make();
  }
  auto u = std::make_unique<Unstructured>();
  u->SetKind(kind);
  return u;
}

std::unique_ptr<Object> Scheme::NewForResource(const GroupVersionResource& resource) const {
  if (const KindInfo* info = ForResource(resource); info != nullptr && info->make) {
    return info->make();
  }
  return std::make_unique<Unstructured>();
}

Result<std::unique_ptr<Object>> Scheme::Decode(const nlohmann::json& j) const {
  if (!j.is_object()) {
    return Err(NewBadRequest("decoding an object: expected a JSON object"));
  }
  const auto api_version = j.find("apiVersion");
  const auto kind = j.find("kind");
  if (api_version == j.end() || !api_version->is_string() || kind == j.end() ||
      !kind->is_string()) {
    return Err(NewBadRequest("decoding an object: apiVersion and kind are required"));
  }
  auto [group, version] = ParseApiVersion(api_version->get<std::string>());
  std::unique_ptr<Object> obj =
      New(GroupVersionKind{std::move(group), std::move(version), kind->get<std::string>()});
  if (auto ok = obj->ReadJson(j); !ok) {
    return Err(ok.error());
  }
  return obj;
}

Result<std::unique_ptr<Object>> Scheme::Normalize(std::unique_ptr<Object> obj) const {
  if (dynamic_cast<const Unstructured*>(obj.get()) == nullptr) {
    return obj;
  }
  const KindInfo* info = ForKind(obj->Kind());
  if (info == nullptr || !info->make) {
    return obj;
  }
  std::unique_ptr<Object> typed = info->make();
  if (dynamic_cast<const Unstructured*>(typed.get()) != nullptr) {
    return obj;  // registered without code
  }
  if (auto ok = typed->ReadJson(obj->ToJson()); !ok) {
    return Err(ok.error());
  }
  return typed;
}

std::vector<KindInfo> Scheme::Kinds() const {
  std::vector<KindInfo> out;
  out.reserve(by_kind_.size());
  for (const auto& entry : by_kind_) {
    out.push_back(entry.second);
  }
  return out;
}

}  // namespace bubble::runtime
