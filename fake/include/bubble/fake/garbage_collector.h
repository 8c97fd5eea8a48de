// fake/include/bubble/fake/garbage_collector.h
//
// GarbageCollector: the controller manager's garbage collector for the fake API server
// (docs/semantics.md §1.14), run as fibers of the bubble like any controller, so the strategies
// explore its timing too.
//
//   fake::Options opts;
//   opts.garbage_collector = true;               // Delete honours propagation_policy
//   auto cs = std::make_shared<fake::Clientset>(opts);
//   bubble::sim::Bubble b;
//   b.Run([&] {
//     auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
//     fake::GarbageCollector gc(*cs, {.resources = {runtime::ConfigMap::StaticResource()}});
//     sim::WaitGroup fibers("test");
//     fibers.Go("gc", [&gc, &ctx = ctx] { gc.Run(ctx); });
//     ...                                         // create owners and dependents, delete owners
//     cancel();
//     fibers.Wait();
//   });
//
// What it does (kubernetes' pkg/controller/garbagecollector, in outline):
//  - its own informers watch `resources` through the clientset; their handlers keep a graph of
//    the objects keyed by UID, each node with its ownerReferences and its dependents. An owner a
//    dependent names that no informer reported yet is a virtual node;
//  - two work queues of UIDs, served by workers once the informers synced:
//    attempt-to-delete — a dependent whose owners may be gone, a virtual node to verify, an owner
//    deleted in the foreground; attempt-to-orphan — an owner deleted with propagation Orphan;
//  - Background: a dependent none of whose owners exists (read live, by name, UID compared) is
//    deleted; one with an owner that exists only loses the references to those that do not;
//  - Foreground: an owner with deletionTimestamp and the foregroundDeletion finalizer has its
//    dependents deleted (in the foreground again where they have dependents of their own); when
//    no dependent with blockOwnerDeletion remains, the finalizer is removed and the owner goes;
//  - Orphan: an owner with the orphan finalizer has its references removed from its dependents,
//    then the finalizer removed;
//  - a virtual node is verified with a live read before its dependents are judged: an owner the
//    informers did not report yet is not an owner that is gone (kubernetes#88097).
// Every write goes through the clientset (events, resourceVersions, faults, latency); a failed
// step is retried with the controller rate limiter.
//
// Owners of a kind outside `resources` are read live when a dependent is judged, but their
// deletion is noticed only when something else enqueues the dependent.
//
// Threading: construct anywhere; Run from a fiber of the bubble, once. The clientset must
// outlive the collector.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <bubble/runtime/group_version.h>
#include <bubble/sim/context.h>

namespace bubble::fake {

class Clientset;

// The finalizers of propagation (metav1.FinalizerOrphanDependents, FinalizerDeleteDependents).
inline constexpr char kFinalizerOrphan[] = "orphan";
inline constexpr char kFinalizerForeground[] = "foregroundDeletion";

struct GarbageCollectorOptions {
  // The resources the collector watches. Empty: every resource the clientset's scheme knows.
  std::vector<runtime::GroupVersionResource> resources{};
  // Worker fibers of each queue.
  int delete_workers = 2;
  int orphan_workers = 1;
};

// What a collector did, for tests and logs.
struct GarbageCollectorStats {
  std::int64_t deletes = 0;             // dependents it deleted
  std::int64_t orphaned = 0;            // ownerReferences it removed
  std::int64_t finalizers_removed = 0;  // orphan and foregroundDeletion finalizers removed
  std::int64_t virtual_checks = 0;      // live reads of owners no informer reported yet
};

class GarbageCollector {
 public:
  // UsageError unless the clientset was built with Options::garbage_collector.
  explicit GarbageCollector(Clientset& cs, GarbageCollectorOptions options = {});
  GarbageCollector(const GarbageCollector&) = delete;
  GarbageCollector& operator=(const GarbageCollector&) = delete;
  ~GarbageCollector();

  // Starts the informers and, once they synced, the workers; returns when `ctx` ends and every
  // fiber it started has returned.
  void Run(const sim::Context& ctx);

  const GarbageCollectorStats& Stats() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace bubble::fake
