// scenarios/controllers/mirror_controller.cc
#include "mirror_controller.h"

#include <string>
#include <utility>
#include <vector>

#include <bubble/runtime/config_map.h>
#include <bubble/runtime/controller/controller.h>
#include <bubble/sim/bubble.h>

namespace bubble::scenarios {

namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;
namespace ctrl = bubble::runtime::controller;

struct MirrorController::State {
  rt::Clientset& client;
  MirrorOptions options;
  cache::Lister<rt::ConfigMap> lister;
  ctrl::Controller controller;
  rt::Result<void> watched = rt::Ok();

  State(rt::Clientset& c, cache::InformerFactory& factory, MirrorOptions opts)
      : client(c),
        options(std::move(opts)),
        lister(factory.ListerFor<rt::ConfigMap>()),
        controller({.name = "mirror", .workers = options.workers},
                   [this](const sim::Context&, const std::string& key) { return Reconcile(key); }) {
    // Both namespaces map to the source's key: a mirror's change reconciles its source.
    watched =
        controller.Watch(factory.InformerFor<rt::ConfigMap>(),
                         [this](const rt::ObjectPtr& obj) -> std::vector<std::string> {
                           const std::string& ns = obj->metadata.namespace_;
                           if (ns != options.source_namespace && ns != options.mirror_namespace) {
                             return {};
                           }
                           return {options.source_namespace + "/" + obj->metadata.name};
                         });
  }

  rt::Result<ctrl::ReconcileResult> Reconcile(const std::string& key) {
    auto name = cache::SplitMetaNamespaceKey(key);
    if (!name) {
      return rt::Err(name.error());
    }
    auto mirrors = client.ConfigMaps(options.mirror_namespace);
    auto source = lister.Namespace(options.source_namespace).Get(name->name);
    auto mirror = lister.Namespace(options.mirror_namespace).Get(name->name);
    rt::Result<void> wrote = rt::Ok();
    if (!source) {
      if (!rt::IsNotFound(source.error())) {
        return rt::Err(source.error());
      }
      if (mirror && !options.leak_on_delete) {
        auto deleted = mirrors.Delete(name->name);
        if (!deleted && !rt::IsNotFound(deleted.error())) {
          wrote = rt::Err(deleted.error());
        }
      }
    } else if (!mirror) {
      rt::ConfigMap copy({.name = name->name, .namespace_ = options.mirror_namespace},
                         (*source)->data);
      auto created = mirrors.Create(copy);
      if (!created) {
        wrote = rt::Err(created.error());  // AlreadyExists too: the cache is behind, retry
      }
    } else if ((*mirror)->data != (*source)->data) {
      rt::ConfigMap next = **mirror;
      next.data = (*source)->data;
      auto updated = mirrors.Update(next);
      if (!updated) {
        wrote = rt::Err(updated.error());
      }
    }
    if (!wrote) {
      if (options.swallow_errors) {
        sim::Log().info("\"Ignoring error\" key=\"{}\" err=\"{}\"", key, wrote.error().message);
        return ctrl::ReconcileResult::Done();
      }
      return rt::Err(wrote.error());
    }
    return ctrl::ReconcileResult::Done();
  }
};

MirrorController::MirrorController(rt::Clientset& client, cache::InformerFactory& factory,
                                   MirrorOptions options)
    : state_(std::make_unique<State>(client, factory, std::move(options))) {}

MirrorController::~MirrorController() = default;

void MirrorController::Run(const sim::Context& ctx) {
  if (!state_->watched) {
    sim::Fail(state_->watched.error().message);
  }
  state_->controller.Run(ctx);
}

}  // namespace bubble::scenarios
