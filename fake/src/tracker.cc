// fake/src/tracker.cc
#include "bubble/fake/tracker.h"

#include <algorithm>
#include <charconv>
#include <deque>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <bubble/fake/garbage_collector.h>
#include <bubble/runtime/field_selector.h>
#include <bubble/runtime/label_selector.h>
#include <bubble/runtime/unstructured.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/rng.h>
#include <bubble/sim/timer.h>

#include "tracker_state.h"
#include "watch_oracle.h"

namespace bubble::fake {

using detail::HistoryEvent;
using detail::Key;
using detail::KeyView;
using detail::ResourceState;
using detail::Stored;
using detail::WatchRecord;
using detail::WatchReplay;
using runtime::Err;
using runtime::FieldSelector;
using runtime::GroupVersionResource;
using runtime::LabelSelector;
using runtime::ListOptions;
using runtime::Object;
using runtime::ObjectList;
using runtime::ObjectPtr;
using runtime::Result;
using runtime::Status;
using runtime::WatchEvent;
using runtime::WatchEventType;
using runtime::WatchPtr;

namespace {

bool InBubble() {
  return sim::Bubble::Current() != nullptr;
}

// Go's strconv.Quote, enough for error messages.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

// The object a write stores: the caller's immutable object while nothing changes, a private
// copy from the first change on.
class Draft {
 public:
  explicit Draft(ObjectPtr shared) : shared_(std::move(shared)) {}

  explicit Draft(std::unique_ptr<Object> owned) : owned_(std::move(owned)) {}

  const Object& Read() const { return owned_ != nullptr ? *owned_ : *shared_; }

  Object& Write() {
    if (owned_ == nullptr) {
      owned_ = shared_->Clone();
      shared_.reset();
    }
    return *owned_;
  }

  ObjectPtr Finish() && {
    return owned_ != nullptr ? ObjectPtr(std::move(owned_)) : std::move(shared_);
  }

 private:
  ObjectPtr shared_;
  std::unique_ptr<Object> owned_;
};

// Go's utilrand alphabet for generateName suffixes (no vowels, no confusable characters).
constexpr std::string_view kNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

}  // namespace

struct Tracker::Impl : std::enable_shared_from_this<Tracker::Impl> {
  explicit Impl(Options opts) : options(std::move(opts)) {
    if (options.check_watches) {
      oracle = std::make_unique<detail::WatchOracle>(options.fidelity);
    }
  }

  Options options;
  // Options::check_watches: checks every watch stream against the state (watch_oracle.h).
  std::unique_ptr<detail::WatchOracle> oracle;
  std::map<GroupVersionResource, ResourceState> resources;
  std::uint64_t next_watch_id = 1;
  // AddChangeListener: the API servers' watch caches.
  std::vector<ChangeListener> listeners;
  // Outside a bubble (seeding before Run), draws come from a fixed local generator.
  sim::Rng local_rng{0x627562626c65ULL, 11};
  std::string scratch;

  const Fidelity& Fid() const { return options.fidelity; }

  sim::Rng& Rand() { return InBubble() ? sim::Rand() : local_rng; }

  ResourceState& State(const GroupVersionResource& gvr) {
    auto it = resources.find(gvr);
    if (it == resources.end()) {
      it = resources.emplace(gvr, ResourceState{}).first;
      it->second.gvr = gvr;
      it->second.label = gvr.String();
    }
    return it->second;
  }

  const ResourceState* Find(const GroupVersionResource& gvr) const {
    const auto it = resources.find(gvr);
    return it == resources.end() ? nullptr : &it->second;
  }

  static std::string RvString(std::int64_t rv) { return std::to_string(rv); }

  // `obj` as a change at `rv` carries it: a copy stamped with `rv` when the server stamps
  // versions, else `obj` itself.
  ObjectPtr AtVersion(const ObjectPtr& obj, std::int64_t rv) const {
    if (!Fid().StampsResourceVersion() || obj->metadata.resource_version == RvString(rv)) {
      return obj;
    }
    std::unique_ptr<Object> copy = obj->Clone();
    copy->metadata.resource_version = RvString(rv);
    return ObjectPtr(std::move(copy));
  }

  void Commit(ResourceState& rs, std::int64_t rv) {
    rs.counter = rv;
    rs.written = true;
  }

  void Record(ResourceState& rs, std::int64_t rv, WatchEventType type, const ObjectPtr& obj,
              const ObjectPtr& old) {
    if (!Fid().KeepsHistory()) {
      return;
    }
    rs.history.push_back({rv, type, obj, old});
    if (Fid().history_limit > 0) {
      while (rs.history.size() > Fid().history_limit) {
        rs.floor = std::max(rs.floor, rs.history.front().rv);
        rs.history.pop_front();
      }
    }
  }

  void Trace(std::string_view category, std::string_view text) {
    if (InBubble()) {
      sim::TraceInstant(category, text);
    }
  }

