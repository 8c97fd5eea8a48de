// fake/src/garbage_collector.cc
#include "bubble/fake/garbage_collector.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/controller/controller.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/wait_group.h>

namespace bubble::fake {

namespace {

namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;
namespace ctrl = bubble::runtime::controller;

bool HasFinalizer(const rt::ObjectMeta& m, std::string_view f) {
  return std::find(m.finalizers.begin(), m.finalizers.end(), f) != m.finalizers.end();
}

// An owner waiting for its dependents: deleted in the foreground, not gone yet.
bool DeletingDependents(const rt::ObjectMeta& m) {
  return m.deletion_timestamp.has_value() && HasFinalizer(m, kFinalizerForeground);
}

// "v1/configmaps default/x (uid)".
std::string Describe(const rt::GroupVersionResource& gvr, const std::string& ns,
                     const std::string& name, const std::string& uid) {
  return fmt::format("{} {}{}{} ({})", gvr, ns, ns.empty() ? "" : "/", name, uid);
}

}  // namespace

// One object of the graph, keyed by UID.
struct Node {
  rt::GroupVersionResource resource;
  std::string ns;
  std::string name;
  std::string uid;
  std::vector<rt::OwnerReference> owners;
  std::set<std::string> dependents;  // UIDs
  // Named as an owner, never reported by an informer.
  bool is_virtual = true;
  bool being_deleted = false;
  bool deleting_dependents = false;

  std::string String() const { return Describe(resource, ns, name, uid); }
};

struct GarbageCollector::Impl {
  Impl(Clientset& c, GarbageCollectorOptions o)
      : cs(c),
        options(std::move(o)),
        factory(c),
        attempt_to_delete({.name = "gc/attempt-to-delete", .workers = options.delete_workers},
                          [this](const sim::Context& ctx, const std::string& uid) {
                            return AttemptToDelete(ctx, uid);
                          }),
        attempt_to_orphan({.name = "gc/attempt-to-orphan", .workers = options.orphan_workers},
                          [this](const sim::Context& ctx, const std::string& uid) {
                            return AttemptToOrphan(ctx, uid);
                          }) {}

  Clientset& cs;
  GarbageCollectorOptions options;
  cache::InformerFactory factory;
  ctrl::Controller attempt_to_delete;
  ctrl::Controller attempt_to_orphan;
  std::map<std::string, Node> graph;
  GarbageCollectorStats stats;
  bool ran = false;

  bool TrustsGraph() const { return cs.GetOptions().bugs.gc_trusts_graph; }

  // ---- the graph builder: informer handlers. A handler changes the graph without a
  // scheduling point (so atomically, as the real collector's single processGraphChanges loop
  // does) and enqueues afterwards: an Add to a work queue is one (PreemptKind::kQueue). ----

  // UIDs to enqueue once the graph change is complete (Flush).
  std::vector<std::string> later_delete;
  std::vector<std::string> later_orphan;

  void LaterDelete(const std::string& uid) { later_delete.push_back(uid); }

  void LaterOrphan(const std::string& uid) { later_orphan.push_back(uid); }

  void Flush() {
    const std::vector<std::string> del = std::exchange(later_delete, {});
    const std::vector<std::string> orphan = std::exchange(later_orphan, {});
    for (const std::string& uid : del) {
      attempt_to_delete.Enqueue(uid);
    }
    for (const std::string& uid : orphan) {
      attempt_to_orphan.Enqueue(uid);
    }
  }

  // The node of the owner `ref` names for a dependent in `ns`: created virtual (and queued for
  // verification) when no informer reported it.
  Node& OwnerNode(const rt::OwnerReference& ref, const std::string& ns) {
    auto it = graph.find(ref.uid);
    if (it != graph.end()) {
      return it->second;
    }
    const auto [group, version] = rt::ParseApiVersion(ref.api_version);
    const rt::GroupVersionKind kind{group, version, ref.kind};
    const rt::KindInfo* info = cs.GetScheme().ForKind(kind);
    Node n;
    n.resource = cs.GetScheme().ResourceFor(kind);
    n.ns = info == nullptr || info->namespaced ? ns : std::string();
    n.name = ref.name;
    n.uid = ref.uid;
    it = graph.emplace(ref.uid, std::move(n)).first;
    sim::Log().debug("gc: virtual owner {}", it->second.String());
    LaterDelete(ref.uid);
    return it->second;
  }

