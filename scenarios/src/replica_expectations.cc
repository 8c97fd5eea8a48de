// scenarios/src/replica_expectations.cc
//
// S02 — the expectations race of the ReplicaSet controller (docs/scenarios.md).
//
// A replica controller keeps the pods of Deployments default/web-0, web-1, ... (labelled
// app=<deployment>, owned through an ownerReference) at spec.replicas, the way
// kube-controller-manager's ReplicaSet controller does (two workers, one pod informer): a sync
// counts the active pods in the informer's cache and creates or deletes the difference. A create
// returns long before its ADDED reaches the cache, so a sync that runs in between would count too
// few pods and create twins. ControllerExpectations closes that window: before creating n pods the
// controller records "expect n adds" for the key; the pod informer's add handler lowers the count
// (a failed create lowers it too); a sync only acts on its count when the expectations are
// satisfied (nothing in flight, or expired after 5 minutes).
//
// A driver per Deployment scales it up once at a random instant (3 -> 5 by default), and
// optionally the server fails some pod creates. Scale-ups only: the desired count never falls, so
// "never more pods than desired" holds at every instant.
//
// Invariants:
//  - never-over-replicas: at no instant does the server hold more active pods of a Deployment
//    than its spec asks for (checked after every create the controller makes, from the server's
//    store without a scheduling point);
//  - no-create-while-unobserved: a sync never creates a pod while a pod an earlier sync created
//    is still unobserved by the controller's pod handler;
//  - converged: at the end, exactly spec.replicas pods and status.replicas equal to it.
//
// Planted bugs:
//  - count-before-check: the sync lists the pods before it checks the expectations (the order
//    kubernetes#8138 fixed): a pod's ADDED handled in between satisfies the expectations, and the
//    sync acts on a count that misses that pod — one pod too many;
//  - no-expectations: the sync trusts the cache's count alone: any sync between a create and its
//    ADDED creates twins (S01's read-own-write staleness, without the deterministic names that
//    would have saved it: a ReplicaSet names its pods with generateName).
#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/controller/controller.h>
#include <bubble/runtime/deployment.h>
#include <bubble/runtime/pod.h>
#include <bubble/runtime/retry.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/mutex.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "catalogue.h"

namespace bubble::scenarios {

namespace {

using namespace std::chrono_literals;
namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;
namespace ctrl = bubble::runtime::controller;

constexpr char kNamespace[] = "default";
// kube-controller-manager's ExpectationsTimeout.
constexpr sim::Duration kExpectationsTimeout = 5min;

// ControllerExpectations for one kind of owner: per key, the adds and deletes still to be
// observed, and when they were set. Guarded by a sim::Mutex like client-go's cache.Store behind
// it, so its reads and writes are preemption points as on a cluster.
class Expectations {
 public:
  // True when nothing is in flight for `key`, or the expectations expired (or were never set).
  bool Satisfied(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) {
      return true;
    }
    const Entry& e = it->second;
    if (e.adds <= 0 && e.deletes <= 0) {
      return true;
    }
    if (sim::Now() - e.set_at > kExpectationsTimeout) {
      sim::Log().info("\"Expectations expired\" key=\"{}\" adds={} deletes={}", key, e.adds,
                      e.deletes);
      return true;
    }
    return false;
  }

  void Expect(const std::string& key, int adds, int deletes) {
    std::lock_guard lock(mu_);
    by_key_[key] = {.adds = adds, .deletes = deletes, .set_at = sim::Now()};
  }

  void CreationObserved(const std::string& key) { Lower(key, 1, 0); }

  void DeletionObserved(const std::string& key) { Lower(key, 0, 1); }

  void Forget(const std::string& key) {
    std::lock_guard lock(mu_);
    by_key_.erase(key);
  }

 private:
  struct Entry {
    int adds = 0;
    int deletes = 0;
    sim::TimePoint set_at{};
  };

  void Lower(const std::string& key, int adds, int deletes) {
    std::lock_guard lock(mu_);
    auto it = by_key_.find(key);
    if (it != by_key_.end()) {
      it->second.adds -= adds;
      it->second.deletes -= deletes;
    }
  }

