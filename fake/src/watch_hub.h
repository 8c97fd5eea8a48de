// fake/src/watch_hub.h: the tracker's watches — registration, the replay a new watch gets, the
// fan-out of each change to the open watches, buffering and the full-buffer failure, bookmarks,
// server-side ends (EndWatches, timeoutSeconds) and the watch faults. The behaviour is the one
// tracker.h documents (§1.4, §1.5); the storage the watches follow stays in the tracker
// (tracker_state.h), which hands the hub a resource's state with every call. Private to the fake.
//
// Threading and determinism: as the tracker's (fibers of one bubble, or plain code outside any
// bubble, where nothing is traced, drawn or scheduled). Per resource, watches are kept per
// namespace in registration order; every delivery, fault and server-side end is a trace event.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/fake/options.h>
#include <bubble/runtime/options.h>
#include <bubble/runtime/watch.h>
#include <bubble/sim/clock.h>

#include "tracker_state.h"
#include "watch_oracle.h"

namespace bubble::fake::detail {

// The watch a start version older than the retained changes gets (tracker and API servers'
// caches alike): one ERROR event with 410 Expired "too old resource version: FROM (FLOOR)", then
// closed. Its own channel: the event fits whatever the configured buffer.
runtime::WatchPtr ExpiredWatch(std::string name, std::int64_t from, std::int64_t floor);

class WatchHub : public std::enable_shared_from_this<WatchHub> {
 public:
  // `options` must outlive the hub (the tracker owns both); faults are read at each use.
  explicit WatchHub(const Options& options);
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Opens a watch of `rs` in `ns` ("": every namespace). `opts` null: a legacy watch (nothing
  // replayed). `from`: the parsed start version (none for ""); `filter`: the parsed selectors.
  runtime::WatchPtr Open(ResourceState& rs, std::string_view ns, const runtime::ListOptions* opts,
                         std::optional<std::int64_t> from, WatchRecord filter);

  // Delivers a change of one object, already stored, to the watches of `ns` then to the
  // all-namespace watches, under the oracle's eye: `before` is the object's stored state before
  // the change (null: created), `before_rv` its version, `counter_before` the resource's counter
  // before the change.
  void Publish(ResourceState& rs, std::string_view ns, WatchEventType type, const ObjectPtr& obj,
               const ObjectPtr& old, std::int64_t rv, const ObjectPtr& before,
               std::int64_t before_rv, std::int64_t counter_before);

  // Sends a BOOKMARK with the current resourceVersion to every open watch that allows them.
  void Bookmark(ResourceState& rs);
  // Ends every open watch of the resource from the server side (traced, with `why`).
  void EndAll(ResourceState& rs, std::string_view why);
  // Stops every open watch of the resource, untraced (the tracker is going away).
  void StopAll(const ResourceState& rs);
  // Watches of the resource that are still open.
  std::size_t Count(const ResourceState& rs) const;

  // For a copy of a store (Tracker::CopyStoreFrom): what `source` knows of the states before
  // each change of `from` (the oracle's log), now of `to`, so a watch of the copy from an old
  // version is checked as one of the original would be.
  void CopyHistoryLog(const WatchHub& source, const ResourceState& from, const ResourceState& to);

 private:
  // A resource's watches: per namespace ("": all namespaces), in registration order.
  using Watchers = std::map<std::string, std::vector<WatchRecord>, std::less<>>;

  const Fidelity& Fid() const { return options_->fidelity; }

  void Trace(std::string_view text) const;
  // Puts one event into one watch: overflow fails the run, a stopped watch drops it. `text` is
  // EventText() when the caller has it already.
  void Send(ResourceState& rs, const WatchRecord& rec, runtime::ChannelWatcher& w,
            WatchEventType type, const ObjectPtr& obj, std::int64_t rv, std::string_view text = {});
  void SendBookmark(ResourceState& rs, const WatchRecord& rec, runtime::ChannelWatcher& w,
                    bool initial_events_end);
  void Fanout(ResourceState& rs, std::string_view ns, WatchEventType type, const ObjectPtr& obj,
              const ObjectPtr& old, std::int64_t rv);
  void EndWatch(ResourceState& rs, const WatchRecord& rec, runtime::ChannelWatcher& w,
                std::string_view why);
  // Schedules the server-side end of a watch (lifetime fault or timeoutSeconds).
  void ScheduleEnd(ResourceState& rs, std::uint64_t id,
                   const std::shared_ptr<runtime::ChannelWatcher>& w, sim::Duration after,
                   bool timeout);
  void EndScheduled(ResourceState& rs, std::uint64_t id, runtime::ChannelWatcher& w, bool timeout);

  const Options* options_;
  // Options::check_watches: checks every watch stream against the state (watch_oracle.h).
  std::unique_ptr<WatchOracle> oracle_;
  // By address: a resource's state never moves (map node), and nothing iterates this map (the
  // tracker walks its resources in order when every watch has to stop).
  std::map<const ResourceState*, Watchers> watchers_;
  std::uint64_t next_watch_id_ = 1;
  std::string scratch_;
};

}  // namespace bubble::fake::detail