  // What a delivery records after the watch id: "ADDED v1/configmaps ns/cm rv=2".
  static std::string EventText(const ResourceState& rs, WatchEventType type, const ObjectPtr& obj,
                               std::int64_t rv) {
    std::string out;
    out.reserve(64);
    out.append(runtime::WatchEventTypeName(type));
    out.push_back(' ');
    out.append(rs.label);
    out.push_back(' ');
    if (obj == nullptr) {
      out.push_back('-');
    } else {
      if (!obj->metadata.namespace_.empty()) {
        out.append(obj->metadata.namespace_);
        out.push_back('/');
      }
      out.append(obj->metadata.name);
    }
    out.append(" rv=");
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), rv);
    out.append(digits, end);
    return out;
  }

  // Puts one event into one watch: overflow fails the run, a stopped watch drops it. `text` is
  // EventText() when the caller has it already.
  void Send(ResourceState& rs, const WatchRecord& rec, runtime::ChannelWatcher& w,
            WatchEventType type, const ObjectPtr& obj, std::int64_t rv,
            std::string_view text = {}) {
    const auto result = w.TrySend(WatchEvent{type, obj, nullptr});
    if (result == runtime::ChannelWatcher::SendResult::kStopped) {
      return;
    }
    if (result == runtime::ChannelWatcher::SendResult::kFull) {
      sim::Fail(fmt::format(
          "{} overflowed: its buffer of {} events is full when delivering {} {} "
          "rv={}. The consumer is not reading ResultChan() (client-go's fake watcher panics "
          "with \"channel full\" here). Read every watch you open and Stop() it when done, or "
          "raise fake::Options::watch_buffer.",
          w.Name(), options.watch_buffer, runtime::WatchEventTypeName(type),
          obj ? obj->metadata.Key() : std::string("-"), rv));
    }
    if (oracle != nullptr) {
      oracle->Sent(rs, rec.id, type, obj, rv);
    }
    if (InBubble()) {
      // "w<id> <text>", built by hand: this runs once per delivery.
      std::string owned;
      if (text.empty()) {
        owned = EventText(rs, type, obj, rv);
        text = owned;
      }
      char id[24];
      const auto [end, ec] = std::to_chars(id, id + sizeof(id), rec.id);
      scratch.assign(1, 'w');
      scratch.append(id, end);
      scratch.push_back(' ');
      scratch.append(text);
      sim::TraceInstant("watch", scratch);
      const double p = options.faults.watch_end_probability;
      if (p > 0 && sim::Rand().Bernoulli(p)) {
        sim::TraceInstant("fault", fmt::format("w{} {}: watch ended early", rec.id, rs.label));
        w.Stop();
      }
    }
  }

  void SendBookmark(ResourceState& rs, const WatchRecord& rec, runtime::ChannelWatcher& w,
                    bool initial_events_end) {
    std::unique_ptr<Object> b = options.scheme.NewForResource(rs.gvr);
    b->metadata.resource_version = RvString(rs.counter);
    if (initial_events_end) {
      b->metadata.annotations[std::string(runtime::kInitialEventsEndAnnotation)] = "true";
    }
    Send(rs, rec, w, WatchEventType::kBookmark, ObjectPtr(std::move(b)), rs.counter);
  }

  // Delivers a change of one object to the watches (Fanout), under the oracle's eye: `before`
  // is the object's stored state before the change (null: created), `before_rv` its version,
  // `counter_before` the resource's counter before the change.
  void Publish(ResourceState& rs, std::string_view ns, WatchEventType type, const ObjectPtr& obj,
               const ObjectPtr& old, std::int64_t rv, const ObjectPtr& before,
               std::int64_t before_rv, std::int64_t counter_before) {
    if (oracle != nullptr) {
      oracle->BeginChange(rs, KeyView{ns, obj->metadata.name}, before, before_rv, counter_before);
    }
    Fanout(rs, ns, type, obj, old, rv);
    if (oracle != nullptr) {
      oracle->EndChange(rs);
    }
    for (const ChangeListener& listener : listeners) {
      listener(rs.gvr, type, obj, old, rv);
    }
  }

  // Delivers a change to the watches of `ns`, then to the all-namespace watches.
  void Fanout(ResourceState& rs, std::string_view ns, WatchEventType type, const ObjectPtr& obj,
              const ObjectPtr& old, std::int64_t rv) {
    std::string text;  // formatted once per change, for the trace
    ObjectPtr left;    // what a watch the object leaves gets: the state it held, at `rv`
    auto deliver = [&](std::vector<WatchRecord>& list) {
      bool prune = false;
      for (const WatchRecord& rec : list) {
        const std::shared_ptr<runtime::ChannelWatcher> w = rec.watch.lock();
        if (w == nullptr || w->Stopped()) {
          prune = true;
          continue;
        }
        const std::optional<WatchEventType> seen = rec.See(type, obj.get(), old.get());
        if (!seen) {
          continue;
        }
        if (*seen != type) {
          if (*seen == WatchEventType::kDeleted) {
            if (left == nullptr) {
              left = AtVersion(old, rv);
            }
            Send(rs, rec, *w, *seen, left, rv);
          } else {
            Send(rs, rec, *w, *seen, obj, rv);
          }
          continue;
        }
        if (text.empty() && InBubble()) {
          text = EventText(rs, type, obj, rv);
        }
        Send(rs, rec, *w, type, obj, rv, text);
      }
      if (prune) {
        std::erase_if(list, [](const WatchRecord& r) {
          const auto w = r.watch.lock();
          return w == nullptr || w->Stopped();
        });
      }
    };
    if (const auto it = rs.watchers.find(ns); it != rs.watchers.end()) {
      deliver(it->second);
    }
    if (!ns.empty()) {
      if (const auto it = rs.watchers.find(std::string_view()); it != rs.watchers.end()) {
        deliver(it->second);
      }
    }
  }

  // The object being written, ready to store: normalized to its typed kind, namespace
  // defaulted and checked against the request (create/replace steps 1-2). Stores the caller's
  // immutable object itself when nothing has to change.
  Result<Draft> Prepare(Draft draft, std::string_view ns) {
    if (options.scheme.ForKind(draft.Read().Kind()) != nullptr &&
        dynamic_cast<const runtime::Unstructured*>(&draft.Read()) != nullptr) {
      Result<std::unique_ptr<Object>> typed = options.scheme.Normalize(draft.Read().Clone());
      if (!typed) {
        return Err(std::move(typed.error()));
      }
      draft = Draft(std::move(*typed));
    }
    if (draft.Read().metadata.namespace_.empty() && !ns.empty()) {
      draft.Write().metadata.namespace_ = std::string(ns);
    }
    if (draft.Read().metadata.namespace_ != ns) {
      return Err(runtime::NewBadRequest(
          fmt::format("request namespace does not match object namespace, request: {} object: {}",
                      Quote(ns), Quote(draft.Read().metadata.namespace_))));
    }
    return draft;
  }

  std::string NewUid() {
    sim::Rng& rng = Rand();
    const std::uint64_t hi = rng.Next();
    const std::uint64_t lo = rng.Next();
    // Version 4, variant 10xx.
    return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                       hi & 0x0fff, ((lo >> 48) & 0x3fff) | 0x8000, lo & 0xffffffffffffULL);
  }

  std::string NameSuffix() {
    sim::Rng& rng = Rand();
    std::string out;
    for (int i = 0; i < 5; ++i) {
      out += kNameAlphabet[rng.Uniform(kNameAlphabet.size())];
    }
    return out;
  }

  static sim::TimePoint Now() { return InBubble() ? sim::Now() : sim::Clock::Epoch(); }

  Result<ObjectPtr> Create(const GroupVersionResource& gvr, Draft draft, std::string_view ns) {
    Result<Draft> prepared = Prepare(std::move(draft), ns);
    if (!prepared) {
      return Err(std::move(prepared.error()));
    }
    Draft& d = *prepared;
    if (Fid().generate_name && d.Read().metadata.name.empty()) {
      if (d.Read().metadata.generate_name.empty()) {
        return Err(runtime::NewInvalid(
            d.Read().Kind().GetGroupKind(), "",
            {{"FieldValueRequired", "Required value: name or generateName is required",
              "metadata.name"}}));
      }
      d.Write().metadata.name = d.Read().metadata.generate_name + NameSuffix();
    }
    ResourceState& rs = State(gvr);
    const std::int64_t rv = rs.counter + 1;
    if (rs.objects.find(KeyView{ns, d.Read().metadata.name}) != rs.objects.end()) {
      return Err(runtime::NewAlreadyExists(gvr.GetGroupResource(), d.Read().metadata.name));
    }
    if (Fid().uid_and_timestamps) {
      runtime::ObjectMeta& m = d.Write().metadata;
      m.uid = NewUid();
      m.creation_timestamp = Now();
      m.generation = 1;
    }
    if (Fid().finalizers && d.Read().metadata.deletion_timestamp) {
      d.Write().metadata.deletion_timestamp.reset();
    }
    if (Fid().StampsResourceVersion()) {
      d.Write().metadata.resource_version = RvString(rv);
    }
    ObjectPtr stored = std::move(d).Finish();
    const std::int64_t counter_before = rs.counter;
    rs.objects.emplace(Key{std::string(ns), stored->metadata.name}, Stored{stored, rv});
    Commit(rs, rv);
    Record(rs, rv, WatchEventType::kAdded, stored, nullptr);
    Publish(rs, ns, WatchEventType::kAdded, stored, nullptr, rv, nullptr, 0, counter_before);
    return stored;
  }

  // `base` with the status of `status_from` (status subresource semantics).
  static Result<std::unique_ptr<Object>> WithStatusOf(const Object& base,
                                                      const Object& status_from) {
    nlohmann::json j = base.ToJson();
    const nlohmann::json s = status_from.ToJson();
    if (const auto it = s.find("status"); it != s.end()) {
      j["status"] = *it;
    } else {
      j.erase("status");
    }
    std::unique_ptr<Object> out = base.New();
    if (auto ok = out->ReadJson(j); !ok) {
      return Err(ok.error());
    }
    return out;
  }

  // Whether anything but metadata and status differs (what bumps metadata.generation).
  // `statuses_equal`: the update's status was just copied from `old` (the status subresource
  // keeps it apart from spec), so comparing whole objects with the metadata set aside says it.
  // That is a field-by-field comparison of typed values; only where the statuses may differ does
  // it fall back to comparing the two objects' JSON without metadata and status.
  static bool SpecChanged(const Object& old, Draft& next, bool statuses_equal) {
    if (statuses_equal || (!old.HasStatus() && !next.Read().HasStatus())) {
      Object& n = next.Write();  // Update writes its metadata next anyway
      runtime::ObjectMeta own = std::move(n.metadata);
      n.metadata = old.metadata;
      const bool same = n.Equals(old);
      n.metadata = std::move(own);
      return !same;
    }
    nlohmann::json ja = old.ToJson();
    nlohmann::json jb = next.Read().ToJson();
    for (nlohmann::json* j : {&ja, &jb}) {
      j->erase("metadata");
      j->erase("status");
    }
    return ja != jb;
  }

  Result<ObjectPtr> Update(const GroupVersionResource& gvr, Draft draft, std::string_view ns,
                           std::string_view subresource) {
    Result<Draft> prepared = Prepare(std::move(draft), ns);
    if (!prepared) {
      return Err(std::move(prepared.error()));
    }
    const std::string name = prepared->Read().metadata.name;
    ResourceState& rs = State(gvr);
    const auto it = rs.objects.find(KeyView{ns, name});
    if (it == rs.objects.end()) {
      return Err(runtime::NewNotFound(gvr.GetGroupResource(), name));
    }
    const ObjectPtr old = it->second.obj;
    const std::int64_t old_rv = it->second.rv;
    const std::int64_t counter_before = rs.counter;
    const std::int64_t rv = rs.counter + 1;
    if (Fid().conflicts) {
      const std::string& want = prepared->Read().metadata.resource_version;
      if (!want.empty() && want != RvString(it->second.rv)) {
        return Err(runtime::NewStaleConflict(gvr.GetGroupResource(), name));
      }
    }
    Draft next = std::move(*prepared);
    bool statuses_equal = false;  // next's status is old's (SpecChanged)
    bool spec_kept = false;       // next is old with another status: its spec is old's
    if (Fid().status_subresource) {
      if (subresource == "status") {
        if (!old->HasStatus()) {
          Status s = runtime::NewNotFound(gvr.GetGroupResource(), name);
          s.message = "the server could not find the requested resource";
          return Err(std::move(s));
        }
        Result<std::unique_ptr<Object>> merged = WithStatusOf(*old, next.Read());
        if (!merged) {
          return Err(std::move(merged.error()));
        }
        next = Draft(std::move(*merged));
        spec_kept = true;
      } else if (subresource.empty() && old->HasStatus()) {
        Result<std::unique_ptr<Object>> merged = WithStatusOf(next.Read(), *old);
        if (!merged) {
          return Err(std::move(merged.error()));
        }
        next = Draft(std::move(*merged));
        statuses_equal = true;
      }
    }
    if (Fid().uid_and_timestamps) {
      const bool spec_changed = !spec_kept && SpecChanged(*old, next, statuses_equal);
      const std::int64_t generation = old->metadata.generation + (spec_changed ? 1 : 0);
      runtime::ObjectMeta& m = next.Write().metadata;
      m.uid = old->metadata.uid;
      m.creation_timestamp = old->metadata.creation_timestamp;
      m.generation = generation;
    }
    if (Fid().finalizers) {
      runtime::ObjectMeta& m = next.Write().metadata;
      m.deletion_timestamp = old->metadata.deletion_timestamp;
      m.deletion_grace_period_seconds = old->metadata.deletion_grace_period_seconds;
    }
    if (Fid().StampsResourceVersion()) {
      next.Write().metadata.resource_version = RvString(rv);
    }
    const bool finalized = Fid().finalizers && old->metadata.deletion_timestamp.has_value() &&
                           next.Read().metadata.finalizers.empty();
    ObjectPtr stored = std::move(next).Finish();
    if (finalized) {
      // As a real server (the registry's Update → deleteWithoutFinalizers): the update is not
      // stored, the object is deleted as it was last stored. DELETED carries that state at the
      // delete's version, and selectors judge it on that state, the one watchers hold
      // (docs/semantics.md §1.3, §1.7).
      ObjectPtr gone = options.bugs.finalizer_delete_new_state ? stored : AtVersion(old, rv);
      rs.objects.erase(it);
      Commit(rs, rv);
      Record(rs, rv, WatchEventType::kDeleted, gone, nullptr);
      Publish(rs, ns, WatchEventType::kDeleted, gone, nullptr, rv, old, old_rv, counter_before);
      return gone;
    }
    it->second = Stored{stored, rv};
    Commit(rs, rv);
    Record(rs, rv, WatchEventType::kModified, stored, old);
    Publish(rs, ns, WatchEventType::kModified, stored, old, rv, old, old_rv, counter_before);
    return stored;
  }

  Result<void> Delete(const GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                      const runtime::DeleteOptions& opts) {
    ResourceState& rs = State(gvr);
    const auto it = rs.objects.find(KeyView{ns, name});
    if (it == rs.objects.end()) {
      return Err(runtime::NewNotFound(gvr.GetGroupResource(), name));
    }
    const ObjectPtr last = it->second.obj;
    const std::int64_t last_rv = it->second.rv;
    const std::int64_t counter_before = rs.counter;
    if (Fid().conflicts) {
      const runtime::Preconditions& pre = opts.preconditions;
      if (pre.uid && *pre.uid != last->metadata.uid) {
        return Err(runtime::NewConflict(
            gvr.GetGroupResource(), name,
            fmt::format("Precondition failed: UID in precondition: {}, UID in object meta: {}",
                        *pre.uid, last->metadata.uid)));
      }
      if (pre.resource_version && *pre.resource_version != RvString(it->second.rv)) {
        return Err(runtime::NewConflict(
            gvr.GetGroupResource(), name,
            fmt::format("Precondition failed: ResourceVersion in precondition: {}, "
                        "ResourceVersion in object meta: {}",
                        *pre.resource_version, RvString(it->second.rv))));
      }
    }
    // Options::garbage_collector: the propagation policy's finalizer (docs/semantics.md §1.14).
    std::string_view propagation;
    if (options.garbage_collector) {
      const std::string& policy = opts.propagation_policy;
      if (policy == "Orphan") {
        propagation = kFinalizerOrphan;
      } else if (policy == "Foreground") {
        propagation = kFinalizerForeground;
      } else if (!policy.empty() && policy != "Background") {
        return Err(runtime::NewBadRequest(
            fmt::format("propagationPolicy: Unsupported value: {}: supported values: \"Orphan\", "
                        "\"Foreground\", \"Background\"",
                        Quote(policy))));
      }
    }
    if (Fid().finalizers && (!last->metadata.finalizers.empty() || !propagation.empty())) {
      if (last->metadata.deletion_timestamp) {
        return {};  // already terminating
      }
      const std::int64_t rv = rs.counter + 1;
      std::unique_ptr<Object> marked = last->Clone();
      if (!propagation.empty() &&
          std::find(marked->metadata.finalizers.begin(), marked->metadata.finalizers.end(),
                    propagation) == marked->metadata.finalizers.end()) {
        marked->metadata.finalizers.emplace_back(propagation);
      }
      marked->metadata.deletion_timestamp = Now();
      marked->metadata.deletion_grace_period_seconds = 0;
      if (Fid().StampsResourceVersion()) {
        marked->metadata.resource_version = RvString(rv);
      }
      ObjectPtr stored(std::move(marked));
      it->second = Stored{stored, rv};
      Commit(rs, rv);
      Record(rs, rv, WatchEventType::kModified, stored, last);
      Publish(rs, ns, WatchEventType::kModified, stored, last, rv, last, last_rv, counter_before);
      return {};
    }
    std::int64_t rv = it->second.rv;
    ObjectPtr gone = last;
    rs.objects.erase(it);
    if (Fid().KeepsHistory()) {
      // A delete is a change with its own resourceVersion, as on a real server.
      rv = rs.counter + 1;
      gone = AtVersion(last, rv);
      Commit(rs, rv);
      Record(rs, rv, WatchEventType::kDeleted, gone, nullptr);
    }
    Publish(rs, ns, WatchEventType::kDeleted, gone, nullptr, rv, last, last_rv, counter_before);
    return {};
  }

  struct Selection {
    std::optional<LabelSelector> labels;
    std::optional<FieldSelector> fields;
  };

  Result<Selection> ParseSelection(const GroupVersionResource& gvr, const ListOptions& opts) const {
    WatchRecord filter;
    if (Result<void> ok = detail::ParseSelectors(options.scheme, gvr, opts, filter); !ok) {
      return Err(std::move(ok.error()));
    }
    return Selection{std::move(filter.labels), std::move(filter.fields)};
  }

  template <class Fn>
  static void ForScope(const ResourceState& rs, std::string_view ns, Fn fn) {
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

  Result<ObjectList> List(const GroupVersionResource& gvr, std::string_view ns,
                          const ListOptions& opts, bool force_selectors) const {
    ObjectList out;
    const ResourceState* rs = Find(gvr);
    if (options.bugs.seed_empty_rv && (rs == nullptr || !rs->written)) {
      out.metadata.resource_version = "";
    } else {
      out.metadata.resource_version = RvString(rs == nullptr ? 1 : rs->counter);
    }
    if (rs == nullptr) {
      return out;
    }
    WatchRecord filter;
    if (Fid().selectors || force_selectors) {
      Result<Selection> sel = ParseSelection(gvr, opts);
      if (!sel) {
        return Err(std::move(sel.error()));
      }
      filter.labels = std::move(sel->labels);
      filter.fields = std::move(sel->fields);
    }
    if (!filter.Filters()) {
      out.items.reserve(ns.empty() ? rs->objects.size() : 0);
    }
    ForScope(*rs, ns, [&](const Stored& s) {
      if (!filter.Filters() || filter.Matches(*s.obj)) {
        out.items.push_back(s.obj);
      }
    });
    return out;
  }

  void EndWatch(ResourceState& rs, const WatchRecord& rec, runtime::ChannelWatcher& w,
                std::string_view why) {
    if (w.Stopped()) {
      return;
    }
    Trace("watch", fmt::format("w{} {}: ended by the server ({})", rec.id, rs.label, why));
    w.Stop();
  }

  // Schedules the server-side end of a watch (lifetime fault or timeoutSeconds).
  void ScheduleEnd(ResourceState& rs, std::uint64_t id,
                   const std::shared_ptr<runtime::ChannelWatcher>& w, sim::Duration after,
                   bool timeout) {
    std::weak_ptr<Impl> self = weak_from_this();
    std::weak_ptr<runtime::ChannelWatcher> weak = w;
    ResourceState* state = &rs;
    sim::AfterFunc(
        after,
        [self, weak, state, id, timeout] {
          const std::shared_ptr<Impl> impl = self.lock();
          const std::shared_ptr<runtime::ChannelWatcher> watch = weak.lock();
          if (impl == nullptr || watch == nullptr || watch->Stopped()) {
            return;
          }
          impl->EndScheduled(*state, id, *watch, timeout);
        },
        fmt::format("watch-end w{}", id));
  }

  void EndScheduled(ResourceState& rs, std::uint64_t id, runtime::ChannelWatcher& w, bool timeout) {
    for (auto& [ns, list] : rs.watchers) {
      for (const WatchRecord& rec : list) {
        if (rec.id != id) {
          continue;
        }
        if (timeout && rec.bookmarks) {
          SendBookmark(rs, rec, w, false);
        }
        EndWatch(rs, rec, w, timeout ? "timeoutSeconds" : "injected lifetime");
        return;
      }
    }
  }

  Result<WatchPtr> Watch(const GroupVersionResource& gvr, std::string_view ns,
                         const ListOptions* opts) {
    std::optional<std::int64_t> from;
    if (opts != nullptr && !opts->resource_version.empty()) {
      Result<std::int64_t> n = ParseResourceVersion(opts->resource_version);
      if (!n) {
        return Err(std::move(n.error()));
      }
      from = *n;
    }
    WatchRecord rec;
    if (opts != nullptr && Fid().selectors) {
      Result<Selection> sel = ParseSelection(gvr, *opts);
      if (!sel) {
        return Err(std::move(sel.error()));
      }
      rec.labels = std::move(sel->labels);
      rec.fields = std::move(sel->fields);
    }
    ResourceState& rs = State(gvr);
    rec.id = next_watch_id++;
    rec.bookmarks = opts != nullptr && opts->allow_watch_bookmarks && Fid().bookmarks;
    std::string watch_name =
        fmt::format("watch w{} {} {}", rec.id, rs.label, ns.empty() ? "(all namespaces)" : ns);

    const bool old_rv = from.has_value() && *from > 0;
    if (old_rv && InBubble() && options.faults.compaction_probability > 0 &&
        sim::Rand().Bernoulli(options.faults.compaction_probability)) {
      sim::TraceInstant("fault", fmt::format("{}: compacted at rv={} before watch w{}", rs.label,
                                             rs.counter, rec.id));
      Compact(rs);
    }
    if (old_rv && *from < rs.floor) {
      Trace("watch", fmt::format("w{} {}: rv={} is older than the history (rv={}): 410", rec.id,
                                 rs.label, *from, rs.floor));
      // Its own watcher: the ERROR event must fit whatever the configured buffer.
      auto expired = std::make_shared<runtime::ChannelWatcher>(1, std::move(watch_name));
      expired->TrySend(
          WatchEvent{WatchEventType::kError, nullptr,
                     std::make_shared<const Status>(runtime::NewResourceExpired(
                         fmt::format("too old resource version: {} ({})", *from, rs.floor)))});
      expired->Stop();
      return WatchPtr(expired);
    }

    // What this watch replays (§1.4, and the planted bugs).
    WatchReplay replay = WatchReplay::kNone;
    std::string_view why;
    if (opts == nullptr) {
      why = "no options: legacy, no replay";
    } else if (options.bugs.legacy_watch) {
      why = "planted bug legacy-watch: no replay";
    } else if (Fid().watch_list && opts->send_initial_events.value_or(false)) {
      replay = WatchReplay::kAll;
      why = "sendInitialEvents: replay all";
    } else if (!from.has_value()) {
      replay = options.bugs.seed_empty_rv ? WatchReplay::kNone : WatchReplay::kAll;
      why = options.bugs.seed_empty_rv ? "planted bug seed-empty-rv: no replay" : "replay all";
    } else if (Fid().tombstones && *from > 0) {
      replay = WatchReplay::kHistory;
      why = "replay the history after it";
    } else {
      replay = WatchReplay::kNewer;
      why = "replay newer objects";
    }
    Trace("watch", fmt::format("w{} {}: opened in {} from rv=\"{}\" ({})", rec.id, rs.label,
                               ns.empty() ? "all namespaces" : ns,
                               opts != nullptr ? opts->resource_version : "", why));

    // A real server streams a watch's replay whatever its size (with the watch_list switch,
    // which a realistic server has): the buffer holds all of it (a bookmark after it fits) and
    // Options::watch_buffer events more for the consumer to fall behind by: an informer over 1000
    // objects is not "not reading". client-go's fake replays into its 100-event channel and
    // panics past it; the ClientGoFake() preset keeps that (§1.5).
    //
    // The current objects a replay of every object (kAll) or of newer ones (kNewer) sends, in
    // (namespace, name) order, to `fn`.
    auto for_each_replayed = [&](const WatchRecord& r, auto&& fn) {
      const std::int64_t newer_than =
          replay == WatchReplay::kNewer ? *from : std::numeric_limits<std::int64_t>::min();
      ForScope(rs, ns, [&](const Stored& s) {
        if (s.rv > newer_than && (!r.Filters() || r.Matches(*s.obj))) {
          fn(s);
        }
      });
    };
    std::size_t replay_events = 0;
    switch (replay) {
      case WatchReplay::kNone:
        break;
      case WatchReplay::kAll:
      case WatchReplay::kNewer:
        for_each_replayed(rec, [&](const Stored&) { ++replay_events; });
        break;
      case WatchReplay::kHistory:
        for (const HistoryEvent& e : rs.history) {
          if (e.rv > *from && (ns.empty() || e.obj->metadata.namespace_ == ns)) {
            ++replay_events;  // at most one event each (See may drop it): an upper bound
          }
        }
        break;
    }
    const std::size_t capacity = options.watch_buffer + (Fid().watch_list ? replay_events : 0);
    auto w = std::make_shared<runtime::ChannelWatcher>(capacity, std::move(watch_name));
    rec.watch = w;

    // Registration and replay happen before any later change: no call yields, so nothing is
    // lost or delivered twice.
    std::vector<WatchRecord>& list = rs.watchers[std::string(ns)];
    list.push_back(rec);
    const WatchRecord& registered = list.back();
    if (oracle != nullptr) {
      std::string selectors;
      if (registered.labels) {
        selectors = fmt::format("labels \"{}\"", *registered.labels);
      }
      if (registered.fields) {
        selectors +=
            fmt::format("{}fields \"{}\"", selectors.empty() ? "" : ", ", *registered.fields);
      }
      oracle->Opened(rs, registered, ns, std::move(selectors), replay, from.value_or(0));
    }
    switch (replay) {
      case WatchReplay::kNone:
        break;
      case WatchReplay::kAll:
      case WatchReplay::kNewer:
        for_each_replayed(registered, [&](const Stored& s) {
          Send(rs, registered, *w, WatchEventType::kAdded, s.obj, s.rv);
        });
        break;
      case WatchReplay::kHistory:
        for (const HistoryEvent& e : rs.history) {
          if (e.rv <= *from || w->Stopped()) {
            continue;
          }
          if (!ns.empty() && e.obj->metadata.namespace_ != ns) {
            continue;
          }
          if (const auto seen = registered.See(e.type, e.obj.get(), e.old.get())) {
            const bool left = *seen == WatchEventType::kDeleted && e.type != *seen;
            Send(rs, registered, *w, *seen, left ? AtVersion(e.old, e.rv) : e.obj, e.rv);
          }
        }
        break;
    }
    if (oracle != nullptr) {
      oracle->Replayed(rs, registered.id);
    }
    const bool initial_events = opts != nullptr && Fid().watch_list &&
                                opts->send_initial_events.value_or(false) &&
                                !options.bugs.legacy_watch;
    if (registered.bookmarks && !w->Stopped()) {
      SendBookmark(rs, registered, *w, initial_events);
    }
    if (InBubble()) {
      std::optional<sim::Duration> end_after;
      bool timeout = false;
      const sim::Duration max_life = options.faults.watch_max_lifetime;
      if (max_life > sim::Duration::zero()) {
        end_after = sim::Rand().UniformDuration(sim::Duration(1), max_life + sim::Duration(1));
      }
      if (Fid().watch_timeouts && opts != nullptr && opts->timeout_seconds.value_or(0) > 0) {
        const sim::Duration t = std::chrono::seconds(*opts->timeout_seconds);
        if (!end_after || t <= *end_after) {
          end_after = t;
          timeout = true;
        }
      }
      if (end_after) {
        ScheduleEnd(rs, rec.id, w, *end_after, timeout);
      }
    }
    return WatchPtr(w);
  }

  void Compact(ResourceState& rs) {
    rs.floor = rs.counter;
    rs.history.clear();
  }

  void EndAll(ResourceState& rs, std::string_view why) {
    for (auto& [ns, list] : rs.watchers) {
      for (const WatchRecord& rec : list) {
        if (const auto w = rec.watch.lock()) {
          EndWatch(rs, rec, *w, why);
        }
      }
      list.clear();
    }
  }
};

