// scenarios/src/owned_objects.h
//
// What the ownership scenarios (S13 finalizer-race, S14 orphan-adoption, S15
// recreated-same-name) share: the custom resource App (example.com/v1, resource apps, served
// unstructured with spec.size), a server built with the garbage collector's propagation, the
// garbage collector itself running beside the controllers, and ownerReferences to an App.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/fake/garbage_collector.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/unstructured.h>
#include <bubble/sim/bubble.h>

namespace bubble::scenarios::detail {

inline const runtime::GroupVersionKind& AppKind() {
  static const runtime::GroupVersionKind kind{"example.com", "v1", "App"};
  return kind;
}

inline const runtime::GroupVersionResource& AppResource() {
  static const runtime::GroupVersionResource resource{"example.com", "v1", "apps"};
  return resource;
}

// fake::Options for the ownership scenarios: Apps known to the scheme, propagation on.
inline fake::Options OwnershipServer() {
  fake::Options opts;
  opts.scheme.RegisterUnstructured(AppKind(), true, AppResource().resource);
  opts.garbage_collector = true;
  return opts;
}

// The collector over Apps and ConfigMaps (the children).
inline fake::GarbageCollectorOptions AppCollector() {
  return {.resources = {AppResource(), runtime::ConfigMap::StaticResource()}};
}

inline runtime::Unstructured NewApp(const std::string& ns, const std::string& name,
                                    std::int64_t size) {
  return runtime::Unstructured(AppKind(), {.name = name, .namespace_ = ns},
                               {{"spec", {{"size", size}}}});
}

// spec.size of an App (-1 if it has none).
inline std::int64_t AppSize(const runtime::Object& obj) {
  const auto* app = dynamic_cast<const runtime::Unstructured*>(&obj);
  if (app == nullptr) {
    return -1;
  }
  const auto spec = app->content.find("spec");
  if (spec == app->content.end() || !spec->contains("size")) {
    return -1;
  }
  return (*spec)["size"].get<std::int64_t>();
}

// The controller reference to `app` (blockOwnerDeletion as a controller sets it).
inline runtime::OwnerReference ControllerRefTo(const runtime::Object& app) {
  return {.api_version = AppKind().ApiVersion(),
          .kind = AppKind().kind,
          .name = app.metadata.name,
          .uid = app.metadata.uid,
          .controller = true,
          .block_owner_deletion = true};
}

// The object's controller reference, or null.
inline const runtime::OwnerReference* ControllerOf(const runtime::Object& obj) {
  for (const runtime::OwnerReference& ref : obj.metadata.owner_references) {
    if (ref.controller.value_or(false)) {
      return &ref;
    }
  }
  return nullptr;
}

// The ConfigMaps of the server in `ns` (fails the run if the list fails).
inline std::vector<std::shared_ptr<const runtime::ConfigMap>> ServerConfigMaps(
    fake::Clientset& cs, const std::string& ns) {
  auto listed = cs.ConfigMaps(ns).List();
  if (!listed) {
    sim::Fail(fmt::format("list configmaps: {}", listed.error().message));
  }
  return listed->items;
}

// The App `name` on the server, or null (fails the run on any error but NotFound).
inline runtime::ObjectPtr ServerApp(fake::Clientset& cs, const std::string& ns,
                                    const std::string& name) {
  auto got = cs.Resource(AppResource(), ns)->Get(sim::Context::Background(), name, {});
  if (!got) {
    if (runtime::IsNotFound(got.error())) {
      return nullptr;
    }
    sim::Fail(fmt::format("get app {}: {}", name, got.error().message));
  }
  return *got;
}

}  // namespace bubble::scenarios::detail
