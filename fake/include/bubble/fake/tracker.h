// fake/include/bubble/fake/tracker.h
//
// Tracker: the fake API server's storage — client-go's ObjectTracker after the List+Watch fix
// (docs/semantics.md §1.2–§1.5), with the fidelity switches of a real server (options.h, on by
// default) and the planted bugs.
//
// Resource versions (§1.2). Each resource (GVR) has its own counter, conceptually 1 for a
// collection never written. Every create, update and patch takes counter+1; a delete does not
// bump it (unless history is kept: Fidelity::tombstones / history_limit); a failed operation
// never bumps it. List always carries a resourceVersion: "1" for a never-written collection,
// else the counter ("0" is never returned). The object's own metadata.resourceVersion is left as
// the caller wrote it unless Fidelity::stamp_resource_version (or conflicts) is on.
//
// Watch (§1.4). Watch(gvr, ns) without options is legacy: nothing is replayed. With options:
//   resourceVersion "" or "0"  every current object in scope is replayed as ADDED;
//   resourceVersion N          every object whose stored version is newer than N, as ADDED
//                              (with tombstones: every change after N, with its real type);
// in (namespace, name) order (history: resourceVersion order), before any later change.
// A resourceVersion that is not an int64 is a BadRequest:
//   invalid ResourceVersion "abc" in ListOptions, must be int64: strconv.ParseInt: parsing "abc":
//   invalid syntax
// A watch on namespace "" sees every namespace; a namespaced watch sees only its namespace.
// Fan-out order per change: the watches of the object's namespace, then the all-namespace
// watches, each in registration order.
//
// Buffering (§1.5). A watch buffers Options::watch_buffer (100) events. A delivery into a full
// buffer — also during replay — fails the run with a report naming the watch (bubble::sim::Fail;
// client-go's fake panics). Deliveries to stopped watches are dropped silently. A watch whose
// last handle is dropped is stopped.
//
// Errors use apimachinery's wording: `configmaps "x" not found`, `configmaps "x" already
// exists`, `request namespace does not match object namespace, request: "a" object: "b"`.
//
// Threading and determinism: fibers of one bubble (or plain code outside any bubble, e.g. to seed
// it before Run). No call blocks or yields: each is atomic with respect to other fibers, which is
// what client-go's tracker lock gives. State is kept in ordered maps; every delivery, compaction
// and server-side watch end is a trace event (outside a bubble nothing is traced). Random draws
// (uids, generateName, watch faults) come from bubble::sim::Rand().
// Cost: writes are O(log n) plus one object copy plus one channel push per watch; reads share
// stored objects (List of n objects is n shared_ptr copies).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include <bubble/fake/options.h>
#include <bubble/runtime/group_version.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/options.h>
#include <bubble/runtime/status.h>
#include <bubble/runtime/watch.h>

namespace bubble::fake {

class Tracker {
 public:
  explicit Tracker(Options options = {});
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;
  // Ends every open watch (their channels close).
  ~Tracker();

  const Options& GetOptions() const noexcept;
  // Faults can be changed between and during requests.
  Faults& MutableFaults() noexcept;
  const runtime::Scheme& GetScheme() const noexcept;

  // Stores `obj` under the resource guessed from its kind (Scheme, else KindToResource) and its
  // own namespace, with create semantics (tracker.Add). Returns the stored object.
  runtime::Result<runtime::ObjectPtr> Add(const runtime::Object& obj);