  sim::Mutex mu_{"expectations"};
  std::map<std::string, Entry> by_key_;
};

struct State {
  std::shared_ptr<fake::Clientset> cs;
  int deployments = 3;
  int replicas = 3;
  int scale_to = 5;
  bool create_errors = false;
  bool count_before_check = false;
  bool no_expectations = false;
  bool forget_failed_creates = false;
  // Pods the controller created and its pod handler has not seen yet, with the sync that made
  // them (no-create-while-unobserved).
  std::map<std::string, std::pair<std::string, int>> unobserved;  // pod: (deployment, sync)
  // Pods the handler has seen (an ADDED may be handled before the create's response is back).
  std::set<std::string> observed;
  int syncs = 0;
};

bool Active(const rt::Pod& pod) {
  return !pod.metadata.deletion_timestamp.has_value();
}

std::string DeploymentName(int i) {
  return fmt::format("web-{}", i);
}

// The active pods of deployment `name` in the server's store: read straight from the tracker,
// which neither blocks nor yields, so checking does not change the schedule it checks.
int ServerActivePods(State& s, const std::string& name) {
  auto list = s.cs->GetTracker().List(rt::Pod::StaticResource(), kNamespace);
  if (!list) {
    sim::Fail(fmt::format("list pods from the store: {}", list.error().message));
  }
  int active = 0;
  for (const rt::ObjectPtr& obj : list->items) {
    auto it = obj->metadata.labels.find("app");
    if (it != obj->metadata.labels.end() && it->second == name &&
        !obj->metadata.deletion_timestamp) {
      ++active;
    }
  }
  return active;
}

int DesiredReplicas(State& s, const std::string& name) {
  auto d = s.cs->GetTracker().Get(rt::Deployment::StaticResource(), kNamespace, name);
  if (!d) {
    sim::Fail(fmt::format("get deployment from the store: {}", d.error().message));
  }
  auto typed = rt::As<rt::Deployment>(*d);
  return typed ? (*typed)->spec.replicas : 0;
}

rt::Pod NewPod(const rt::Deployment& d) {
  rt::Pod pod({.namespace_ = kNamespace,
               .generate_name = d.metadata.name + "-",
               .labels = d.spec.template_.metadata.labels,
               .owner_references = {{.api_version = "apps/v1",
                                     .kind = "Deployment",
                                     .name = d.metadata.name,
                                     .uid = d.metadata.uid,
                                     .controller = true,
                                     .block_owner_deletion = true}}},
              d.spec.template_.spec);
  return pod;
}

rt::Result<ctrl::ReconcileResult> Sync(State& s, Expectations& exp,
                                       const cache::Lister<rt::Deployment>& deployments,
                                       const cache::Lister<rt::Pod>& pods, const std::string& key) {
  const int sync = ++s.syncs;
  const std::string name = key.substr(key.find('/') + 1);
  auto d = deployments.Namespace(kNamespace).Get(name);
  if (!d) {
    exp.Forget(key);
    return ctrl::ReconcileResult::Done();
  }
  const rt::Deployment& web = **d;
  auto selector = rt::LabelSelector::FromSet(web.spec.selector.match_labels);

  // The expectations check and the count, in the order kubernetes#8138 is about. Between the
  // pod list and acting on it the controller claims the pods, re-reading its owner from the
  // server first (ReplicaSet's RecheckDeletionTimestamp: never adopt for an owner being
  // deleted): the check must come before the list, not after the claim.
  bool needs_sync = true;
  if (!s.no_expectations && !s.count_before_check) {
    needs_sync = exp.Satisfied(key);
  }
  std::vector<std::shared_ptr<const rt::Pod>> listed = pods.Namespace(kNamespace).List(selector);
  auto fresh = s.cs->Deployments(kNamespace).Get(name);
  if (!fresh) {
    return rt::IsNotFound(fresh.error())
               ? rt::Result<ctrl::ReconcileResult>(ctrl::ReconcileResult::Done())
               : rt::Err(fresh.error());
  }
  if (s.count_before_check) {
    needs_sync = exp.Satisfied(key);
  }
  std::vector<std::shared_ptr<const rt::Pod>> active;
  for (const auto& pod : listed) {
    const bool owned = std::any_of(
        pod->metadata.owner_references.begin(), pod->metadata.owner_references.end(),
        [&](const rt::OwnerReference& ref) { return ref.uid == (*fresh)->metadata.uid; });
    if (owned && Active(*pod)) {
      active.push_back(pod);
    }
  }
  const int have = static_cast<int>(active.size());

  if (needs_sync && have < web.spec.replicas) {
    const int missing = web.spec.replicas - have;
    sim::Log().info("\"Too few replicas\" key=\"{}\" have={} need={} creating={}", key, have,
                    web.spec.replicas, missing);
    if (!s.no_expectations) {
      exp.Expect(key, missing, 0);
    }
    rt::Status first_error;
    bool failed = false;
    for (int i = 0; i < missing; ++i) {
      for (const auto& [pod, by] : s.unobserved) {
        if (by.first == name && by.second != sync) {
          sim::Fail(fmt::format(
              "invariant no-create-while-unobserved violated: sync {} creates a pod of {} while "
              "pod {} (created by sync {}) is not yet observed",
              sync, name, pod, by.second));
        }
      }
      auto created = s.cs->Pods(kNamespace).Create(NewPod(web));
      if (!created) {
        // The ADDED for this pod will never come: stop expecting it.
        if (!s.no_expectations && !s.forget_failed_creates) {
          exp.CreationObserved(key);
        }
        if (!failed) {
          first_error = created.error();
          failed = true;
        }
        continue;
      }
      const std::string& pod = (*created)->metadata.name;
      if (!s.observed.contains(pod)) {
        s.unobserved.emplace(pod, std::make_pair(name, sync));
      }
      const int on_server = ServerActivePods(s, name);
      const int desired = DesiredReplicas(s, name);
      if (on_server > desired) {
        sim::Fail(fmt::format(
            "invariant never-over-replicas violated: sync {} created {}: the server holds {} "
            "active pods of {}, spec.replicas is {}",
            sync, pod, on_server, name, desired));
      }
    }
    if (failed) {
      return rt::Err(first_error);
    }
  }

  if (web.status.replicas != have) {
    rt::Deployment next = web;
    next.status.replicas = have;
    auto updated = s.cs->Deployments(kNamespace).UpdateStatus(next);
    if (!updated) {
      return rt::Err(updated.error());  // a conflict: the cache was behind; retry
    }
  }
  return ctrl::ReconcileResult::Done();
}

void Check(State& s) {
  for (int i = 0; i < s.deployments; ++i) {
    const std::string name = DeploymentName(i);
    auto d = s.cs->Deployments(kNamespace).Get(name);
    if (!d) {
      sim::Fail(fmt::format("get deployment {}: {}", name, d.error().message));
    }
    const int want = (*d)->spec.replicas;
    const int have = ServerActivePods(s, name);
    if (have != want) {
      sim::Fail(
          fmt::format("invariant converged violated: {} active pods of {}, spec.replicas is {}",
                      have, name, want));
    }
    if ((*d)->status.replicas != want) {
      sim::Fail(fmt::format("invariant converged violated: {} has status.replicas {}, want {}",
                            name, (*d)->status.replicas, want));
    }
  }
  sim::Log().info("\"Converged\" deployments={} syncs={}", s.deployments, s.syncs);
}

void Run(State& s) {
  Expectations exp;
  cache::InformerFactory factory(*s.cs);
  auto deployments = factory.ListerFor<rt::Deployment>();
  auto pods = factory.ListerFor<rt::Pod>();
  ctrl::Controller controller({.name = "replicas", .workers = 2},
                              [&](const sim::Context&, const std::string& key) {
                                return Sync(s, exp, deployments, pods, key);
                              });
  auto owner_key = [](const rt::ObjectPtr& obj) -> std::string {
    for (const rt::OwnerReference& ref : obj->metadata.owner_references) {
      if (ref.controller && ref.kind == "Deployment") {
        return obj->metadata.namespace_ + "/" + ref.name;
      }
    }
    return {};
  };
  auto watched = controller.Watch(factory.InformerFor<rt::Deployment>());
  // The pod handler of the ReplicaSet controller: observe, then enqueue the owner.
  auto handler =
      controller.AddEventHandler(factory.InformerFor<rt::Pod>(),
                                 cache::ResourceEventHandlerFuncs{
                                     .add =
                                         [&](const rt::ObjectPtr& obj, bool) {
                                           const std::string key = owner_key(obj);
                                           if (key.empty()) {
                                             return;
                                           }
                                           s.observed.insert(obj->metadata.name);
                                           s.unobserved.erase(obj->metadata.name);
                                           if (!s.no_expectations) {
                                             exp.CreationObserved(key);
                                           }
                                           controller.Enqueue(key);
                                         },
                                     .update =
                                         [&](const rt::ObjectPtr&, const rt::ObjectPtr& obj) {
                                           if (std::string key = owner_key(obj); !key.empty()) {
                                             controller.Enqueue(key);
                                           }
                                         },
                                     .del =
                                         [&](const cache::DeltaObject& obj) {
                                           const rt::ObjectPtr& last = cache::ObjectOf(obj);
                                           if (last == nullptr) {
                                             return;
                                           }
                                           if (std::string key = owner_key(last); !key.empty()) {
                                             controller.Enqueue(key);
                                           }
                                         },
                                 });
  if (!watched || !handler) {
    sim::Fail("could not watch the informers");
  }
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  factory.Start(ctx);
  sim::WaitGroup fibers("replica scenario");
  // An init-capture: clang 14 cannot capture a structured binding.
  fibers.Go("controller", [&controller, &ctx = ctx] { controller.Run(ctx); });
  for (int i = 0; i < s.deployments; ++i) {
    fibers.Go(fmt::format("driver-{}", i), [&s, i] {
      sim::SleepFor(sim::Rand().UniformDuration(0ms, 50ms));
      const std::string name = DeploymentName(i);
      auto client = s.cs->Deployments(kNamespace);
      // The controller writes the status meanwhile: re-read on a conflict.
      auto scaled = rt::RetryOnConflict(rt::kDefaultRetry, [&]() -> rt::Result<void> {
        auto d = client.Get(name);
        if (!d) {
          return rt::Err(d.error());
        }
        rt::Deployment next = **d;
        next.spec.replicas = s.scale_to;
        if (auto updated = client.Update(next); !updated) {
          return rt::Err(updated.error());
        }
        return rt::Ok();
      });
      if (!scaled) {
        sim::Fail(fmt::format("scale {}: {}", name, scaled.error().message));
      }
      sim::Log().info("\"Scaled\" deployment=\"{}\" replicas={}", name, s.scale_to);
    });
  }
  sim::SleepFor(30s);
  Check(s);
  cancel();
  fibers.Wait();
  factory.Shutdown();
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->deployments = static_cast<int>(ctx.IntOption("deployments"));
  s->replicas = static_cast<int>(ctx.IntOption("replicas"));
  s->scale_to = s->replicas + static_cast<int>(ctx.IntOption("scale-up"));
  s->create_errors = ctx.Option("create-errors") == "on";
  s->count_before_check = ctx.Bug("count-before-check");
  s->no_expectations = ctx.Bug("no-expectations");
  s->forget_failed_creates = ctx.Bug("forget-failed-creates");
  fake::Options server;
  if (s->create_errors) {
    server.faults.errors.push_back({.verb = "create", .resource = "pods", .probability = 0.1});
  }
  if (ctx.Option("latency") == "random") {
    server.faults.latency.push_back({.min = 0ms, .max = 2ms});
  }
  s->cs = std::make_shared<fake::Clientset>(std::move(server));
  for (int i = 0; i < s->deployments; ++i) {
    rt::Deployment web;
    web.metadata = {.name = DeploymentName(i), .namespace_ = kNamespace};
    web.spec.replicas = s->replicas;
    web.spec.selector.match_labels = {{"app", web.metadata.name}};
    web.spec.template_.metadata.labels = {{"app", web.metadata.name}};
    web.spec.template_.spec.containers = {{.name = "web", .image = "nginx:1.25"}};
    if (auto added = s->cs->GetTracker().Add(web); !added) {
      throw std::runtime_error("seed deployment: " + added.error().message);
    }
  }
  return [s] { Run(*s); };
}

}  // namespace