Result<std::int64_t> ParseResourceVersion(std::string_view rv) {
  auto fail = [&](std::string_view why) {
    return Err(runtime::NewBadRequest(fmt::format(
        "invalid ResourceVersion {} in ListOptions, must be int64: strconv.ParseInt: parsing {}: "
        "{}",
        Quote(rv), Quote(rv), why)));
  };
  std::size_t i = 0;
  bool negative = false;
  if (i < rv.size() && (rv[i] == '+' || rv[i] == '-')) {
    negative = rv[i] == '-';
    ++i;
  }
  if (i == rv.size()) {
    return fail("invalid syntax");
  }
  // Accumulate as a negative number so INT64_MIN parses.
  std::int64_t value = 0;
  for (; i < rv.size(); ++i) {
    const char c = rv[i];
    if (c < '0' || c > '9') {
      return fail("invalid syntax");
    }
    const int d = c - '0';
    if (value < (std::numeric_limits<std::int64_t>::min() + d) / 10) {
      return fail("value out of range");  // Go reports the range error at the first such digit
    }
    value = value * 10 - d;
  }
  if (!negative && value == std::numeric_limits<std::int64_t>::min()) {
    return fail("value out of range");
  }
  return negative ? value : -value;
}

Tracker::Tracker(Options options) : impl_(std::make_shared<Impl>(std::move(options))) {}

