// fake/src/watch_cache.cc
#include "watch_cache.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include <bubble/fake/action.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/rng.h>
#include <bubble/sim/timer.h>

#include "watch_hub.h"

namespace bubble::fake::detail {

using runtime::Err;
using runtime::ListOptions;
using runtime::ObjectList;
using runtime::WatchEvent;
using runtime::WatchPtr;

namespace {

using namespace std::chrono_literals;

// How often a read waiting for a resourceVersion the store has not committed yet looks again.
constexpr sim::Duration kFreshPoll = 100ms;

// The real cacher's error for a resourceVersion it has not reached in time
// (storage.NewTooLargeResourceVersionError): 504 Timeout with the cause client-go's reflector
// looks for.
runtime::Status TooLargeResourceVersion(std::int64_t need, std::int64_t current) {
  runtime::Status s = runtime::NewTimeoutError(
      fmt::format("Too large resource version: {}, current: {}", need, current), 1);
  s.details.causes.push_back(
      {.type = "ResourceVersionTooLarge", .message = "Too large resource version"});
  return s;
}

std::string KeyText(const Object& obj) {
  return obj.metadata.namespace_.empty()
             ? obj.metadata.name
             : fmt::format("{}/{}", obj.metadata.namespace_, obj.metadata.name);
}

}  // namespace

WatchCache::WatchCache(std::string name, ApiServerOptions config, const Options& options,
                       Tracker& tracker)
    : name_(std::move(name)), config_(std::move(config)), options_(&options), tracker_(&tracker) {}

void WatchCache::Trace(std::string_view text) const {
  if (InBubble()) {
    sim::TraceInstant("apiserver", fmt::format("{}: {}", name_, text));
  }
}

WatchCache::CachedResource& WatchCache::Resource(const GroupVersionResource& gvr) {
  auto it = resources_.find(gvr);
  if (it == resources_.end()) {
    it = resources_.emplace(gvr, CachedResource{}).first;
    it->second.label = gvr.String();
  }
  return it->second;
}

sim::Duration WatchCache::EnsureLag() {
  if (lag_) {
    return *lag_;
  }
  if (!InBubble()) {
    return sim::Duration::zero();  // seeding before Run: nothing lags, nothing is drawn
  }
  const sim::Duration lo = config_.lag_min;
  const sim::Duration hi = std::max(config_.lag_min, config_.lag_max);
  lag_ = hi <= lo ? lo : sim::Rand().UniformDuration(lo, hi + sim::Duration(1));
  Trace(fmt::format("its watch cache lags the store by {} (drawn from [{}, {}])",
                    sim::FormatDuration(*lag_), sim::FormatDuration(lo), sim::FormatDuration(hi)));
  return *lag_;
}

void WatchCache::Observe(const GroupVersionResource& gvr, WatchEventType type, const ObjectPtr& obj,
                         const ObjectPtr& old, std::int64_t rv) {
  HistoryEvent change{rv, type, obj, type == WatchEventType::kModified ? old : nullptr};
  if (!InBubble()) {
    Apply(gvr, change);
    return;
  }
  const sim::Duration lag = EnsureLag();
  if (lag <= sim::Duration::zero() && pending_.empty()) {
    Apply(gvr, change);
    return;
  }
  pending_.push_back({gvr, std::move(change), sim::Now() + lag});
  std::weak_ptr<WatchCache> weak = weak_from_this();
  sim::AfterFunc(
      lag,
      [weak] {
        if (const std::shared_ptr<WatchCache> self = weak.lock()) {
          self->CatchUp();
        }
      },
      name_ + " cache");
}

void WatchCache::CatchUp() {
  if (!InBubble()) {
    return;
  }
  const sim::TimePoint now = sim::Now();
  while (!pending_.empty() && pending_.front().due <= now) {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    Apply(p.gvr, p.change);
  }
}

std::int64_t WatchCache::ResourceVersion(const GroupVersionResource& gvr) {
  CatchUp();
  return Resource(gvr).rv;
}

void WatchCache::Apply(const GroupVersionResource& gvr, const HistoryEvent& change) {
  CachedResource& cr = Resource(gvr);
  const Object& obj = *change.obj;
  const std::string& ns = obj.metadata.namespace_;
  if (change.type == WatchEventType::kDeleted) {
    if (const auto it = cr.objects.find(KeyView{ns, obj.metadata.name}); it != cr.objects.end()) {
      cr.objects.erase(it);
    }
  } else {
    cr.objects.insert_or_assign(Key{ns, obj.metadata.name}, Stored{change.obj, change.rv});
  }
  cr.rv = std::max(cr.rv, change.rv);
  cr.window.push_back(change);
  if (config_.window > 0) {
    while (cr.window.size() > config_.window) {
      cr.floor = std::max(cr.floor, cr.window.front().rv);
      cr.window.pop_front();
    }
  }
  Trace(fmt::format("cache at {} rv={} ({} {})", cr.label, change.rv,
                    runtime::WatchEventTypeName(change.type), KeyText(obj)));
  bool prune = false;
  for (const CacheWatch& w : cr.watches) {
    const std::shared_ptr<runtime::ChannelWatcher> ch = w.rec.watch.lock();
    if (ch == nullptr || ch->Stopped()) {
      prune = true;
      continue;
    }
    if (!w.ns.empty() && w.ns != ns) {
      continue;
    }
    const std::optional<WatchEventType> seen =
        w.rec.See(change.type, change.obj.get(), change.old.get());
    if (!seen) {
      continue;
    }
    const bool left = *seen == WatchEventType::kDeleted && change.type != *seen;
    Send(cr, w, *seen, left ? AtVersion(options_->fidelity, change.old, change.rv) : change.obj,
         change.rv);
  }
  if (prune) {
    std::erase_if(cr.watches, [](const CacheWatch& w) {
      const auto ch = w.rec.watch.lock();
      return ch == nullptr || ch->Stopped();
    });
  }
}

void WatchCache::Send(CachedResource& cr, const CacheWatch& w, WatchEventType type,
                      const ObjectPtr& obj, std::int64_t rv) {
  const std::shared_ptr<runtime::ChannelWatcher> ch = w.rec.watch.lock();
  if (ch == nullptr) {
    return;
  }
  const auto result = ch->TrySend(WatchEvent{type, obj, nullptr});
  if (result == runtime::ChannelWatcher::SendResult::kStopped) {
    return;
  }
  if (result == runtime::ChannelWatcher::SendResult::kFull) {
    sim::Fail(fmt::format(
        "{} overflowed: its buffer of {} events is full when delivering {} {} rv={}. The "
        "consumer is not reading ResultChan(). Read every watch you open and Stop() it when "
        "done, or raise fake::Options::watch_buffer.",
        ch->Name(), options_->watch_buffer, runtime::WatchEventTypeName(type),
        obj != nullptr ? obj->metadata.Key() : std::string("-"), rv));
  }
  Trace(fmt::format("w{} {} {} {} rv={}", w.rec.id, runtime::WatchEventTypeName(type), cr.label,
                    obj != nullptr && type != WatchEventType::kBookmark ? KeyText(*obj) : "-", rv));
}

void WatchCache::SendBookmark(const GroupVersionResource& gvr, CachedResource& cr,
                              const CacheWatch& w, bool initial_events_end) {
  std::unique_ptr<Object> b = options_->scheme.NewForResource(gvr);
  b->metadata.resource_version = std::to_string(cr.rv);
  if (initial_events_end) {
    b->metadata.annotations[std::string(runtime::kInitialEventsEndAnnotation)] = "true";
  }
  Send(cr, w, WatchEventType::kBookmark, ObjectPtr(std::move(b)), cr.rv);
}

Result<void> WatchCache::AwaitFresh(const sim::Context& ctx, const GroupVersionResource& gvr,
                                    std::string_view verb, std::string_view rv) {
  std::int64_t need = 0;
  if (rv.empty()) {
    if (verb == kVerbGet) {
      return {};  // served by the store
    }
    need = tracker_->ResourceVersion(gvr);  // a consistent read: the store's newest version
  } else {
    Result<std::int64_t> n = ParseResourceVersion(rv);
    if (!n) {
      return Err(std::move(n.error()));
    }
    need = *n;  // "0": any (0 never waits)
  }
  CachedResource& cr = Resource(gvr);
  CatchUp();
  if (cr.rv >= need) {
    return {};
  }
  if (!InBubble()) {
    return Err(TooLargeResourceVersion(need, cr.rv));
  }
  const sim::TimePoint start = sim::Now();
  const sim::TimePoint deadline = start + options_->fresh_wait;
  Trace(fmt::format("{} {} rv=\"{}\" waits for the cache to reach rv={} (at rv={})", verb, cr.label,
                    rv, need, cr.rv));
  while (true) {
    CatchUp();
    if (cr.rv >= need) {
      Trace(fmt::format("{} {}: the cache reached rv={} after {}", verb, cr.label, cr.rv,
                        sim::FormatDuration(sim::Now() - start)));
      return {};
    }
    const sim::TimePoint now = sim::Now();
    if (now >= deadline) {
      break;
    }
    // Wake when the change that brings the cache to `need` is due, or poll while the store has
    // not committed it yet.
    sim::TimePoint wake = std::min(deadline, now + kFreshPoll);
    for (const Pending& p : pending_) {
      if (p.gvr == gvr && p.change.rv >= need) {
        wake = std::min(deadline, std::max(now, p.due));
        break;
      }
    }
    if (!sim::SleepFor(wake - now, ctx)) {
      return Err(runtime::NewContextError(ctx.Err()));
    }
  }
  Trace(fmt::format("{} {} rv=\"{}\": the cache is at rv={} after {}: too large resource version",
                    verb, cr.label, rv, cr.rv, sim::FormatDuration(options_->fresh_wait)));
  return Err(TooLargeResourceVersion(need, cr.rv));
}

Result<ObjectPtr> WatchCache::Get(const GroupVersionResource& gvr, std::string_view ns,
                                  std::string_view name, std::string_view rv) {
  if (rv.empty()) {
    Trace(
        fmt::format("get {} {}/{} rv=\"\": a quorum read from the store", gvr.String(), ns, name));
    return tracker_->Get(gvr, ns, name);
  }
  CatchUp();
  const CachedResource& cr = Resource(gvr);
  Trace(fmt::format("get {} {}/{} rv=\"{}\": served by the cache at rv={} (store at rv={})",
                    cr.label, ns, name, rv, cr.rv, tracker_->ResourceVersion(gvr)));
  if (const auto it = cr.objects.find(KeyView{ns, name}); it != cr.objects.end()) {
    return it->second.obj;
  }
  return Err(runtime::NewNotFound(gvr.GetGroupResource(), name));
}

Result<ObjectMap> WatchCache::StateAt(const CachedResource& cr, std::int64_t rv) const {
  if (rv < cr.floor) {
    return Err(runtime::NewResourceExpired(
        fmt::format("too old resource version: {} ({})", rv, cr.floor)));
  }
  // The cache's objects with the window's changes after `rv` undone, newest first.
  ObjectMap objects = cr.objects;
  for (auto it = cr.window.rbegin(); it != cr.window.rend() && it->rv > rv; ++it) {
    const Object& obj = *it->obj;
    Key key{obj.metadata.namespace_, obj.metadata.name};
    switch (it->type) {
      case WatchEventType::kAdded:
        objects.erase(key);
        break;
      case WatchEventType::kModified:
        objects.insert_or_assign(std::move(key), Stored{it->old, 0});
        break;
      case WatchEventType::kDeleted:
        objects.insert_or_assign(std::move(key), Stored{it->obj, 0});
        break;
      default:
        break;
    }
  }
  return objects;
}

Result<ObjectList> WatchCache::List(const GroupVersionResource& gvr, std::string_view ns,
                                    const ListOptions& opts) {
  WatchRecord filter;
  if (options_->fidelity.selectors) {
    if (Result<void> ok = ParseSelectors(options_->scheme, gvr, opts, filter); !ok) {
      return Err(std::move(ok.error()));
    }
  }
  CatchUp();
  const CachedResource& cr = Resource(gvr);
  ObjectList out;
  out.metadata.resource_version = std::to_string(cr.rv);
  const ObjectMap* objects = &cr.objects;
  ObjectMap at_version;
  if (opts.resource_version_match == "Exact" && !opts.resource_version.empty()) {
    Result<std::int64_t> n = ParseResourceVersion(opts.resource_version);
    if (!n) {
      return Err(std::move(n.error()));
    }
    Result<ObjectMap> exact = StateAt(cr, *n);
    if (!exact) {
      return Err(std::move(exact.error()));
    }
    at_version = std::move(*exact);
    objects = &at_version;
    out.metadata.resource_version = std::to_string(*n);
  }
  for (const auto& [key, stored] : *objects) {
    if ((ns.empty() || key.ns == ns) && (!filter.Filters() || filter.Matches(*stored.obj))) {
      out.items.push_back(stored.obj);
    }
  }
  Trace(fmt::format("list {} {} rv=\"{}\": {} items served by the cache at rv={} (store at rv={})",
                    cr.label, ns.empty() ? "(all namespaces)" : ns, opts.resource_version,
                    out.items.size(), cr.rv, tracker_->ResourceVersion(gvr)));
  return out;
}

Result<WatchPtr> WatchCache::Watch(const GroupVersionResource& gvr, std::string_view ns,
                                   const ListOptions& opts) {
  std::optional<std::int64_t> from;
  if (!opts.resource_version.empty()) {
    Result<std::int64_t> n = ParseResourceVersion(opts.resource_version);
    if (!n) {
      return Err(std::move(n.error()));
    }
    from = *n;
  }
  const Fidelity& fid = options_->fidelity;
  CacheWatch w;
  w.ns = std::string(ns);
  if (fid.selectors) {
    if (Result<void> ok = ParseSelectors(options_->scheme, gvr, opts, w.rec); !ok) {
      return Err(std::move(ok.error()));
    }
  }
  w.rec.id = next_watch_id_++;
  w.rec.bookmarks = opts.allow_watch_bookmarks && fid.bookmarks;
  const bool initial_events = fid.watch_list && opts.send_initial_events.value_or(false);
  CatchUp();
  CachedResource& cr = Resource(gvr);
  std::string watch_name = fmt::format("watch {} w{} {} {}", name_, w.rec.id, cr.label,
                                       ns.empty() ? "(all namespaces)" : ns);
  const bool resume = !initial_events && from.has_value() && *from > 0;
  if (resume && *from < cr.floor) {
    Trace(fmt::format("w{} {}: rv={} is older than the cache's window (rv={}): 410", w.rec.id,
                      cr.label, *from, cr.floor));
    return ExpiredWatch(std::move(watch_name), *from, cr.floor);
  }

  // The replay: every current object as ADDED (no version, "0", or initial events), else the
  // window's changes after the version.
  struct Replayed {
    WatchEventType type;
    ObjectPtr obj;
    std::int64_t rv;
  };

  std::vector<Replayed> replay;
  if (!resume) {
    for (const auto& [key, stored] : cr.objects) {
      if ((ns.empty() || key.ns == ns) && (!w.rec.Filters() || w.rec.Matches(*stored.obj))) {
        replay.push_back({WatchEventType::kAdded, stored.obj, stored.rv});
      }
    }
  } else {
    for (const HistoryEvent& e : cr.window) {
      if (e.rv <= *from || (!ns.empty() && e.obj->metadata.namespace_ != ns)) {
        continue;
      }
      if (const auto seen = w.rec.See(e.type, e.obj.get(), e.old.get())) {
        const bool left = *seen == WatchEventType::kDeleted && e.type != *seen;
        replay.push_back({*seen, left ? AtVersion(options_->fidelity, e.old, e.rv) : e.obj, e.rv});
      }
    }
  }
  const std::size_t capacity = options_->watch_buffer + (fid.watch_list ? replay.size() + 1 : 0);
  auto ch = std::make_shared<runtime::ChannelWatcher>(capacity, std::move(watch_name));
  w.rec.watch = ch;
  Trace(
      fmt::format("w{} {}: opened in {} from rv=\"{}\" at the cache's rv={} (store at rv={}), "
                  "{} replayed",
                  w.rec.id, cr.label, ns.empty() ? "all namespaces" : ns, opts.resource_version,
                  cr.rv, tracker_->ResourceVersion(gvr), replay.size()));
  cr.watches.push_back(w);
  const CacheWatch& registered = cr.watches.back();
  for (const Replayed& r : replay) {
    Send(cr, registered, r.type, r.obj, r.rv);
  }
  if (registered.rec.bookmarks) {
    SendBookmark(gvr, cr, registered, initial_events);
  }
  if (InBubble() && fid.watch_timeouts && opts.timeout_seconds.value_or(0) > 0) {
    std::weak_ptr<WatchCache> weak_self = weak_from_this();
    std::weak_ptr<runtime::ChannelWatcher> weak_ch = ch;
    const std::uint64_t id = registered.rec.id;
    sim::AfterFunc(
        std::chrono::seconds(*opts.timeout_seconds),
        [weak_self, weak_ch, gvr, id] {
          const std::shared_ptr<WatchCache> self = weak_self.lock();
          const std::shared_ptr<runtime::ChannelWatcher> watch = weak_ch.lock();
          if (self == nullptr || watch == nullptr || watch->Stopped()) {
            return;
          }
          self->CatchUp();
          CachedResource& res = self->Resource(gvr);
          for (const CacheWatch& cw : res.watches) {
            if (cw.rec.id == id && cw.rec.bookmarks) {
              self->SendBookmark(gvr, res, cw, false);
            }
          }
          self->Trace(fmt::format("w{} {}: ended by the server (timeoutSeconds)", id, res.label));
          watch->Stop();
        },
        fmt::format("{} watch-end w{}", name_, id));
  }
  return WatchPtr(ch);
}

}  // namespace bubble::fake::detail