Scenario ReplicaExpectationsScenario() {
  Scenario s;
  s.name = "replica-expectations";
  s.catalogue = "S02";
  s.description =
      "a ReplicaSet-style controller with ControllerExpectations; never more pods than desired";
  s.options = {
      {.key = "deployments",
       .default_value = "3",
       .description = "Deployments web-0, web-1, ... (each scaled up once by its own driver)",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 10}},
      {.key = "replicas",
       .default_value = "3",
       .description = "spec.replicas at the start",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 20}},
      {.key = "scale-up",
       .default_value = "8",
       .description = "replicas the driver adds at a random instant",
       .int_range = std::pair<std::int64_t, std::int64_t>{0, 20}},
      {.key = "create-errors",
       .default_value = "on",
       .description = "on: the server fails 10% of pod creates (quota, admission); the "
                      "controller must stop expecting their ADDED",
       .allowed = {"on", "off"}},
      {.key = "latency",
       .default_value = "none",
       .description = "API latency: none, or random (0-2ms per request and response)",
       .allowed = {"none", "random"}},
  };
  s.bugs = {
      {.name = "count-before-check",
       .description = "the sync counts the cached pods before checking its expectations "
                      "(kubernetes#8138): an ADDED handled in between makes one pod too many",
       .seed_budget = 100},
      {.name = "forget-failed-creates",
       .description = "a failed create does not lower the expectations: the controller waits "
                      "for an ADDED that never comes, and the Deployment stays short of replicas "
                      "until the expectations expire after 5 minutes",
       .seed_budget = 20},
      {.name = "no-expectations",
       .description = "the sync trusts the cache's pod count alone: a sync between a create and "
                      "its ADDED creates twins",
       .seed_budget = 20},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
