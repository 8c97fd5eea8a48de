// fake/src/tracker_state.h: the tracker's storage per resource, shared by the tracker
// (tracker.cc), its watch hub (watch_hub.cc), the watch oracle (watch_oracle.cc) and the API
// servers' watch caches (watch_cache.cc). Private to the fake.
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
#include <bubble/runtime/field_selector.h>
#include <bubble/runtime/group_version.h>
#include <bubble/runtime/label_selector.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/options.h>
#include <bubble/runtime/scheme.h>
#include <bubble/runtime/status.h>
#include <bubble/runtime/watch.h>
#include <bubble/sim/bubble.h>

namespace bubble::fake::detail {

using runtime::FieldSelector;
using runtime::GroupVersionResource;
using runtime::LabelSelector;
using runtime::Object;
using runtime::ObjectPtr;
using runtime::Result;
using runtime::WatchEventType;

// Whether the caller runs in a bubble (else: plain code, e.g. seeding before Run, where nothing
// is traced and nothing is drawn from the bubble's generator).
inline bool InBubble() {
  return sim::Bubble::Current() != nullptr;
}

struct Key {
  std::string ns;
  std::string name;
};

struct KeyView {
  std::string_view ns;
  std::string_view name;
};

struct KeyLess {
  using is_transparent = void;

  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    const int c = std::string_view(a.ns).compare(std::string_view(b.ns));
    if (c != 0) {
      return c < 0;
    }
    return std::string_view(a.name) < std::string_view(b.name);
  }
};

struct Stored {
  ObjectPtr obj;
  std::int64_t rv = 0;
};

struct HistoryEvent {
  std::int64_t rv = 0;
  WatchEventType type = WatchEventType::kAdded;
  ObjectPtr obj;
  ObjectPtr old;  // MODIFIED: the previous state (for selector transitions)
};

struct WatchRecord {
  std::uint64_t id = 0;
  std::weak_ptr<runtime::ChannelWatcher> watch;
  std::optional<LabelSelector> labels;
  std::optional<FieldSelector> fields;
  bool bookmarks = false;

  bool Filters() const { return labels.has_value() || fields.has_value(); }

  bool Matches(const Object& obj) const {
    if (labels && !labels->Matches(obj.metadata.labels)) {
      return false;
    }
    if (fields) {
      const Result<bool> m = fields->Matches(obj);
      return m.has_value() && *m;
    }
    return true;
  }

  // The event this watch sees for a change, or nullopt (selector transitions as the real
  // server's watch cache: leaving the selection is DELETED, entering it is ADDED).
  std::optional<WatchEventType> See(WatchEventType type, const Object* obj,
                                    const Object* old) const {
    if (!Filters()) {
      return type;
    }
    const bool now = obj != nullptr && Matches(*obj);
    switch (type) {
      case WatchEventType::kAdded:
      case WatchEventType::kDeleted:
        return now ? std::optional(type) : std::nullopt;
      case WatchEventType::kModified: {
        const bool before = old != nullptr && Matches(*old);
        if (now && before) {
          return WatchEventType::kModified;
        }
        if (now) {
          return WatchEventType::kAdded;
        }
        if (before) {
          return WatchEventType::kDeleted;
        }
        return std::nullopt;
      }
      default:
        return type;
    }
  }
};

// Parses the selectors of `opts` into `filter` (an empty selector selects everything); a field
// selector is validated against the resource's kind. For List, Watch and the API servers' caches.
inline Result<void> ParseSelectors(const runtime::Scheme& scheme, const GroupVersionResource& gvr,
                                   const runtime::ListOptions& opts, WatchRecord& filter) {
  if (!opts.label_selector.empty()) {
    Result<LabelSelector> l = LabelSelector::Parse(opts.label_selector);
    if (!l) {
      return runtime::Err(std::move(l.error()));
    }
    if (!l->Empty()) {
      filter.labels = std::move(*l);
    }
  }
  if (!opts.field_selector.empty()) {
    Result<FieldSelector> f = FieldSelector::Parse(opts.field_selector);
    if (!f) {
      return runtime::Err(std::move(f.error()));
    }
    if (!f->Empty()) {
      if (auto ok = f->Validate(*scheme.NewForResource(gvr)); !ok) {
        return runtime::Err(std::move(ok.error()));
      }
      filter.fields = std::move(*f);
    }
  }
  return {};
}

struct ResourceState {
  GroupVersionResource gvr;
  std::string label;  // gvr.String(), for the trace
  std::int64_t counter = 1;
  bool written = false;
  // A watch from a resourceVersion below this gets 410 (compaction or history eviction).
  std::int64_t floor = 0;
  std::map<Key, Stored, KeyLess> objects;
  std::deque<HistoryEvent> history;

  // Forgets the history up to now (etcd compaction).
  void Compact() {
    floor = counter;
    history.clear();
  }
};

// Calls `fn` with each stored object of `rs` in namespace `ns` ("": every namespace), in
// (namespace, name) order.
template <class Fn>
void ForScope(const ResourceState& rs, std::string_view ns, Fn fn) {
  if (ns.empty()) {
    for (const auto& [key, stored] : rs.objects) {
      fn(stored);
    }
    return;
  }
  for (auto it = rs.objects.lower_bound(KeyView{ns, {}});
       it != rs.objects.end() && it->first.ns == ns; ++it) {
    fn(it->second);
  }
}

// `obj` as a change at `rv` carries it: a copy stamped with `rv` when the server stamps
// versions, else `obj` itself.
inline ObjectPtr AtVersion(const Fidelity& fidelity, const ObjectPtr& obj, std::int64_t rv) {
  if (!fidelity.StampsResourceVersion()) {
    return obj;
  }
  std::string text = std::to_string(rv);
  if (obj->metadata.resource_version == text) {
    return obj;
  }
  std::unique_ptr<Object> copy = obj->Clone();
  copy->metadata.resource_version = std::move(text);
  return ObjectPtr(std::move(copy));
}

// What a new watch replays before it streams (docs/semantics.md §1.4), as the tracker decides
// from its options and the planted bugs.
enum class WatchReplay {
  kNone,     // nothing (legacy watches, planted bugs)
  kAll,      // every current object, as ADDED
  kNewer,    // every current object newer than the start version, as ADDED
  kHistory,  // every change after the start version, with its real type
};

using ObjectMap = std::map<Key, Stored, KeyLess>;

}  // namespace bubble::fake::detail