Tracker::~Tracker() {
  for (auto& [gvr, rs] : impl_->resources) {
    for (auto& [ns, list] : rs.watchers) {
      for (const WatchRecord& rec : list) {
        if (const auto w = rec.watch.lock()) {
          w->Stop();
        }
      }
    }
  }
}

const Options& Tracker::GetOptions() const noexcept {
  return impl_->options;
}

Faults& Tracker::MutableFaults() noexcept {
  return impl_->options.faults;
}

const runtime::Scheme& Tracker::GetScheme() const noexcept {
  return impl_->options.scheme;
}

Result<ObjectPtr> Tracker::Add(const Object& obj) {
  return impl_->Create(impl_->options.scheme.ResourceFor(obj.Kind()), Draft(obj.Clone()),
                       obj.metadata.namespace_);
}

Result<ObjectPtr> Tracker::Get(const GroupVersionResource& gvr, std::string_view ns,
                               std::string_view name) const {
  const ResourceState* rs = impl_->Find(gvr);
  if (rs != nullptr) {
    if (const auto it = rs->objects.find(KeyView{ns, name}); it != rs->objects.end()) {
      return it->second.obj;
    }
  }
  return Err(runtime::NewNotFound(gvr.GetGroupResource(), name));
}

Result<ObjectList> Tracker::List(const GroupVersionResource& gvr, std::string_view ns,
                                 const ListOptions& opts) const {
  return impl_->List(gvr, ns, opts, /*force_selectors=*/false);
}

