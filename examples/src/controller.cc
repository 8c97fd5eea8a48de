// src/controller.cc
#include "website/controller.h"

#include <utility>

#include <bubble/runtime/deployment.h>
#include <bubble/runtime/service.h>

#include "website/website.h"

namespace website {

namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;
namespace ctrl = bubble::runtime::controller;

std::map<std::string, std::string> PodLabels(const std::string& website_name) {
  return {{"app", website_name}};
}

namespace {

rt::DeploymentSpec WantDeployment(const Website& site) {
  rt::DeploymentSpec spec;
  spec.replicas = site.spec.replicas;
  spec.selector.match_labels = PodLabels(site.metadata.name);
  spec.template_.metadata.labels = PodLabels(site.metadata.name);
  spec.template_.spec.containers = {{.name = "web", .image = site.spec.image}};
  return spec;
}

rt::ServiceSpec WantService(const Website& site, const rt::ServiceSpec& stored) {
  rt::ServiceSpec spec = stored;  // keep what the API server filled in (type, clusterIP)
  spec.selector = PodLabels(site.metadata.name);
  spec.ports = {{.name = "http",
                 .protocol = "TCP",
                 .port = 80,
                 .target_port = rt::IntOrString::Int(site.spec.port)}};
  return spec;
}

}  // namespace

struct WebsiteController::State {
  rt::Clientset& client;
  ControllerOptions options;
  cache::SharedIndexInformer& websites_informer;
  cache::Lister<Website> websites;
  cache::Lister<rt::Deployment> deployments;
  cache::Lister<rt::Service> services;
  ctrl::Controller controller;

  State(rt::Clientset& c, cache::InformerFactory& factory, ControllerOptions opts)
      : client(c),
        options(opts),
        websites_informer(factory.InformerFor<Website>()),
        websites(factory.ListerFor<Website>()),
        deployments(factory.ListerFor<rt::Deployment>()),
        services(factory.ListerFor<rt::Service>()),
        controller({.name = "website", .workers = opts.workers},
                   [this](const bubble::sim::Context&, const std::string& key) {
                     return Reconcile(key);
                   }) {}

  rt::Result<ctrl::ReconcileResult> Reconcile(const std::string& key) {
    auto name = cache::SplitMetaNamespaceKey(key);
    if (!name) {
      return rt::Err(name.error());
    }
    auto site = websites.Namespace(name->namespace_).Get(name->name);
    if (!site) {
      if (!rt::IsNotFound(site.error())) {
        return rt::Err(site.error());
      }
      return DeleteChildren(name->namespace_, name->name);
    }
    if (auto synced = SyncDeployment(**site); !synced) {
      if (options.ignore_conflicts && rt::IsConflict(synced.error())) {
        return ctrl::ReconcileResult::Done();  // the planted bug: the change is lost
      }
      return rt::Err(synced.error());
    }
    if (auto synced = SyncService(**site); !synced) {
      return rt::Err(synced.error());
    }
    if ((*site)->status.observed_generation != (*site)->metadata.generation) {
      Website next = **site;
      next.status.observed_generation = next.metadata.generation;
      if (auto updated = client.For<Website>(next.metadata.namespace_).UpdateStatus(next);
          !updated) {
        return rt::Err(updated.error());  // a Conflict too: the next attempt reads again
      }
    }
    return ctrl::ReconcileResult::Done();
  }

  rt::Result<void> SyncDeployment(const Website& site) {
    auto deployments_client = client.Deployments(site.metadata.namespace_);
    const rt::DeploymentSpec want = WantDeployment(site);
    auto stored = deployments.Namespace(site.metadata.namespace_).Get(site.metadata.name);
    if (!stored) {
      if (!rt::IsNotFound(stored.error())) {
        return rt::Err(stored.error());
      }
      rt::Deployment d;
      d.metadata.name = site.metadata.name;
      d.metadata.namespace_ = site.metadata.namespace_;
      d.metadata.labels = PodLabels(site.metadata.name);
      d.spec = want;
      // AlreadyExists means the cache is behind: an error, so the key is retried.
      return deployments_client.Create(d).map([](auto&&) {});
    }
    if ((*stored)->spec == want) {
      return rt::Ok();
    }
    rt::Deployment next = **stored;  // carries the cached resourceVersion: a stale one conflicts
    next.spec = want;
    return deployments_client.Update(next).map([](auto&&) {});
  }

  rt::Result<void> SyncService(const Website& site) {
    auto services_client = client.Services(site.metadata.namespace_);
    auto stored = services.Namespace(site.metadata.namespace_).Get(site.metadata.name);
    if (!stored) {
      if (!rt::IsNotFound(stored.error())) {
        return rt::Err(stored.error());
      }
      rt::Service s;
      s.metadata.name = site.metadata.name;
      s.metadata.namespace_ = site.metadata.namespace_;
      s.spec = WantService(site, {});
      return services_client.Create(s).map([](auto&&) {});
    }
    const rt::ServiceSpec want = WantService(site, (*stored)->spec);
    if ((*stored)->spec == want) {
      return rt::Ok();
    }
    rt::Service next = **stored;
    next.spec = want;
    return services_client.Update(next).map([](auto&&) {});
  }

  rt::Result<ctrl::ReconcileResult> DeleteChildren(const std::string& ns, const std::string& name) {
    for (auto deleted : {client.Deployments(ns).Delete(name), client.Services(ns).Delete(name)}) {
      if (!deleted && !rt::IsNotFound(deleted.error())) {
        return rt::Err(deleted.error());
      }
    }
    return ctrl::ReconcileResult::Done();
  }
};

WebsiteController::WebsiteController(rt::Clientset& client, cache::InformerFactory& factory,
                                     ControllerOptions options)
    : state_(std::make_unique<State>(client, factory, options)) {}

WebsiteController::~WebsiteController() = default;

void WebsiteController::Run(const bubble::sim::Context& ctx) {
  if (auto watched = state_->controller.Watch(state_->websites_informer); !watched) {
    bubble::sim::Fail(watched.error().message);
  }
  state_->controller.Run(ctx);
}

const ctrl::ControllerStats& WebsiteController::Stats() const {
  return state_->controller.Stats();
}

}  // namespace website