  void Observe(const rt::GroupVersionResource& gvr, const rt::ObjectPtr& obj) {
    const rt::ObjectMeta& m = obj->metadata;
    if (m.uid.empty()) {
      return;  // a server without uids (Fidelity::uid_and_timestamps off): nothing to key
    }
    Node& n = graph[m.uid];
    const bool was_virtual = n.is_virtual;
    n.resource = gvr;
    n.ns = m.namespace_;
    n.name = m.name;
    n.uid = m.uid;
    n.is_virtual = false;
    const std::vector<rt::OwnerReference> old_owners =
        was_virtual ? std::vector<rt::OwnerReference>{} : n.owners;
    n.owners = m.owner_references;
    // Owners added, removed, or no longer blocked by this dependent.
    for (const rt::OwnerReference& ref : m.owner_references) {
      const auto before = std::find_if(old_owners.begin(), old_owners.end(),
                                       [&](const auto& o) { return o.uid == ref.uid; });
      if (before == old_owners.end()) {
        Node& owner = OwnerNode(ref, m.namespace_);
        owner.dependents.insert(m.uid);
        if (owner.deleting_dependents) {
          LaterDelete(owner.uid);
        }
      } else if (before->block_owner_deletion.value_or(false) &&
                 !ref.block_owner_deletion.value_or(false)) {
        EnqueueIfDeletingDependents(ref.uid);
      }
    }
    for (const rt::OwnerReference& ref : old_owners) {
      const bool kept = std::any_of(m.owner_references.begin(), m.owner_references.end(),
                                    [&](const auto& o) { return o.uid == ref.uid; });
      if (!kept) {
        if (auto it = graph.find(ref.uid); it != graph.end()) {
          it->second.dependents.erase(m.uid);
        }
        EnqueueIfDeletingDependents(ref.uid);
      }
    }
    Node& self = n;  // std::map: OwnerNode's inserts keep references valid
    self.being_deleted = m.deletion_timestamp.has_value();
    if (self.being_deleted && HasFinalizer(m, kFinalizerOrphan)) {
      LaterOrphan(m.uid);
    }
    if (DeletingDependents(m) && !self.deleting_dependents) {
      self.deleting_dependents = true;
      for (const std::string& dep : self.dependents) {
        LaterDelete(dep);
      }
      LaterDelete(m.uid);
    }
  }

  void EnqueueIfDeletingDependents(const std::string& uid) {
    if (auto it = graph.find(uid); it != graph.end() && it->second.deleting_dependents) {
      LaterDelete(uid);
    }
  }

  // The object `uid` is gone: its dependents may be garbage, owners waiting for it may go on.
  void Forget(const std::string& uid) {
    const auto it = graph.find(uid);
    if (it == graph.end()) {
      return;
    }
    for (const rt::OwnerReference& ref : it->second.owners) {
      if (auto o = graph.find(ref.uid); o != graph.end()) {
        o->second.dependents.erase(uid);
        if (o->second.deleting_dependents) {
          LaterDelete(ref.uid);
        }
      }
    }
    for (const std::string& dep : it->second.dependents) {
      LaterDelete(dep);
    }
    graph.erase(it);
  }

  void OnUpdate(const rt::GroupVersionResource& gvr, const rt::ObjectPtr& old_obj,
                const rt::ObjectPtr& obj) {
    if (old_obj != nullptr && old_obj->metadata.uid != obj->metadata.uid) {
      Forget(old_obj->metadata.uid);  // deleted and recreated between two observations
    }
    Observe(gvr, obj);
  }

  // ---- the workers ----

  rt::ResourceClientPtr Client(const Node& n) { return cs.Resource(n.resource, n.ns); }

  // The live object of `n`, or nullopt if there is none with its UID (NotFound, or recreated).
  rt::Result<std::optional<rt::ObjectPtr>> Live(const sim::Context& ctx, const Node& n) {
    auto got = Client(n)->Get(ctx, n.name, {});
    if (!got) {
      if (rt::IsNotFound(got.error())) {
        return std::optional<rt::ObjectPtr>();
      }
      return rt::Err(std::move(got.error()));
    }
    if ((*got)->metadata.uid != n.uid) {
      return std::optional<rt::ObjectPtr>();
    }
    return std::optional<rt::ObjectPtr>(std::move(*got));
  }