Result<ObjectPtr> Tracker::Create(const GroupVersionResource& gvr, const Object& obj,
                                  std::string_view ns) {
  return impl_->Create(gvr, Draft(obj.Clone()), ns);
}

Result<ObjectPtr> Tracker::Create(const GroupVersionResource& gvr, ObjectPtr obj,
                                  std::string_view ns) {
  BUBBLE_EXPECT(obj != nullptr, "Tracker::Create({}) with a null object", gvr);
  return impl_->Create(gvr, Draft(std::move(obj)), ns);
}

Result<ObjectPtr> Tracker::Update(const GroupVersionResource& gvr, const Object& obj,
                                  std::string_view ns, std::string_view subresource) {
  return impl_->Update(gvr, Draft(obj.Clone()), ns, subresource);
}

Result<ObjectPtr> Tracker::Update(const GroupVersionResource& gvr, ObjectPtr obj,
                                  std::string_view ns, std::string_view subresource) {
  BUBBLE_EXPECT(obj != nullptr, "Tracker::Update({}) with a null object", gvr);
  return impl_->Update(gvr, Draft(std::move(obj)), ns, subresource);
}

Result<ObjectPtr> Tracker::Patch(const GroupVersionResource& gvr, const Object& patched,
                                 std::string_view ns, std::string_view subresource) {
  return impl_->Update(gvr, Draft(patched.Clone()), ns, subresource);
}

