// fake/src/watch_oracle.cc
#include "watch_oracle.h"

#include <charconv>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include <bubble/sim/error.h>

namespace bubble::fake::detail {

namespace {

std::string KeyText(std::string_view ns, std::string_view name) {
  return ns.empty() ? std::string(name) : fmt::format("{}/{}", ns, name);
}

std::string KeyText(const Object& obj) {
  return KeyText(obj.metadata.namespace_, obj.metadata.name);
}

std::string_view ReplayText(WatchReplay replay) {
  switch (replay) {
    case WatchReplay::kNone:
      return "replays nothing";
    case WatchReplay::kAll:
      return "replays every object";
    case WatchReplay::kNewer:
      return "replays the objects newer than its start version";
    case WatchReplay::kHistory:
      return "replays the history after its start version";
  }
  return "";
}

}  // namespace

void WatchOracle::Violation(const ResourceState& rs, const Watched& w,
                            const std::string& what) const {
  const auto watch = w.rec.watch.lock();
  sim::Fail(fmt::format(
      "watch oracle: {}, {}from rv={} ({}), {}. The fake API server broke its own watch "
      "contract (docs/semantics.md §1.4, §1.7): this is a bug in bubble, not in the code under "
      "test; report it with this seed and replay line (fake::Options::check_watches = false turns "
      "the check off).",
      watch != nullptr ? watch->Name() : fmt::format("watch w{} {}", w.rec.id, rs.label),
      w.selectors.empty() ? "" : w.selectors + ", ", w.from, ReplayText(w.replay), what));
}

void WatchOracle::Trim(const ResourceState& rs, PerResource& pr) const {
  while (!pr.log.empty() && pr.log.front().rv <= rs.floor) {
    pr.log.pop_front();
  }
}

void WatchOracle::AdvanceCursor(const ResourceState& rs, Watched& w) const {
  const std::int64_t newer_than =
      w.replay == WatchReplay::kNewer ? w.from : std::numeric_limits<std::int64_t>::min();
  for (; w.cursor != rs.objects.end(); ++w.cursor) {
    if (!InScope(w, w.cursor->first.ns)) {
      w.cursor = rs.objects.end();
      return;
    }
    if (w.cursor->second.rv > newer_than && w.rec.Matches(*w.cursor->second.obj)) {
      return;
    }
  }
}

void WatchOracle::CopyLog(const WatchOracle& source, const ResourceState& from,
                          const ResourceState& to) {
  if (const auto it = source.resources_.find(&from); it != source.resources_.end()) {
    Of(to).log = it->second.log;
  }
}

void WatchOracle::Opened(const ResourceState& rs, const WatchRecord& rec, std::string_view ns,
                         std::string selectors, WatchReplay replay, std::int64_t from) {
  PerResource& pr = Of(rs);
  Trim(rs, pr);
  Watched w;
  w.rec = rec;
  w.ns = std::string(ns);
  w.selectors = std::move(selectors);
  w.replay = replay;
  w.from = from;
  switch (replay) {
    case WatchReplay::kNone:
      // Nothing replayed: the watch starts from the state it is opened on.
      break;
    case WatchReplay::kAll:
    case WatchReplay::kNewer:
      // Starts holding the objects it is not sent (kNewer: those not newer than its version).
      w.cursor = ns.empty() ? rs.objects.begin() : rs.objects.lower_bound(KeyView{ns, {}});
      AdvanceCursor(rs, w);
      break;
    case WatchReplay::kHistory:
      // Starts holding the state at `from`: for an object changed since, its state before its
      // first change after `from`; every other object is as stored now.
      for (const Logged& e : pr.log) {
        if (e.rv > from && InScope(w, e.key.ns)) {
          w.touched.try_emplace(e.key, Holding{Holds(w, e.before.get()), 0});
        }
      }
      break;
  }
  pr.watches.insert_or_assign(rec.id, std::move(w));
}

void WatchOracle::Replayed(const ResourceState& rs, std::uint64_t id) {
  PerResource& pr = Of(rs);
  const auto it = pr.watches.find(id);
  if (it == pr.watches.end()) {
    return;
  }
  Watched& w = it->second;
  const auto watch = w.rec.watch.lock();
  if (watch == nullptr || watch->Stopped()) {
    pr.watches.erase(it);
    return;
  }
  switch (w.replay) {
    case WatchReplay::kNone:
      break;
    case WatchReplay::kAll:
    case WatchReplay::kNewer:
      if (w.cursor != rs.objects.end()) {
        Violation(rs, w,
                  fmt::format("was not replayed {} rv={}", KeyText(*w.cursor->second.obj),
                              w.cursor->second.rv));
      }
      break;
    case WatchReplay::kHistory:
      for (const auto& [key, holding] : w.touched) {
        const auto stored = rs.objects.find(key);
        const bool expected = stored != rs.objects.end() && Holds(w, stored->second.obj.get());
        if (holding.held != expected) {
          Violation(rs, w,
                    fmt::format("{} {} after its replay, but the server's state filtered the "
                                "same way {} it: a{} was lost",
                                holding.held ? "holds" : "does not hold", KeyText(key.ns, key.name),
                                expected ? "has" : "does not have",
                                holding.held ? " DELETED" : "n ADDED"));
        }
        if (expected && holding.rv != stored->second.rv) {
          Violation(rs, w,
                    fmt::format("was not replayed the latest state of {} (rv={}; last sent "
                                "rv={}): a MODIFIED was lost",
                                KeyText(key.ns, key.name), stored->second.rv, holding.rv));
        }
      }
      w.touched.clear();
      break;
  }
  w.live = true;
}

void WatchOracle::BeginChange(const ResourceState& rs, KeyView key, ObjectPtr before,
                              std::int64_t before_rv, std::int64_t counter_before) {
  PerResource& pr = Of(rs);
  if (pr.watches.empty() && !fidelity_.KeepsHistory()) {
    return;  // nobody to check, nothing to log
  }
  const Stored* after = nullptr;
  if (!pr.watches.empty()) {
    const auto stored = rs.objects.find(key);
    after = stored == rs.objects.end() ? nullptr : &stored->second;
  }
  pr.change = Change{Key{std::string(key.ns), std::string(key.name)}, std::move(before), before_rv,
                     counter_before, after};
  ++pr.change_seq;
}

void WatchOracle::CheckOrder(const ResourceState& rs, Watched& w, WatchEventType type,
                             const ObjectPtr& obj, std::int64_t rv, bool exempt) const {
  if (!exempt && w.has_last && rv <= w.last_rv) {
    Violation(rs, w,
              fmt::format("got {} {} at rv={} after an event at rv={}: versions must increase",
                          runtime::WatchEventTypeName(type), KeyText(*obj), rv, w.last_rv));
  }
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), rv);
  if (fidelity_.StampsResourceVersion() &&
      obj->metadata.resource_version != std::string_view(digits, end)) {
    Violation(rs, w,
              fmt::format("got {} {} at rv={} carrying metadata.resourceVersion \"{}\"",
                          runtime::WatchEventTypeName(type), KeyText(*obj), rv,
                          obj->metadata.resource_version));
  }
  if (!w.has_last || rv > w.last_rv) {
    w.last_rv = rv;
  }
  w.has_last = true;
}