  rt::Result<ctrl::ReconcileResult> AttemptToDelete(const sim::Context& ctx,
                                                    const std::string& uid) {
    auto it = graph.find(uid);
    if (it == graph.end()) {
      return ctrl::ReconcileResult::Done();
    }
    if (it->second.is_virtual) {
      return VerifyVirtual(ctx, uid);
    }
    if (it->second.deleting_dependents) {
      return ProcessDeletingDependents(ctx, uid);
    }
    if (it->second.being_deleted) {
      return ctrl::ReconcileResult::Done();
    }
    return DeleteIfGarbage(ctx, uid);
  }

  // A virtual node: the owner exists unless a live read says otherwise (kubernetes#88097).
  rt::Result<ctrl::ReconcileResult> VerifyVirtual(const sim::Context& ctx, const std::string& uid) {
    Node n = graph.at(uid);
    if (!TrustsGraph()) {
      ++stats.virtual_checks;
      auto live = Live(ctx, n);
      if (!live) {
        return rt::Err(std::move(live.error()));
      }
      if (live->has_value()) {
        return ctrl::ReconcileResult::Done();  // the informer will report it
      }
    }
    auto it = graph.find(uid);
    if (it == graph.end() || !it->second.is_virtual) {
      return ctrl::ReconcileResult::Done();  // reported while we read
    }
    sim::Log().info("gc: owner {} is absent; its dependents are judged", n.String());
    Forget(uid);
    Flush();
    return ctrl::ReconcileResult::Done();
  }

  // A dependent none of whose owners exists is deleted; one with a live owner loses the
  // references to those that are gone or waiting for it.
  rt::Result<ctrl::ReconcileResult> DeleteIfGarbage(const sim::Context& ctx,
                                                    const std::string& uid) {
    const Node n = graph.at(uid);
    auto live = Live(ctx, n);
    if (!live) {
      return rt::Err(std::move(live.error()));
    }
    if (!live->has_value()) {
      return ctrl::ReconcileResult::Done();  // gone; the informer will report it
    }
    const rt::ObjectPtr latest = **live;
    if (latest->metadata.owner_references.empty()) {
      return ctrl::ReconcileResult::Done();
    }
    std::vector<rt::OwnerReference> solid;
    std::vector<std::string> remove;  // dangling or waiting owners' UIDs
    bool waiting = false;
    for (const rt::OwnerReference& ref : latest->metadata.owner_references) {
      Node owner;
      if (auto o = graph.find(ref.uid); o != graph.end()) {
        owner = o->second;
      } else {
        const auto [group, version] = rt::ParseApiVersion(ref.api_version);
        const rt::GroupVersionKind kind{group, version, ref.kind};
        const rt::KindInfo* info = cs.GetScheme().ForKind(kind);
        owner.resource = cs.GetScheme().ResourceFor(kind);
        owner.ns = info == nullptr || info->namespaced ? n.ns : std::string();
        owner.name = ref.name;
        owner.uid = ref.uid;
      }
      if (TrustsGraph()) {
        // The planted bug: the graph's word instead of a live read.
        if (owner.is_virtual) {
          remove.push_back(ref.uid);
        } else if (owner.deleting_dependents) {
          remove.push_back(ref.uid);
          waiting = true;
        } else {
          solid.push_back(ref);
        }
        continue;
      }
      auto owner_live = Live(ctx, owner);
      if (!owner_live) {
        return rt::Err(std::move(owner_live.error()));
      }
      if (!owner_live->has_value()) {
        remove.push_back(ref.uid);
      } else if (DeletingDependents((**owner_live)->metadata)) {
        remove.push_back(ref.uid);
        waiting = true;
      } else {
        solid.push_back(ref);
      }
    }
    auto client = Client(n);
    if (!solid.empty()) {
      if (remove.empty()) {
        return ctrl::ReconcileResult::Done();
      }
      return RemoveOwnerReferences(ctx, n, latest, remove);
    }
    std::string policy = "Background";
    if (waiting && !n.dependents.empty()) {
      policy = "Foreground";
    } else if (HasFinalizer(latest->metadata, kFinalizerOrphan)) {
      policy = "Orphan";
    } else if (HasFinalizer(latest->metadata, kFinalizerForeground)) {
      policy = "Foreground";
    }
    sim::Log().info("gc: deleting {} (no owner left; propagation {})", n.String(), policy);
    rt::DeleteOptions opts;
    opts.propagation_policy = policy;
    opts.preconditions.uid = n.uid;
    auto deleted = client->Delete(ctx, n.name, opts);
    if (!deleted && !rt::IsNotFound(deleted.error()) && !rt::IsConflict(deleted.error())) {
      return rt::Err(std::move(deleted.error()));
    }
    if (deleted) {
      ++stats.deletes;
    }
    return ctrl::ReconcileResult::Done();
  }