Result<void> Tracker::Delete(const GroupVersionResource& gvr, std::string_view ns,
                             std::string_view name, const runtime::DeleteOptions& opts) {
  return impl_->Delete(gvr, ns, name, opts);
}

Result<void> Tracker::DeleteCollection(const GroupVersionResource& gvr, std::string_view ns,
                                       const ListOptions& opts) {
  Result<ObjectList> matching = impl_->List(gvr, ns, opts, /*force_selectors=*/true);
  if (!matching) {
    return Err(std::move(matching.error()));
  }
  for (const ObjectPtr& obj : matching->items) {
    if (auto ok = impl_->Delete(gvr, obj->metadata.namespace_, obj->metadata.name, {}); !ok) {
      return ok;
    }
  }
  return {};
}

Result<WatchPtr> Tracker::Watch(const GroupVersionResource& gvr, std::string_view ns) {
  return impl_->Watch(gvr, ns, nullptr);
}

Result<WatchPtr> Tracker::Watch(const GroupVersionResource& gvr, std::string_view ns,
                                const ListOptions& opts) {
  return impl_->Watch(gvr, ns, &opts);
}

std::vector<GroupVersionResource> Tracker::Resources() const {
  std::vector<GroupVersionResource> out;
  for (const auto& [gvr, rs] : impl_->resources) {
    if (!rs.objects.empty()) {
      out.push_back(gvr);
    }
  }
  return out;
}

