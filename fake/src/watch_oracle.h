// fake/src/watch_oracle.h: the watch-consistency oracle (fake::Options::check_watches).
//
// The fake checks its own watch streams against its own state: for every open watch, what the
// watch held when it started plus every event it was sent equals, after every change, the
// server's objects filtered the same way (namespace, label selector, field selector). Checked:
//   - replay: exactly the objects (or changes) the start promises (docs/semantics.md §1.4);
//   - every change: the one object changed is held by the watch afterwards exactly when its new
//     state is in the watch's scope and matches (no lost, extra or duplicated event);
//   - ADDED only for an object the watch does not hold, MODIFIED and DELETED only for one it
//     holds; ADDED and MODIFIED carry the stored object at its version, DELETED the state the
//     watch held (it still matches the selectors) at the delete's version;
//   - versions increase along the stream (except a delete without a history, which keeps the
//     object's last version, §1.2); a BOOKMARK is not older than the last event and changes
//     nothing.
// A watch that ended (stopped by either side, 410, a fault) is dropped from checking.
//
// It keeps O(1) per watch between changes: held sets are never stored, because the invariant
// says they equal the filtered state; only the object being changed is tracked during a change,
// and during a replay from the history only the objects changed since its start version. With
// a history it also logs the state before each change (shared pointers), back to the
// compaction floor, to know what a watch from an old version held.
//
// A violation ends the run through sim::Fail: a failed invariant with the usual report, seed and
// replay line (outside a bubble, an exception from the tracker call).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <bubble/fake/options.h>

#include "tracker_state.h"

namespace bubble::fake::detail {

class WatchOracle {
 public:
  explicit WatchOracle(const Fidelity& fidelity) : fidelity_(fidelity) {}

  // A watch was registered and is about to get its replay. `selectors` describes its label and
  // field selectors for reports.
  void Opened(const ResourceState& rs, const WatchRecord& rec, std::string_view ns,
              std::string selectors, WatchReplay replay, std::int64_t from);
  // Its replay is over: from now on it must hold exactly the filtered state.
  void Replayed(const ResourceState& rs, std::uint64_t id);

  // One object (key) changes: `before` is its stored state before (null: created) with its
  // version. Call after the tracker stored the change, before the watches get it.
  void BeginChange(const ResourceState& rs, KeyView key, ObjectPtr before, std::int64_t before_rv,
                   std::int64_t counter_before);
  // Every watch got the change: checks each one against the state now stored.
  void EndChange(const ResourceState& rs);

  // For a copy of a store: `source`'s log of the states before each change of `from`, as the
  // log of `to` (no watch is copied).
  void CopyLog(const WatchOracle& source, const ResourceState& from, const ResourceState& to);

  // An event was put into watch `id`.
  void Sent(const ResourceState& rs, std::uint64_t id, WatchEventType type, const ObjectPtr& obj,
            std::int64_t rv);

 private:
  struct Holding {
    bool held = false;
    std::int64_t rv = 0;  // of the last event sent for the object (0: none)
  };

  struct Watched {
    WatchRecord rec;
    std::string ns;
    std::string selectors;
    WatchReplay replay = WatchReplay::kNone;
    std::int64_t from = 0;
    bool live = false;
    std::int64_t last_rv = 0;
    bool has_last = false;
    // Replay of current objects: the next object it must replay.
    ObjectMap::const_iterator cursor;
    // Replay from the history: the objects changed after `from`, and whether the watch holds
    // each now.
    std::map<Key, Holding, KeyLess> touched;
    // During a change (valid when change_seq matches): whether it holds the changed object, and
    // whether the last event it got carried the object's new state.
    std::uint64_t change_seq = 0;
    bool held = false;
    bool current = false;
  };

  struct Change {
    Key key;
    ObjectPtr before;
    std::int64_t before_rv = 0;
    std::int64_t counter_before = 0;
    const Stored* after = nullptr;  // the stored object after the change (null: deleted)
  };

  struct Logged {
    std::int64_t rv = 0;
    Key key;
    ObjectPtr before;
  };

  struct PerResource {
    std::map<std::uint64_t, Watched> watches;
    std::optional<Change> change;
    std::uint64_t change_seq = 0;
    std::deque<Logged> log;
  };

  // By address: a resource's state never moves (map node), and nothing iterates this map.
  PerResource& Of(const ResourceState& rs) { return resources_[&rs]; }

  bool InScope(const Watched& w, std::string_view ns) const { return w.ns.empty() || w.ns == ns; }

  bool Holds(const Watched& w, const Object* obj) const {
    return obj != nullptr && InScope(w, obj->metadata.namespace_) && w.rec.Matches(*obj);
  }

  void Trim(const ResourceState& rs, PerResource& pr) const;
  void AdvanceCursor(const ResourceState& rs, Watched& w) const;
  void CheckOrder(const ResourceState& rs, Watched& w, WatchEventType type, const ObjectPtr& obj,
                  std::int64_t rv, bool exempt) const;
  // Applies one event to `held` (ADDED needs !held, MODIFIED and DELETED need held).
  void Apply(const ResourceState& rs, const Watched& w, bool& held, WatchEventType type,
             const ObjectPtr& obj, std::int64_t rv) const;
  [[noreturn]] void Violation(const ResourceState& rs, const Watched& w,
                              const std::string& what) const;

  Fidelity fidelity_;
  std::map<const ResourceState*, PerResource> resources_;
};

}  // namespace bubble::fake::detail
