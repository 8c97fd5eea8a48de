// fake/src/watch_hub.cc
#include "watch_hub.h"

#include <charconv>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include <bubble/runtime/status.h>
#include <bubble/sim/error.h>
#include <bubble/sim/rng.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/trace.h>

namespace bubble::fake::detail {

using runtime::ChannelWatcher;
using runtime::ListOptions;
using runtime::WatchEvent;
using runtime::WatchPtr;

namespace {

// What a delivery records after the watch id: "ADDED v1/configmaps ns/cm rv=2".
std::string EventText(const ResourceState& rs, WatchEventType type, const ObjectPtr& obj,
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

}  // namespace

WatchPtr ExpiredWatch(std::string name, std::int64_t from, std::int64_t floor) {
  auto expired = std::make_shared<ChannelWatcher>(1, std::move(name));
  expired->TrySend(WatchEvent{WatchEventType::kError, nullptr,
                              std::make_shared<const runtime::Status>(runtime::NewResourceExpired(
                                  fmt::format("too old resource version: {} ({})", from, floor)))});
  expired->Stop();
  return WatchPtr(expired);
}

WatchHub::WatchHub(const Options& options) : options_(&options) {
  if (options.check_watches) {
    oracle_ = std::make_unique<WatchOracle>(options.fidelity);
  }
}

void WatchHub::Trace(std::string_view text) const {
  if (InBubble()) {
    sim::TraceInstant("watch", text);
  }
}

void WatchHub::Send(ResourceState& rs, const WatchRecord& rec, ChannelWatcher& w,
                    WatchEventType type, const ObjectPtr& obj, std::int64_t rv,
                    std::string_view text) {
  const auto result = w.TrySend(WatchEvent{type, obj, nullptr});
  if (result == ChannelWatcher::SendResult::kStopped) {
    return;
  }
  if (result == ChannelWatcher::SendResult::kFull) {
    sim::Fail(fmt::format(
        "{} overflowed: its buffer of {} events is full when delivering {} {} "
        "rv={}. The consumer is not reading ResultChan() (client-go's fake watcher panics "
        "with \"channel full\" here). Read every watch you open and Stop() it when done, or "
        "raise fake::Options::watch_buffer.",
        w.Name(), options_->watch_buffer, runtime::WatchEventTypeName(type),
        obj ? obj->metadata.Key() : std::string("-"), rv));
  }
  if (oracle_ != nullptr) {
    oracle_->Sent(rs, rec.id, type, obj, rv);
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
    scratch_.assign(1, 'w');
    scratch_.append(id, end);
    scratch_.push_back(' ');
    scratch_.append(text);
    sim::TraceInstant("watch", scratch_);
    const double p = options_->faults.watch_end_probability;
    if (p > 0 && sim::Rand().Bernoulli(p)) {
      sim::TraceInstant("fault", fmt::format("w{} {}: watch ended early", rec.id, rs.label));
      w.Stop();
    }
  }
}

void WatchHub::SendBookmark(ResourceState& rs, const WatchRecord& rec, ChannelWatcher& w,
                            bool initial_events_end) {
  std::unique_ptr<Object> b = options_->scheme.NewForResource(rs.gvr);
  b->metadata.resource_version = std::to_string(rs.counter);
  if (initial_events_end) {
    b->metadata.annotations[std::string(runtime::kInitialEventsEndAnnotation)] = "true";
  }
  Send(rs, rec, w, WatchEventType::kBookmark, ObjectPtr(std::move(b)), rs.counter);
}

void WatchHub::Publish(ResourceState& rs, std::string_view ns, WatchEventType type,
                       const ObjectPtr& obj, const ObjectPtr& old, std::int64_t rv,
                       const ObjectPtr& before, std::int64_t before_rv,
                       std::int64_t counter_before) {
  if (oracle_ != nullptr) {
    oracle_->BeginChange(rs, KeyView{ns, obj->metadata.name}, before, before_rv, counter_before);
  }
  Fanout(rs, ns, type, obj, old, rv);
  if (oracle_ != nullptr) {
    oracle_->EndChange(rs);
  }
}

void WatchHub::Fanout(ResourceState& rs, std::string_view ns, WatchEventType type,
                      const ObjectPtr& obj, const ObjectPtr& old, std::int64_t rv) {
  const auto found = watchers_.find(&rs);
  if (found == watchers_.end()) {
    return;
  }
  Watchers& watchers = found->second;
  std::string text;  // formatted once per change, for the trace
  ObjectPtr left;    // what a watch the object leaves gets: the state it held, at `rv`
  auto deliver = [&](std::vector<WatchRecord>& list) {
    bool prune = false;
    for (const WatchRecord& rec : list) {
      const std::shared_ptr<ChannelWatcher> w = rec.watch.lock();
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
            left = AtVersion(Fid(), old, rv);
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
  if (const auto it = watchers.find(ns); it != watchers.end()) {
    deliver(it->second);
  }
  if (!ns.empty()) {
    if (const auto it = watchers.find(std::string_view()); it != watchers.end()) {
      deliver(it->second);
    }
  }
}

void WatchHub::EndWatch(ResourceState& rs, const WatchRecord& rec, ChannelWatcher& w,
                        std::string_view why) {
  if (w.Stopped()) {
    return;
  }
  Trace(fmt::format("w{} {}: ended by the server ({})", rec.id, rs.label, why));
  w.Stop();
}

void WatchHub::ScheduleEnd(ResourceState& rs, std::uint64_t id,
                           const std::shared_ptr<ChannelWatcher>& w, sim::Duration after,
                           bool timeout) {
  std::weak_ptr<WatchHub> self = weak_from_this();
  std::weak_ptr<ChannelWatcher> weak = w;
  ResourceState* state = &rs;
  sim::AfterFunc(
      after,
      [self, weak, state, id, timeout] {
        const std::shared_ptr<WatchHub> hub = self.lock();
        const std::shared_ptr<ChannelWatcher> watch = weak.lock();
        if (hub == nullptr || watch == nullptr || watch->Stopped()) {
          return;
        }
        hub->EndScheduled(*state, id, *watch, timeout);
      },
      fmt::format("watch-end w{}", id));
}

void WatchHub::EndScheduled(ResourceState& rs, std::uint64_t id, ChannelWatcher& w, bool timeout) {
  for (auto& [ns, list] : watchers_[&rs]) {
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

WatchPtr WatchHub::Open(ResourceState& rs, std::string_view ns, const ListOptions* opts,
                        std::optional<std::int64_t> from, WatchRecord filter) {
  WatchRecord rec = std::move(filter);
  rec.id = next_watch_id_++;
  rec.bookmarks = opts != nullptr && opts->allow_watch_bookmarks && Fid().bookmarks;
  std::string watch_name =
      fmt::format("watch w{} {} {}", rec.id, rs.label, ns.empty() ? "(all namespaces)" : ns);

  const bool old_rv = from.has_value() && *from > 0;
  if (old_rv && InBubble() && options_->faults.compaction_probability > 0 &&
      sim::Rand().Bernoulli(options_->faults.compaction_probability)) {
    sim::TraceInstant("fault", fmt::format("{}: compacted at rv={} before watch w{}", rs.label,
                                           rs.counter, rec.id));
    rs.Compact();
  }
  if (old_rv && *from < rs.floor) {
    Trace(fmt::format("w{} {}: rv={} is older than the history (rv={}): 410", rec.id, rs.label,
                      *from, rs.floor));
    return ExpiredWatch(std::move(watch_name), *from, rs.floor);
  }

  // What this watch replays (§1.4, and the planted bugs).
  WatchReplay replay = WatchReplay::kNone;
  std::string_view why;
  if (opts == nullptr) {
    why = "no options: legacy, no replay";
  } else if (options_->bugs.legacy_watch) {
    why = "planted bug legacy-watch: no replay";
  } else if (Fid().watch_list && opts->send_initial_events.value_or(false)) {
    replay = WatchReplay::kAll;
    why = "sendInitialEvents: replay all";
  } else if (!from.has_value()) {
    replay = options_->bugs.seed_empty_rv ? WatchReplay::kNone : WatchReplay::kAll;
    why = options_->bugs.seed_empty_rv ? "planted bug seed-empty-rv: no replay" : "replay all";
  } else if (Fid().tombstones && *from > 0) {
    replay = WatchReplay::kHistory;
    why = "replay the history after it";
  } else {
    replay = WatchReplay::kNewer;
    why = "replay newer objects";
  }
  Trace(fmt::format("w{} {}: opened in {} from rv=\"{}\" ({})", rec.id, rs.label,
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
  const std::size_t capacity = options_->watch_buffer + (Fid().watch_list ? replay_events : 0);
  auto w = std::make_shared<ChannelWatcher>(capacity, std::move(watch_name));
  rec.watch = w;

  // Registration and replay happen before any later change: no call yields, so nothing is
  // lost or delivered twice.
  std::vector<WatchRecord>& list = watchers_[&rs][std::string(ns)];
  list.push_back(std::move(rec));
  const WatchRecord& registered = list.back();
  if (oracle_ != nullptr) {
    std::string selectors;
    if (registered.labels) {
      selectors = fmt::format("labels \"{}\"", *registered.labels);
    }
    if (registered.fields) {
      selectors +=
          fmt::format("{}fields \"{}\"", selectors.empty() ? "" : ", ", *registered.fields);
    }
    oracle_->Opened(rs, registered, ns, std::move(selectors), replay, from.value_or(0));
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
          Send(rs, registered, *w, *seen, left ? AtVersion(Fid(), e.old, e.rv) : e.obj, e.rv);
        }
      }
      break;
  }
  const std::uint64_t id = registered.id;
  if (oracle_ != nullptr) {
    oracle_->Replayed(rs, id);
  }
  const bool initial_events = opts != nullptr && Fid().watch_list &&
                              opts->send_initial_events.value_or(false) &&
                              !options_->bugs.legacy_watch;
  if (registered.bookmarks && !w->Stopped()) {
    SendBookmark(rs, registered, *w, initial_events);
  }
  if (InBubble()) {
    std::optional<sim::Duration> end_after;
    bool timeout = false;
    const sim::Duration max_life = options_->faults.watch_max_lifetime;
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
      ScheduleEnd(rs, id, w, *end_after, timeout);
    }
  }
  return WatchPtr(w);
}

void WatchHub::Bookmark(ResourceState& rs) {
  const auto found = watchers_.find(&rs);
  if (found == watchers_.end()) {
    return;
  }
  for (auto& [ns, list] : found->second) {
    for (const WatchRecord& rec : list) {
      if (!rec.bookmarks) {
        continue;
      }
      if (const auto w = rec.watch.lock(); w != nullptr && !w->Stopped()) {
        SendBookmark(rs, rec, *w, false);
      }
    }
  }
}

void WatchHub::EndAll(ResourceState& rs, std::string_view why) {
  const auto found = watchers_.find(&rs);
  if (found == watchers_.end()) {
    return;
  }
  for (auto& [ns, list] : found->second) {
    for (const WatchRecord& rec : list) {
      if (const auto w = rec.watch.lock()) {
        EndWatch(rs, rec, *w, why);
      }
    }
    list.clear();
  }
}

void WatchHub::StopAll(const ResourceState& rs) {
  const auto found = watchers_.find(&rs);
  if (found == watchers_.end()) {
    return;
  }
  for (const auto& [ns, list] : found->second) {
    for (const WatchRecord& rec : list) {
      if (const auto w = rec.watch.lock()) {
        w->Stop();
      }
    }
  }
}

void WatchHub::CopyHistoryLog(const WatchHub& source, const ResourceState& from,
                              const ResourceState& to) {
  if (oracle_ != nullptr && source.oracle_ != nullptr) {
    oracle_->CopyLog(*source.oracle_, from, to);
  }
}

std::size_t WatchHub::Count(const ResourceState& rs) const {
  std::size_t n = 0;
  const auto found = watchers_.find(&rs);
  if (found == watchers_.end()) {
    return n;
  }
  for (const auto& [ns, list] : found->second) {
    for (const WatchRecord& rec : list) {
      const auto w = rec.watch.lock();
      n += w != nullptr && !w->Stopped() ? 1 : 0;
    }
  }
  return n;
}

}  // namespace bubble::fake::detail