std::int64_t Tracker::ResourceVersion(const GroupVersionResource& gvr) const {
  const ResourceState* rs = impl_->Find(gvr);
  return rs == nullptr ? 1 : rs->counter;
}

std::size_t Tracker::WatchCount(const GroupVersionResource& gvr) const {
  const ResourceState* rs = impl_->Find(gvr);
  std::size_t n = 0;
  if (rs != nullptr) {
    for (const auto& [ns, list] : rs->watchers) {
      for (const WatchRecord& rec : list) {
        const auto w = rec.watch.lock();
        n += w != nullptr && !w->Stopped() ? 1 : 0;
      }
    }
  }
  return n;
}

void Tracker::AddChangeListener(ChangeListener fn) {
  impl_->listeners.push_back(std::move(fn));
}

void Tracker::Compact(const GroupVersionResource& gvr) {
  ResourceState& rs = impl_->State(gvr);
  impl_->Compact(rs);
  impl_->Trace("tracker", fmt::format("{}: compacted at rv={}", rs.label, rs.counter));
}

void Tracker::EndWatches(const GroupVersionResource& gvr) {
  impl_->EndAll(impl_->State(gvr), "EndWatches");
}

void Tracker::Bookmark(const GroupVersionResource& gvr) {
  ResourceState& rs = impl_->State(gvr);
  for (auto& [ns, list] : rs.watchers) {
    for (const WatchRecord& rec : list) {
      if (!rec.bookmarks) {
        continue;
      }
      if (const auto w = rec.watch.lock(); w != nullptr && !w->Stopped()) {
        impl_->SendBookmark(rs, rec, *w, false);
      }
    }
  }
}

}  // namespace bubble::fake