  // Removes the references to `owners` from `latest` (n's live object), conditional on its
  // resourceVersion: a conflict retries the whole judgement.
  rt::Result<ctrl::ReconcileResult> RemoveOwnerReferences(const sim::Context& ctx, const Node& n,
                                                          const rt::ObjectPtr& latest,
                                                          const std::vector<std::string>& owners) {
    std::unique_ptr<rt::Object> next = latest->Clone();
    const std::size_t before = next->metadata.owner_references.size();
    std::erase_if(next->metadata.owner_references, [&](const rt::OwnerReference& r) {
      return std::find(owners.begin(), owners.end(), r.uid) != owners.end();
    });
    const std::size_t removed = before - next->metadata.owner_references.size();
    if (removed == 0) {
      return ctrl::ReconcileResult::Done();
    }
    sim::Log().info("gc: removing {} ownerReference(s) from {}", removed, n.String());
    auto updated = Client(n)->Update(ctx, *next, {});
    if (!updated) {
      if (rt::IsNotFound(updated.error())) {
        return ctrl::ReconcileResult::Done();
      }
      return rt::Err(std::move(updated.error()));
    }
    stats.orphaned += static_cast<std::int64_t>(removed);
    return ctrl::ReconcileResult::Done();
  }

  // Removes `finalizer` from n's live object (conditional on its resourceVersion).
  rt::Result<ctrl::ReconcileResult> RemoveFinalizer(const sim::Context& ctx, const Node& n,
                                                    std::string_view finalizer) {
    auto live = Live(ctx, n);
    if (!live) {
      return rt::Err(std::move(live.error()));
    }
    if (!live->has_value() || !HasFinalizer((**live)->metadata, finalizer)) {
      return ctrl::ReconcileResult::Done();
    }
    std::unique_ptr<rt::Object> next = (**live)->Clone();
    std::erase(next->metadata.finalizers, std::string(finalizer));
    sim::Log().info("gc: removing finalizer {} from {}", finalizer, n.String());
    auto updated = Client(n)->Update(ctx, *next, {});
    if (!updated) {
      if (rt::IsNotFound(updated.error())) {
        return ctrl::ReconcileResult::Done();
      }
      return rt::Err(std::move(updated.error()));
    }
    ++stats.finalizers_removed;
    return ctrl::ReconcileResult::Done();
  }

  // An owner deleted in the foreground: its dependents are deleted; once none blocking it
  // remains (in the graph), its finalizer goes.
  rt::Result<ctrl::ReconcileResult> ProcessDeletingDependents(const sim::Context& ctx,
                                                              const std::string& uid) {
    const Node n = graph.at(uid);
    std::vector<std::string> blocking;
    for (const std::string& dep : n.dependents) {
      const auto d = graph.find(dep);
      if (d == graph.end()) {
        continue;
      }
      for (const rt::OwnerReference& ref : d->second.owners) {
        if (ref.uid == uid && ref.block_owner_deletion.value_or(false)) {
          blocking.push_back(dep);
          break;
        }
      }
    }
    if (blocking.empty()) {
      return RemoveFinalizer(ctx, n, kFinalizerForeground);
    }
    std::vector<std::string> to_delete;
    for (const std::string& dep : blocking) {
      if (!graph.at(dep).deleting_dependents) {
        to_delete.push_back(dep);
      }
    }
    for (const std::string& dep : to_delete) {  // each Enqueue may let other fibers run
      attempt_to_delete.Enqueue(dep);
    }
    // Enqueued again when a blocking dependent goes or stops blocking (the graph builder).
    return ctrl::ReconcileResult::Done();
  }