void WatchOracle::Apply(const ResourceState& rs, const Watched& w, bool& held, WatchEventType type,
                        const ObjectPtr& obj, std::int64_t rv) const {
  const std::string_view name = runtime::WatchEventTypeName(type);
  if (type == WatchEventType::kAdded && held) {
    Violation(rs, w,
              fmt::format("got ADDED {} rv={} for an object it already holds", KeyText(*obj), rv));
  }
  if (type != WatchEventType::kAdded && !held) {
    Violation(rs, w,
              fmt::format("got {} {} rv={} for an object it does not hold (never sent, or "
                          "already deleted)",
                          name, KeyText(*obj), rv));
  }
  // ADDED and MODIFIED carry the state the watch now holds, DELETED the state it held: either
  // way, one its selectors match.
  if (!Holds(w, obj.get())) {
    Violation(rs, w,
              fmt::format("got {} {} rv={} carrying a state its selectors do not match", name,
                          KeyText(*obj), rv));
  }
  held = type != WatchEventType::kDeleted;
}

void WatchOracle::Sent(const ResourceState& rs, std::uint64_t id, WatchEventType type,
                       const ObjectPtr& obj, std::int64_t rv) {
  PerResource& pr = Of(rs);
  const auto it = pr.watches.find(id);
  if (it == pr.watches.end()) {
    return;
  }
  Watched& w = it->second;
  if (type == WatchEventType::kError) {
    pr.watches.erase(it);  // the watch ends
    return;
  }
  if (type == WatchEventType::kBookmark) {
    if (w.has_last && rv < w.last_rv) {
      Violation(rs, w,
                fmt::format("got a BOOKMARK at rv={} after an event at rv={}", rv, w.last_rv));
    }
    return;
  }
  const std::string_view name = runtime::WatchEventTypeName(type);
  if (obj == nullptr) {
    Violation(rs, w, fmt::format("got {} rv={} without an object", name, rv));
  }
  const std::string_view ns = obj->metadata.namespace_;
  if (!InScope(w, ns)) {
    Violation(rs, w, fmt::format("got {} {} from outside its namespace", name, KeyText(*obj)));
  }
  if (!w.live) {
    switch (w.replay) {
      case WatchReplay::kNone:
        Violation(rs, w, fmt::format("was replayed {} {} rv={}", name, KeyText(*obj), rv));
      case WatchReplay::kAll:
      case WatchReplay::kNewer: {
        const bool next = w.cursor != rs.objects.end() && w.cursor->second.obj == obj &&
                          w.cursor->second.rv == rv;
        if (type != WatchEventType::kAdded || !next) {
          Violation(rs, w,
                    fmt::format("was replayed {} {} rv={} where the next object due was {}", name,
                                KeyText(*obj), rv,
                                w.cursor == rs.objects.end()
                                    ? std::string("none")
                                    : fmt::format("ADDED {} rv={}", KeyText(*w.cursor->second.obj),
                                                  w.cursor->second.rv)));
        }
        CheckOrder(rs, w, type, obj, rv, /*exempt=*/true);  // key order, not version order
        ++w.cursor;
        AdvanceCursor(rs, w);
        return;
      }
      case WatchReplay::kHistory: {
        const auto t = w.touched.find(KeyView{ns, obj->metadata.name});
        if (t == w.touched.end() || rv <= w.from) {
          Violation(rs, w,
                    fmt::format("was replayed {} {} rv={}, but that object did not change after "
                                "rv={}",
                                name, KeyText(*obj), rv, w.from));
        }
        CheckOrder(rs, w, type, obj, rv, /*exempt=*/false);
        Apply(rs, w, t->second.held, type, obj, rv);
        t->second.rv = rv;
        return;
      }
    }
  }
  if (!pr.change) {
    Violation(rs, w, fmt::format("got {} {} rv={} while nothing changed", name, KeyText(*obj), rv));
  }
  const Change& c = *pr.change;
  if (c.key.ns != ns || c.key.name != obj->metadata.name) {
    Violation(rs, w,
              fmt::format("got {} {} rv={} during a change to {}", name, KeyText(*obj), rv,
                          KeyText(c.key.ns, c.key.name)));
  }
  if (w.change_seq != pr.change_seq) {
    w.change_seq = pr.change_seq;
    w.held = Holds(w, c.before.get());
    w.current = false;
  }
  const Stored* stored = c.after;
  if (type == WatchEventType::kDeleted) {
    // A delete takes a version of its own, except without a history (§1.2).
    const bool bumped = rs.counter != c.counter_before;
    const std::int64_t want = bumped ? rs.counter : c.before_rv;
    if (rv != want) {
      Violation(rs, w, fmt::format("got DELETED {} at rv={}, not rv={}", KeyText(*obj), rv, want));
    }
    CheckOrder(rs, w, type, obj, rv, /*exempt=*/!bumped);
  } else {
    if (stored == nullptr || stored->obj != obj || stored->rv != rv) {
      Violation(
          rs, w,
          fmt::format("got {} {} rv={}, which is not the stored object", name, KeyText(*obj), rv));
    }
    CheckOrder(rs, w, type, obj, rv, /*exempt=*/false);
  }
  Apply(rs, w, w.held, type, obj, rv);
  w.current = type != WatchEventType::kDeleted;
}

