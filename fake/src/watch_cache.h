// fake/src/watch_cache.h: one API server's watch cache — a view of the store that follows it a
// seeded lag behind and serves reads by a real cacher's resourceVersion rules (docs/semantics.md
// §1.15). Private to the fake: Clientset::ApiServer() reads through it.
//
// The cache follows the store through Tracker::AddChangeListener: every committed change is
// queued with the virtual time it becomes visible (commit time + the server's lag, drawn once per
// run) and applied then — by a timer, or by a reader that finds it due first. The cache keeps its
// own objects, its own resourceVersion per resource (the newest change it applied), a window of
// recent changes (watches resume from it) and its own watches, fed as changes are applied.
//
// Reads (after AwaitFresh returned):
//   Get "":        the store (a quorum read, as the real cacher delegates it to etcd);
//   Get "0", N:    the cache;
//   List N Exact:  once the cache reached N, the state at N rebuilt from the window (410 if the
//                  window no longer reaches back to N);
//   List "0":      the cache, however stale; List "": the cache once it reached the store's
//                  resourceVersion at the request (ConsistentListFromCache); List N: once it
//                  reached N;
//   Watch:         "" and sendInitialEvents waits as List ""; N waits for N; N older than the
//                  window is 410 Expired; then as the tracker's watch, from the cache.
//
// Threading and determinism: fibers of one bubble, or plain code before Run (then changes apply
// at once). Ordered maps only; the lag draw, every applied change and every read are traced
// (category "apiserver").
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/fake/options.h>
#include <bubble/fake/tracker.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/options.h>
#include <bubble/runtime/status.h>
#include <bubble/runtime/watch.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/context.h>

#include "tracker_state.h"

namespace bubble::fake::detail {

class WatchCache : public std::enable_shared_from_this<WatchCache> {
 public:
  // `tracker` and `options` must outlive the cache (the clientset owns all three).
  WatchCache(std::string name, ApiServerOptions config, const Options& options, Tracker& tracker);

  const std::string& Name() const noexcept { return name_; }

  // The tracker's change listener: queues the change (applies it at once outside a bubble or
  // with a zero lag).
  void Observe(const GroupVersionResource& gvr, WatchEventType type, const ObjectPtr& obj,
               const ObjectPtr& old, std::int64_t rv);

  // Blocks the calling fiber until the cache can serve `verb` ("get", "list", "watch") of `gvr`
  // with resourceVersion `rv`: at once for "0" (and a Get ""), else until the cache reached the
  // version the read needs ("": the store's at the request; N: N). A watch with
  // sendInitialEvents waits as a List with its version. 504 "Too large resource version" (cause
  // ResourceVersionTooLarge) after Options::fresh_wait; a context error if `ctx` ends first;
  // BadRequest for a resourceVersion that is not an int64.
  Result<void> AwaitFresh(const sim::Context& ctx, const GroupVersionResource& gvr,
                          std::string_view verb, std::string_view rv);

  // The reads, served at once (call AwaitFresh first).
  Result<ObjectPtr> Get(const GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                        std::string_view rv);
  Result<runtime::ObjectList> List(const GroupVersionResource& gvr, std::string_view ns,
                                   const runtime::ListOptions& opts);
  Result<runtime::WatchPtr> Watch(const GroupVersionResource& gvr, std::string_view ns,
                                  const runtime::ListOptions& opts);

  // The newest change of `gvr` the cache applied (1: none), after applying every due change.
  std::int64_t ResourceVersion(const GroupVersionResource& gvr);

  // The lag drawn for this run (nullopt before the server's first use inside the bubble).
  std::optional<sim::Duration> Lag() const noexcept { return lag_; }

 private:
  struct CacheWatch {
    WatchRecord rec;
    std::string ns;  // "": every namespace
  };

  struct CachedResource {
    std::string label;
    std::int64_t rv = 1;
    // A watch from a resourceVersion below this gets 410 (changes evicted from the window).
    std::int64_t floor = 0;
    ObjectMap objects;
    std::deque<HistoryEvent> window;
    std::vector<CacheWatch> watches;
  };

  struct Pending {
    GroupVersionResource gvr;
    HistoryEvent change;
    sim::TimePoint due{};
  };

  CachedResource& Resource(const GroupVersionResource& gvr);
  // Draws the lag at the first use inside a bubble.
  sim::Duration EnsureLag();
  // Applies every queued change that is due by now, in commit order.
  void CatchUp();
  void Apply(const GroupVersionResource& gvr, const HistoryEvent& change);
  void Send(CachedResource& cr, const CacheWatch& w, WatchEventType type, const ObjectPtr& obj,
            std::int64_t rv);
  void SendBookmark(const GroupVersionResource& gvr, CachedResource& cr, const CacheWatch& w,
                    bool initial_events_end);
  // The objects as they were at `rv` (resourceVersionMatch=Exact), from the window; 410 Expired
  // if the window no longer reaches back to it.
  Result<ObjectMap> StateAt(const CachedResource& cr, std::int64_t rv) const;
  void Trace(std::string_view text) const;

  std::string name_;
  ApiServerOptions config_;
  const Options* options_;
  Tracker* tracker_;
  std::optional<sim::Duration> lag_;
  std::map<GroupVersionResource, CachedResource> resources_;
  std::deque<Pending> pending_;
  std::uint64_t next_watch_id_ = 1;
};

}  // namespace bubble::fake::detail
