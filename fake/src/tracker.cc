// fake/src/tracker.cc
#include "bubble/fake/tracker.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <bubble/fake/garbage_collector.h>
#include <bubble/runtime/unstructured.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/rng.h>

#include "tracker_state.h"
#include "watch_hub.h"

namespace bubble::fake {

using detail::AtVersion;
using detail::InBubble;
using detail::Key;
using detail::KeyView;
using detail::ResourceState;
using detail::Stored;
using detail::WatchRecord;
using runtime::Err;
using runtime::GroupVersionResource;
using runtime::ListOptions;
using runtime::Object;
using runtime::ObjectList;
using runtime::ObjectPtr;
using runtime::Result;
using runtime::Status;
using runtime::WatchEventType;
using runtime::WatchPtr;

namespace {

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

struct Tracker::Impl {
  explicit Impl(Options opts)
      : options(std::move(opts)), hub(std::make_shared<detail::WatchHub>(options)) {}

  Options options;
  // The watches (watch_hub.h): shared, so that a scheduled watch end finds it gone.
  std::shared_ptr<detail::WatchHub> hub;
  std::map<GroupVersionResource, ResourceState> resources;
  // AddChangeListener: the API servers' watch caches.
  std::vector<ChangeListener> listeners;
  // Outside a bubble (seeding before Run), draws come from a fixed local generator.
  sim::Rng local_rng{0x627562626c65ULL, 11};

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

  // Hands a committed change to the watches (watch_hub.h), then to the change listeners.
  void Publish(ResourceState& rs, std::string_view ns, WatchEventType type, const ObjectPtr& obj,
               const ObjectPtr& old, std::int64_t rv, const ObjectPtr& before,
               std::int64_t before_rv, std::int64_t counter_before) {
    hub->Publish(rs, ns, type, obj, old, rv, before, before_rv, counter_before);
    for (const ChangeListener& listener : listeners) {
      listener(rs.gvr, type, obj, old, rv);
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
        // A typed kind without a status has no status subresource (404, as kube-apiserver). An
        // Unstructured object (a custom resource) may have one whether or not a status was
        // written yet: its first status update must not be refused (docs/semantics.md §1.9).
        if (!old->HasStatus() && dynamic_cast<const runtime::Unstructured*>(old.get()) == nullptr) {
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
      ObjectPtr gone = options.bugs.finalizer_delete_new_state ? stored : AtVersion(Fid(), old, rv);
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
      gone = AtVersion(Fid(), last, rv);
      Commit(rs, rv);
      Record(rs, rv, WatchEventType::kDeleted, gone, nullptr);
    }
    Publish(rs, ns, WatchEventType::kDeleted, gone, nullptr, rv, last, last_rv, counter_before);
    return {};
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
      if (Result<void> ok = detail::ParseSelectors(options.scheme, gvr, opts, filter); !ok) {
        return Err(std::move(ok.error()));
      }
    }
    if (!filter.Filters()) {
      out.items.reserve(ns.empty() ? rs->objects.size() : 0);
    }
    detail::ForScope(*rs, ns, [&](const Stored& s) {
      if (!filter.Filters() || filter.Matches(*s.obj)) {
        out.items.push_back(s.obj);
      }
    });
    return out;
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
    WatchRecord filter;
    if (opts != nullptr && Fid().selectors) {
      if (Result<void> ok = detail::ParseSelectors(options.scheme, gvr, *opts, filter); !ok) {
        return Err(std::move(ok.error()));
      }
    }
    return hub->Open(State(gvr), ns, opts, from, std::move(filter));
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
  for (const auto& [gvr, rs] : impl_->resources) {
    impl_->hub->StopAll(rs);
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
  return rs == nullptr ? 0 : impl_->hub->Count(*rs);
}

void Tracker::AddChangeListener(ChangeListener fn) {
  impl_->listeners.push_back(std::move(fn));
}

void Tracker::CopyStoreFrom(const Tracker& source) {
  BUBBLE_EXPECT(impl_->resources.empty(),
                "Tracker::CopyStoreFrom: this tracker already holds resources; copy a store only "
                "into a new tracker (Clientset::Snapshot)");
  for (const auto& [gvr, rs] : source.impl_->resources) {
    const ResourceState& copy = impl_->resources.emplace(gvr, rs).first->second;
    impl_->hub->CopyHistoryLog(*source.impl_->hub, rs, copy);
  }
}

void Tracker::Compact(const GroupVersionResource& gvr) {
  ResourceState& rs = impl_->State(gvr);
  rs.Compact();
  impl_->Trace("tracker", fmt::format("{}: compacted at rv={}", rs.label, rs.counter));
}

void Tracker::EndWatches(const GroupVersionResource& gvr) {
  impl_->hub->EndAll(impl_->State(gvr), "EndWatches");
}

void Tracker::Bookmark(const GroupVersionResource& gvr) {
  impl_->hub->Bookmark(impl_->State(gvr));
}

}  // namespace bubble::fake