  // An owner deleted with propagation Orphan: its dependents lose their references to it, then
  // its finalizer goes.
  rt::Result<ctrl::ReconcileResult> AttemptToOrphan(const sim::Context& ctx,
                                                    const std::string& uid) {
    auto it = graph.find(uid);
    if (it == graph.end()) {
      return ctrl::ReconcileResult::Done();
    }
    const Node owner = it->second;
    for (const std::string& dep : owner.dependents) {
      const auto d = graph.find(dep);
      if (d == graph.end()) {
        continue;
      }
      const Node dependent = d->second;
      auto live = Live(ctx, dependent);
      if (!live) {
        return rt::Err(std::move(live.error()));
      }
      if (!live->has_value()) {
        continue;
      }
      auto removed = RemoveOwnerReferences(ctx, dependent, **live, {uid});
      if (!removed) {
        return removed;  // a conflict: orphan everything again
      }
    }
    return RemoveFinalizer(ctx, owner, kFinalizerOrphan);
  }

  void Run(const sim::Context& ctx) {
    BUBBLE_EXPECT(!ran, "fake::GarbageCollector::Run called twice");
    ran = true;
    std::vector<rt::GroupVersionResource> resources = options.resources;
    if (resources.empty()) {
      for (const rt::KindInfo& k : cs.GetScheme().Kinds()) {
        resources.push_back(k.resource);
      }
    }
    std::sort(resources.begin(), resources.end());
    resources.erase(std::unique(resources.begin(), resources.end()), resources.end());
    for (const rt::GroupVersionResource& gvr : resources) {
      cache::SharedIndexInformer& informer = factory.InformerFor(gvr);
      auto registered = attempt_to_delete.AddEventHandler(
          informer,
          cache::ResourceEventHandlerFuncs{
              .add =
                  [this, gvr](const rt::ObjectPtr& obj, bool) {
                    Observe(gvr, obj);
                    Flush();
                  },
              .update =
                  [this, gvr](const rt::ObjectPtr& old_obj, const rt::ObjectPtr& obj) {
                    OnUpdate(gvr, old_obj, obj);
                    Flush();
                  },
              .del =
                  [this](const cache::DeltaObject& d) {
                    if (const rt::ObjectPtr& obj = cache::ObjectOf(d); obj != nullptr) {
                      Forget(obj->metadata.uid);
                      Flush();
                    }
                  }},
          {.name = fmt::format("gc/graph-builder {}", gvr)});
      BUBBLE_EXPECT(registered.has_value(), "fake::GarbageCollector: cannot watch {}: {}", gvr,
                    registered ? std::string() : registered.error().message);
    }
    factory.Start(ctx);
    {
      sim::WaitGroup fibers("garbage collector");
      fibers.Go("gc/attempt-to-delete", [this, &ctx] { attempt_to_delete.Run(ctx); });
      fibers.Go("gc/attempt-to-orphan", [this, &ctx] { attempt_to_orphan.Run(ctx); });
      fibers.Wait();
    }
    factory.Shutdown();
  }
};

GarbageCollector::GarbageCollector(Clientset& cs, GarbageCollectorOptions options) {
  BUBBLE_EXPECT(cs.GetOptions().garbage_collector,
                "fake::GarbageCollector needs a clientset built with "
                "fake::Options::garbage_collector = true (so Delete honours propagation_policy)");
  BUBBLE_EXPECT(options.delete_workers >= 1 && options.orphan_workers >= 1,
                "fake::GarbageCollector needs at least one worker per queue");
  impl_ = std::make_unique<Impl>(cs, std::move(options));
}

GarbageCollector::~GarbageCollector() = default;

void GarbageCollector::Run(const sim::Context& ctx) {
  impl_->Run(ctx);
}

const GarbageCollectorStats& GarbageCollector::Stats() const noexcept {
  return impl_->stats;
}

}  // namespace bubble::fake