void WatchOracle::EndChange(const ResourceState& rs) {
  PerResource& pr = Of(rs);
  if (!pr.change) {
    return;
  }
  Change c = std::move(*pr.change);
  pr.change.reset();
  const Stored* stored = c.after;
  const Object* after = stored == nullptr ? nullptr : stored->obj.get();
  for (auto it = pr.watches.begin(); it != pr.watches.end();) {
    Watched& w = it->second;
    const auto watch = w.rec.watch.lock();
    if (watch == nullptr || watch->Stopped()) {
      it = pr.watches.erase(it);
      continue;
    }
    const bool sent = w.change_seq == pr.change_seq;
    const bool held = sent ? w.held : Holds(w, c.before.get());
    const bool expected = Holds(w, after);
    if (held != expected) {
      Violation(
          rs, w,
          fmt::format("{} {} after the change at rv={}, but the server's state filtered "
                      "the same way {} it: a{} was lost",
                      held ? "holds" : "does not hold", KeyText(c.key.ns, c.key.name), rs.counter,
                      expected ? "has" : "does not have", held ? " DELETED" : "n ADDED"));
    }
    if (expected && !(sent && w.current)) {
      Violation(rs, w,
                fmt::format("holds {} but was not sent its new state (rv={}): a MODIFIED was lost",
                            KeyText(c.key.ns, c.key.name), stored->rv));
    }
    ++it;
  }
  if (fidelity_.KeepsHistory() && rs.counter != c.counter_before) {
    pr.log.push_back({rs.counter, std::move(c.key), std::move(c.before)});
    Trim(rs, pr);
  }
}

}  // namespace bubble::fake::detail