  // Exact (namespace, name) match: "" finds only cluster-scoped objects.
  runtime::Result<runtime::ObjectPtr> Get(const runtime::GroupVersionResource& gvr,
                                          std::string_view ns, std::string_view name) const;
  // ns "": every object of the resource. Items in (namespace, name) order. Selectors in `opts`
  // apply only with Fidelity::selectors.
  runtime::Result<runtime::ObjectList> List(const runtime::GroupVersionResource& gvr,
                                            std::string_view ns,
                                            const runtime::ListOptions& opts = {}) const;
  // Create semantics (§1.3): namespace defaulting and check, AlreadyExists, next RV, ADDED.
  // Stores a copy of `obj`.
  runtime::Result<runtime::ObjectPtr> Create(const runtime::GroupVersionResource& gvr,
                                             const runtime::Object& obj, std::string_view ns);
  // The same, storing `obj` itself (it is immutable) unless the server has to change it.
  runtime::Result<runtime::ObjectPtr> Create(const runtime::GroupVersionResource& gvr,
                                             runtime::ObjectPtr obj, std::string_view ns);
  // Replace semantics: NotFound if missing, next RV, MODIFIED. `subresource` matters only with
  // Fidelity::status_subresource ("status").
  runtime::Result<runtime::ObjectPtr> Update(const runtime::GroupVersionResource& gvr,
                                             const runtime::Object& obj, std::string_view ns,
                                             std::string_view subresource = {});
  runtime::Result<runtime::ObjectPtr> Update(const runtime::GroupVersionResource& gvr,
                                             runtime::ObjectPtr obj, std::string_view ns,
                                             std::string_view subresource = {});
  // Replace semantics with an object the caller already patched (as tracker.Patch).
  runtime::Result<runtime::ObjectPtr> Patch(const runtime::GroupVersionResource& gvr,
                                            const runtime::Object& patched, std::string_view ns,
                                            std::string_view subresource = {});
  // Removes the object and sends DELETED with its last state. NotFound if missing. With
  // Options::garbage_collector, propagation "Orphan" / "Foreground" marks it terminating with
  // the orphan / foregroundDeletion finalizer instead (garbage_collector.h).
  runtime::Result<void> Delete(const runtime::GroupVersionResource& gvr, std::string_view ns,
                               std::string_view name, const runtime::DeleteOptions& opts = {});
  // Deletes every object in scope matching the options' selectors, in (namespace, name) order.
  // (Used by the clientset only with Fidelity::delete_collection.)
  runtime::Result<void> DeleteCollection(const runtime::GroupVersionResource& gvr,
                                         std::string_view ns, const runtime::ListOptions& opts);

  // Legacy watch: registers, replays nothing.
  runtime::Result<runtime::WatchPtr> Watch(const runtime::GroupVersionResource& gvr,
                                           std::string_view ns);
  // Watch with options: replays per the rules above, then streams.
  runtime::Result<runtime::WatchPtr> Watch(const runtime::GroupVersionResource& gvr,
                                           std::string_view ns, const runtime::ListOptions& opts);

  // The resources that hold objects, in (group, version, resource) order.
  std::vector<runtime::GroupVersionResource> Resources() const;
  // The resource's counter (1 for a never-written collection).
  std::int64_t ResourceVersion(const runtime::GroupVersionResource& gvr) const;
  // Watches of the resource that are still open.
  std::size_t WatchCount(const runtime::GroupVersionResource& gvr) const;
  // Forgets the resource's history up to now (etcd compaction): a later Watch from an older
  // resourceVersion gets an ERROR event with 410 Expired, then its channel closes.
  void Compact(const runtime::GroupVersionResource& gvr);
  // Ends every open watch of the resource from the server side (FakeControllerSource.ResetWatch
  // without the relist): their channels close.
  void EndWatches(const runtime::GroupVersionResource& gvr);
  // Sends a BOOKMARK with the current resourceVersion to every watch that allows bookmarks
  // (needs Fidelity::bookmarks).
  void Bookmark(const runtime::GroupVersionResource& gvr);

  // Called after every committed change (create, update, patch, delete), once its watches got
  // it, in commit order, with the stored object (DELETED: its last state), the previous state
  // (MODIFIED; else null) and the change's resourceVersion. What an API server's watch cache
  // follows (Options::api_servers); a listener must not write to the tracker.
  using ChangeListener = std::function<void(
      const runtime::GroupVersionResource& gvr, runtime::WatchEventType type,
      const runtime::ObjectPtr& obj, const runtime::ObjectPtr& old, std::int64_t rv)>;
  void AddChangeListener(ChangeListener fn);

  // Makes this tracker's store a copy of `source`'s as it is now (Clientset::Snapshot): every
  // object with its resourceVersion, uid and timestamps, each resource's counter and the watch
  // history back to its compaction floor, so a List or a Watch from a version in the history
  // answers as `source` would have. Nothing else (watches, listeners) is copied. Objects are
  // shared, not cloned. Records no trace event and draws nothing: callable from the scheduler
  // with no fiber current, or outside any bubble. UsageError unless this tracker is unused.
  void CopyStoreFrom(const Tracker& source);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_{};
};

// Parses a resourceVersion as client-go's tracker does (strconv.ParseInt(rv, 10, 64)); the
// error is the BadRequest quoted above.
runtime::Result<std::int64_t> ParseResourceVersion(std::string_view rv);

}  // namespace bubble::fake
