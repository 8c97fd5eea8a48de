// runtime/test/cache/reflector_test.cc: the Reflector (docs/semantics.md §3) against a scripted
// ListerWatcher, on the virtual clock. Every random draw the reflector makes comes from the
// bubble's generator, so a test copies that generator before starting the reflector and predicts
// each watch timeout and backoff exactly; every virtual instant is checked exactly. Each scenario
// runs twice and must produce the same fingerprint.
#include "bubble/runtime/cache/reflector.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/runtime/cache/list_watch.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/secret.h>
#include <bubble/runtime/status.h>
#include <bubble/runtime/watch.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>
#include <bubble/sim/rng.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;
namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;

namespace {

sim::Duration Since0() {
  return sim::Now() - sim::Clock::Epoch();
}

rt::ObjectPtr Cm(std::string name, std::string rv) {
  return std::make_shared<const rt::ConfigMap>(rt::ObjectMeta{
      .name = std::move(name), .namespace_ = "ns", .resource_version = std::move(rv)});
}

rt::ObjectPtr Bookmark(std::string rv, bool initial_events_end = false) {
  rt::ObjectMeta meta{.resource_version = std::move(rv)};
  if (initial_events_end) {
    meta.annotations[std::string(rt::kInitialEventsEndAnnotation)] = "true";
  }
  return std::make_shared<const rt::ConfigMap>(std::move(meta));
}

rt::ObjectList ListOf(std::string rv, std::vector<rt::ObjectPtr> items = {}) {
  rt::ObjectList list;
  list.metadata.resource_version = std::move(rv);
  list.items = std::move(items);
  return list;
}

std::string Describe(const rt::ObjectPtr& o) {
  return o->metadata.name + "@" + o->metadata.resource_version;
}

// Records what the reflector writes, one line per call.
class RecordingStore final : public cache::ReflectorStore {
 public:
  std::vector<std::string> calls;
  std::vector<sim::Duration> resyncs;  // virtual times of Resync calls
  // Resync fails with this once, then succeeds.
  std::optional<rt::Status> resync_error;

  rt::Result<void> Add(rt::ObjectPtr obj) override {
    calls.push_back("Add " + Describe(obj));
    return rt::Ok();
  }

  rt::Result<void> Update(rt::ObjectPtr obj) override {
    calls.push_back("Update " + Describe(obj));
    return rt::Ok();
  }

  rt::Result<void> Delete(cache::DeltaObject obj) override {
    calls.push_back("Delete " + Describe(cache::ObjectOf(obj)));
    return rt::Ok();
  }

  rt::Result<void> Replace(std::vector<rt::ObjectPtr> items, std::string rv) override {
    std::vector<std::string> names;
    for (const rt::ObjectPtr& o : items) {
      names.push_back(Describe(o));
    }
    calls.push_back(fmt::format("Replace [{}] rv={}", fmt::join(names, " "), rv));
    return rt::Ok();
  }

  rt::Result<void> Resync() override {
    resyncs.push_back(Since0());
    if (resync_error) {
      rt::Status err = std::move(*resync_error);
      resync_error.reset();
      return rt::Err(std::move(err));
    }
    return rt::Ok();
  }
};

// A scripted API server: records every List and Watch (options and virtual time); `list` and
// `watch` answer them (the argument is the call's index, from 0).
struct Server {
  struct Call {
    rt::ListOptions options;
    sim::Duration at;
  };

  std::vector<Call> lists;
  std::vector<Call> watches;
  std::vector<std::shared_ptr<rt::ChannelWatcher>> watchers;  // every watch handed out
  std::function<rt::Result<rt::ObjectList>(std::size_t)> list = [](std::size_t) {
    return rt::Result<rt::ObjectList>(ListOf("5"));
  };
  std::function<rt::Result<rt::WatchPtr>(std::size_t)> watch = [this](std::size_t) {
    return rt::Result<rt::WatchPtr>(NewWatch());
  };

  // An open watch with room for 16 events, remembered in `watchers`.
  std::shared_ptr<rt::ChannelWatcher> NewWatch() {
    auto w = std::make_shared<rt::ChannelWatcher>(16, fmt::format("watch {}", watchers.size()));
    watchers.push_back(w);
    return w;
  }

  cache::ListerWatcherPtr ListerWatcher(bool supports_watch_list = false) {
    return std::make_shared<cache::ListWatch>(
        [this](const sim::Context&, const rt::ListOptions& o) {
          lists.push_back({o, Since0()});
          return list(lists.size() - 1);
        },
        [this](const sim::Context&, const rt::ListOptions& o) {
          watches.push_back({o, Since0()});
          return watch(watches.size() - 1);
        },
        supports_watch_list);
  }

  std::vector<std::string> ListRvs() const {
    std::vector<std::string> out;
    for (const Call& c : lists) {
      out.push_back(c.options.resource_version);
    }
    return out;
  }

  std::vector<std::string> WatchRvs() const {
    std::vector<std::string> out;
    for (const Call& c : watches) {
      out.push_back(c.options.resource_version);
    }
    return out;
  }

  static std::vector<sim::Duration> Times(const std::vector<Call>& calls) {
    std::vector<sim::Duration> out;
    for (const Call& c : calls) {
      out.push_back(c.at);
    }
    return out;
  }
};

// Runs reflector.Run(ctx) in a fiber named "reflector" until Stop().
class Running {
 public:
  explicit Running(cache::Reflector& reflector)
      : cancel_(sim::WithCancel(sim::Context::Background())) {
    wg_.Go("reflector", [this, &reflector] {
      reflector.Run(cancel_.first);
      returned_at_ = Since0();
    });
  }

  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;

  // Cancels the context and waits for Run to return; the virtual time it returned at.
  sim::Duration Stop() {
    cancel_.second();
    wg_.Wait();
    return returned_at_;
  }

 private:
  std::pair<sim::Context, sim::CancelFunc> cancel_;
  sim::WaitGroup wg_{"reflector"};
  sim::Duration returned_at_{};
};

// Runs `body` as the main fiber of a fresh bubble, twice: both runs pass with one fingerprint.
void RunTwice(std::uint64_t seed, const std::function<void()>& body,
              sim::TraceMode trace = sim::TraceMode::kFingerprint) {
  std::optional<std::uint64_t> fingerprint;
  for (int run = 0; run < 2; ++run) {
    // Warnings go to the trace (checked below), not to stderr.
    sim::Bubble b({.seed = seed, .trace = trace, .log_level = sim::LogLevel::kOff});
    const sim::RunResult r = b.Run([&] { body(); });
    INFO(r.report);
    REQUIRE(r.Passed());
    if (fingerprint) {
      CHECK(r.fingerprint == *fingerprint);
    }
    fingerprint = r.fingerprint;
  }
}

// The watch timeout the reflector draws next (int64(300 s * (rand + 1))).
std::int64_t NextTimeout(sim::Rng& rng, double min_seconds = 300) {
  return static_cast<std::int64_t>(min_seconds * (rng.Double() + 1.0));
}

// The log lines the bubble recorded so far (needs TraceMode::kFull), as "<time> <message>".
std::vector<std::string> LogLines() {
  std::vector<std::string> out;
  for (const sim::TraceEvent& e : sim::Bubble::Current()->GetTrace().Events()) {
    if (e.kind == sim::EventKind::kLog) {
      out.push_back(fmt::format("{} {}", sim::FormatDuration(sim::Duration(e.time_ns)), e.detail));
    }
  }
  return out;
}

bool Contains(const std::vector<std::string>& lines, std::string_view needle) {
  for (const std::string& l : lines) {
    if (l.find(needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

cache::ReflectorOptions Named(std::string name = "test") {
  cache::ReflectorOptions o;
  o.name = std::move(name);
  o.expected_kind = rt::ConfigMap::StaticKind();
  return o;
}

}  // namespace

TEST_CASE(
    "the first list asks for resourceVersion 0 in pages of 500, the watch continues from "
    "the listed version with bookmarks and a seeded timeout between 300 s and 600 s",
    "[runtime][reflector]") {
  std::vector<std::int64_t> timeouts;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    RunTwice(seed, [&] {
      sim::Rng predicted = sim::Rand();
      Server server;
      server.list = [](std::size_t) {
        return rt::Result<rt::ObjectList>(ListOf("5", {Cm("a", "3")}));
      };
      RecordingStore store;
      cache::Reflector reflector(server.ListerWatcher(), store, Named());
      CHECK(reflector.TypeDescription() == "v1/ConfigMap");
      CHECK(reflector.LastSyncResourceVersion().empty());
      Running running(reflector);
      sim::Wait();

      REQUIRE(server.lists.size() == 1);
      const rt::ListOptions& l = server.lists[0].options;
      CHECK(l.resource_version == "0");
      CHECK(l.limit == 500);
      CHECK(l.continue_.empty());
      CHECK_FALSE(l.send_initial_events.has_value());
      CHECK(store.calls == std::vector<std::string>{"Replace [a@3] rv=5"});

      REQUIRE(server.watches.size() == 1);
      const rt::ListOptions& w = server.watches[0].options;
      CHECK(w.resource_version == "5");
      CHECK(w.allow_watch_bookmarks);
      REQUIRE(w.timeout_seconds.has_value());
      CHECK(*w.timeout_seconds == NextTimeout(predicted));
      CHECK(*w.timeout_seconds >= 300);
      CHECK(*w.timeout_seconds < 600);
      CHECK_FALSE(w.send_initial_events.has_value());
      CHECK(w.resource_version_match.empty());
      CHECK(w.limit == 0);
      CHECK(server.watches[0].at == 0s);
      CHECK(reflector.LastSyncResourceVersion() == "5");

      CHECK(running.Stop() == 0s);
      CHECK(server.watchers[0]->Stopped());
      timeouts.push_back(*w.timeout_seconds);
    });
  }
  REQUIRE(timeouts.size() == 16);
  for (std::size_t i = 0; i < timeouts.size(); i += 2) {
    CHECK(timeouts[i] == timeouts[i + 1]);  // the same seed draws the same timeout
  }
  CHECK(std::adjacent_find(timeouts.begin(), timeouts.end(), std::not_equal_to<>()) !=
        timeouts.end());  // and seeds differ
}

TEST_CASE("a min watch timeout above 5 min widens the drawn range, below 5 min, 5 min holds",
          "[runtime][reflector]") {
  for (const sim::Duration min : {sim::Duration(10min), sim::Duration(1min)}) {
    RunTwice(3, [&] {
      sim::Rng predicted = sim::Rand();
      Server server;
      RecordingStore store;
      cache::ReflectorOptions opts = Named();
      opts.min_watch_timeout = min;
      cache::Reflector reflector(server.ListerWatcher(), store, opts);
      const double expected_min = min > 5min ? 600 : 300;
      CHECK(reflector.MinWatchTimeout() == std::max(min, sim::Duration(5min)));
      Running running(reflector);
      sim::Wait();
      REQUIRE(server.watches.size() == 1);
      CHECK(*server.watches[0].options.timeout_seconds == NextTimeout(predicted, expected_min));
      running.Stop();
    });
  }
}

TEST_CASE(
    "watch events reach the store and each event's resourceVersion becomes the last synced "
    "one, even an empty one",
    "[runtime][reflector]") {
  RunTwice(1, [] {
    Server server;
    RecordingStore store;
    cache::Reflector reflector(server.ListerWatcher(), store, Named());
    Running running(reflector);
    sim::Wait();
    REQUIRE(server.watchers.size() == 1);
    rt::ChannelWatcher& w = *server.watchers[0];
    w.Add(Cm("a", "6"));
    w.Modify(Cm("a", "7"));
    sim::Wait();
    CHECK(reflector.LastSyncResourceVersion() == "7");
    w.Bookmark(Bookmark("8"));
    sim::Wait();
    CHECK(reflector.LastSyncResourceVersion() == "8");  // a bookmark moves only the version
    w.Delete(Cm("a", "9"));
    w.Add(Cm("b", ""));  // the fake's objects carry no version (docs/semantics.md §1.10.1)
    sim::Wait();
    CHECK(reflector.LastSyncResourceVersion().empty());
    CHECK(store.calls == std::vector<std::string>{"Replace [] rv=5", "Add a@6", "Update a@7",
                                                  "Delete a@9", "Add b@"});
    CHECK(server.watches.size() == 1);
    running.Stop();
  });
}

TEST_CASE("an event of another kind is skipped without moving the resourceVersion",
          "[runtime][reflector]") {
  RunTwice(1, [] {
    Server server;
    RecordingStore store;
    cache::Reflector reflector(server.ListerWatcher(), store, Named());
    Running running(reflector);
    sim::Wait();
    server.watchers[0]->Add(std::make_shared<const rt::Secret>(
        rt::ObjectMeta{.name = "s", .namespace_ = "ns", .resource_version = "6"}));
    server.watchers[0]->Add(Cm("a", "7"));
    sim::Wait();
    CHECK(store.calls == std::vector<std::string>{"Replace [] rv=5", "Add a@7"});
    CHECK(reflector.LastSyncResourceVersion() == "7");
    running.Stop();
  });
}

TEST_CASE(
    "a watch the server ends normally is re-opened at once from the last synced version, "
    "without a relist",
    "[runtime][reflector]") {
  RunTwice(2, [] {
    sim::Rng predicted = sim::Rand();
    Server server;
    RecordingStore store;
    cache::Reflector reflector(server.ListerWatcher(), store, Named());
    Running running(reflector);
    sim::Wait();
    sim::SleepFor(5min);
    server.watchers[0]->Add(Cm("a", "6"));
    server.watchers[0]->Stop();  // the server's timeout: buffered events are still delivered
    sim::Wait();
    CHECK(server.ListRvs() == std::vector<std::string>{"0"});
    CHECK(server.WatchRvs() == std::vector<std::string>{"5", "6"});
    CHECK(Server::Times(server.watches) == std::vector<sim::Duration>{0s, 5min});
    const std::int64_t first = NextTimeout(predicted);
    CHECK(*server.watches[0].options.timeout_seconds == first);
    CHECK(*server.watches[1].options.timeout_seconds == NextTimeout(predicted));  // a new draw
    CHECK(store.calls == std::vector<std::string>{"Replace [] rv=5", "Add a@6"});
    running.Stop();
  });
}

TEST_CASE(
    "an ERROR event ends the watch with its status, 410 relists after one backoff step "
    "from the last synced version, unpaged",
    "[runtime][reflector]") {
  RunTwice(4, [] {
    sim::Rng predicted = sim::Rand();
    Server server;
    RecordingStore store;
    std::vector<std::string> handled;
    cache::ReflectorOptions opts = Named();
    opts.watch_error_handler = [&](cache::Reflector&, const rt::Status& s) {
      handled.push_back(fmt::format("{:v}", s));
    };
    cache::Reflector reflector(server.ListerWatcher(), store, opts);
    Running running(reflector);
    sim::Wait();
    server.watchers[0]->Add(Cm("a", "7"));
    server.watchers[0]->Error(rt::NewResourceExpired("too old resource version: 7 (9)"));
    sim::Wait();
    NextTimeout(predicted);
    const sim::Duration backoff = predicted.Jitter(800ms, 1.0);
    CHECK(backoff >= 800ms);
    CHECK(backoff < 1600ms);
    sim::SleepFor(backoff);
    sim::Wait();
    CHECK(server.ListRvs() == std::vector<std::string>{"0", "7"});  // lastSync, not ""
    CHECK(Server::Times(server.lists) == std::vector<sim::Duration>{0s, backoff});
    CHECK(server.lists[1].options.limit == 0);  // a specific version: unpaged (watch cache)
    CHECK(server.WatchRvs() == std::vector<std::string>{"5", "5"});  // the relist said "5"
    CHECK(handled.empty());  // the watch loop ends quietly; Run backs off and relists
    CHECK_FALSE(reflector.IsLastSyncResourceVersionUnavailable());
    CHECK(server.watchers[0]->Stopped());
    running.Stop();
  });
}

TEST_CASE(
    "a relist that fails with 410 is retried at once with resourceVersion '', if that "
    "fails too, the next relist also uses \"\"",
    "[runtime][reflector]") {
  RunTwice(5, [] {
    sim::Rng predicted = sim::Rand();
    Server server;
    server.list = [](std::size_t n) -> rt::Result<rt::ObjectList> {
      switch (n) {
        case 0:
          return ListOf("5");
        case 1:
          return rt::Err(rt::NewResourceExpired("too old resource version: 5 (9)"));
        case 2:
          return ListOf("12", {Cm("a", "12")});
        case 3:
          return rt::Err(rt::NewGone("gone"));
        case 4:
          return rt::Err(rt::NewInternalError("etcd down"));
        default:
          return ListOf("20");
      }
    };
    RecordingStore store;
    std::vector<std::string> handled;
    cache::ReflectorOptions opts = Named();
    opts.type_description = "configmaps";
    opts.watch_error_handler = [&](cache::Reflector&, const rt::Status& s) {
      handled.push_back(fmt::format("{}", s));
    };
    cache::Reflector reflector(server.ListerWatcher(), store, opts);
    Running running(reflector);
    sim::Wait();
    // Watch 0 fails with a status that is neither 410 nor retriable: relist after a backoff.
    server.watchers[0]->Error(rt::NewBadRequest("bad"));
    NextTimeout(predicted);
    const sim::Duration b1 = predicted.Jitter(800ms, 1.0);
    sim::SleepFor(b1);
    sim::Wait();
    CHECK(server.ListRvs() == std::vector<std::string>{"0", "5", ""});
    CHECK(Server::Times(server.lists) == std::vector<sim::Duration>{0s, b1, b1});
    CHECK(reflector.LastSyncResourceVersion() == "12");
    CHECK_FALSE(reflector.IsLastSyncResourceVersionUnavailable());

    // Watch 1 fails; relist 3 (from "12") is Gone, its retry from "" fails: error, backoff, "".
    server.watchers[1]->Error(rt::NewBadRequest("bad"));
    NextTimeout(predicted);
    const sim::Duration b2 = predicted.Jitter(1600ms, 1.0);
    sim::SleepFor(b2);
    sim::Wait();
    CHECK(server.ListRvs() == std::vector<std::string>{"0", "5", "", "12", ""});
    CHECK(handled == std::vector<std::string>{
                         "failed to list configmaps: Internal error occurred: etcd down"});
    CHECK(reflector.IsLastSyncResourceVersionUnavailable());
    const sim::Duration b3 = predicted.Jitter(3200ms, 1.0);
    sim::SleepFor(b3);
    sim::Wait();
    CHECK(server.ListRvs() == std::vector<std::string>{"0", "5", "", "12", "", ""});
    CHECK(Server::Times(server.lists).back() == b1 + b2 + b3);
    CHECK(server.lists.back().options.limit == 500);  // "" lists are paged
    CHECK(reflector.LastSyncResourceVersion() == "20");
    CHECK_FALSE(reflector.IsLastSyncResourceVersionUnavailable());
    running.Stop();
  });
}

TEST_CASE(
    "Run waits a backoff after every failed list: 0.8 s to 1.6 s, then doubling to a "
    "30 s to 60 s cap, drawn from the bubble's generator",
    "[runtime][reflector]") {
  for (std::uint64_t seed : {1, 2, 3}) {
    RunTwice(seed, [] {
      sim::Rng predicted = sim::Rand();
      Server server;
      server.list = [](std::size_t) -> rt::Result<rt::ObjectList> {
        return rt::Err(rt::NewInternalError("boom"));
      };
      RecordingStore store;
      std::vector<std::string> handled;
      cache::ReflectorOptions opts = Named();
      opts.watch_error_handler = [&](cache::Reflector&, const rt::Status& s) {
        handled.push_back(fmt::format("{}", s));
      };
      cache::Reflector reflector(server.ListerWatcher(), store, opts);
      Running running(reflector);
      sim::SleepFor(5min);
      const sim::Duration stopped_at = running.Stop();
      CHECK(stopped_at == 5min);

      const std::vector<sim::Duration> bases = {800ms, 1600ms, 3200ms, 6400ms, 12800ms, 25600ms,
                                                30s,   30s,    30s,    30s,    30s,     30s,
                                                30s,   30s,    30s,    30s};
      std::vector<sim::Duration> expected = {0s};
      for (const sim::Duration base : bases) {
        const sim::Duration d = predicted.Jitter(base, 1.0);
        CHECK(d >= base);
        CHECK(d < 2 * base);
        if (expected.back() + d > 5min) {
          break;
        }
        expected.push_back(expected.back() + d);
      }
      CHECK(Server::Times(server.lists) == expected);
      CHECK(handled.size() == expected.size());
      CHECK(handled.front() == "failed to list v1/ConfigMap: Internal error occurred: boom");
      CHECK(store.calls.empty());
    });
  }
}

TEST_CASE("the backoff starts over at 0.8 s after 2 min without a backoff",
          "[runtime][reflector]") {
  RunTwice(6, [] {
    sim::Rng predicted = sim::Rand();
    Server server;
    server.list = [](std::size_t n) -> rt::Result<rt::ObjectList> {
      if (n < 2) {
        return rt::Err(rt::NewInternalError("boom"));
      }
      return ListOf("5");
    };
    RecordingStore store;
    cache::Reflector reflector(server.ListerWatcher(), store, Named());
    Running running(reflector);
    const sim::Duration b1 = predicted.Jitter(800ms, 1.0);
    const sim::Duration b2 = predicted.Jitter(1600ms, 1.0);
    sim::SleepFor(b1 + b2);
    sim::Wait();
    REQUIRE(server.watchers.size() == 1);
    NextTimeout(predicted);
    sim::SleepFor(3min);  // the watch runs 3 min, then fails
    server.watchers[0]->Error(rt::NewBadRequest("bad"));
    const sim::Duration b3 = predicted.Jitter(800ms, 1.0);  // not 3.2 s: reset
    sim::SleepFor(b3);
    sim::Wait();
    CHECK(Server::Times(server.lists) ==
          std::vector<sim::Duration>{0s, b1, b1 + b2, b1 + b2 + 3min + b3});
    running.Stop();
  });
}

TEST_CASE("429 and connection refused back off one step and re-watch without a relist",
          "[runtime][reflector]") {
  RunTwice(7, [] {
    sim::Rng predicted = sim::Rand();
    Server server;
    server.watch = [&](std::size_t n) -> rt::Result<rt::WatchPtr> {
      if (n == 1) {
        return rt::Err(rt::NewTooManyRequests("slow down", 1));
      }
      if (n == 2) {
        return rt::Err(cache::NewConnectionRefused("10.0.0.1:6443"));
      }
      return rt::WatchPtr(server.NewWatch());
    };
    RecordingStore store;
    cache::Reflector reflector(server.ListerWatcher(), store, Named());
    Running running(reflector);
    sim::Wait();
    server.watchers[0]->Add(Cm("a", "6"));
    server.watchers[0]->Error(rt::NewTooManyRequests("slow down", 1));  // in the stream
    NextTimeout(predicted);
    const sim::Duration b1 = predicted.Jitter(800ms, 1.0);
    NextTimeout(predicted);  // watch 1: 429 at the call
    const sim::Duration b2 = predicted.Jitter(1600ms, 1.0);
    NextTimeout(predicted);  // watch 2: connection refused
    const sim::Duration b3 = predicted.Jitter(3200ms, 1.0);
    sim::SleepFor(b1 + b2 + b3);
    sim::Wait();
    CHECK(server.ListRvs() == std::vector<std::string>{"0"});
    CHECK(server.WatchRvs() == std::vector<std::string>{"5", "6", "6", "6"});
    CHECK(Server::Times(server.watches) ==
          std::vector<sim::Duration>{0s, b1, b1 + b2, b1 + b2 + b3});
    CHECK(server.watchers.size() == 2);
    CHECK_FALSE(server.watchers[1]->Stopped());
    running.Stop();
  });
  CHECK(cache::IsWatchErrorRetriable(cache::NewConnectionRefused("x:1")));
  CHECK(cache::IsWatchErrorRetriable(rt::NewTooManyRequests("x", 1)));
  CHECK_FALSE(cache::IsWatchErrorRetriable(rt::NewServiceUnavailable("x")));
  CHECK_FALSE(cache::IsConnectionRefused(rt::NewInternalError("connection refused")));
}

TEST_CASE(
    "internal errors re-watch at once while MaxInternalErrorRetryDuration allows, then "
    "relist",
    "[runtime][reflector]") {
  RunTwice(8, [] {
    sim::Rng predicted = sim::Rand();
    Server server;
    server.watch = [&](std::size_t n) -> rt::Result<rt::WatchPtr> {
      auto w = server.NewWatch();
      if (n < 3) {  // watches 0, 1, 2 fail after 0 s, 20 s, 15 s
        const sim::Duration fail_after = n == 0 ? 0s : n == 1 ? 20s : 15s;
        sim::Spawn(fmt::format("server {}", n), [w, fail_after] {
          sim::SleepFor(fail_after);
          w->Error(rt::NewInternalError("etcd leader changed"));
        });
      }
      return rt::WatchPtr(w);
    };
    RecordingStore store;
    cache::ReflectorOptions opts = Named();
    opts.max_internal_error_retry_duration = 30s;
    cache::Reflector reflector(server.ListerWatcher(), store, opts);
    Running running(reflector);
    NextTimeout(predicted);
    NextTimeout(predicted);
    NextTimeout(predicted);
    const sim::Duration b1 = predicted.Jitter(800ms, 1.0);
    sim::SleepFor(35s + b1);
    sim::Wait();
    // 0 s: error, first of the streak, retried; 20 s: 20 s <= 30 s, retried; 35 s: over budget.
    CHECK(Server::Times(server.watches) == std::vector<sim::Duration>{0s, 0s, 20s, 35s + b1});
    CHECK(Server::Times(server.lists) == std::vector<sim::Duration>{0s, 35s + b1});
    running.Stop();
  });
  RunTwice(8, [] {  // without a budget (the default), an internal error relists
    sim::Rng predicted = sim::Rand();
    Server server;
    RecordingStore store;
    cache::Reflector reflector(server.ListerWatcher(), store, Named());
    Running running(reflector);
    sim::Wait();
    server.watchers[0]->Error(rt::NewInternalError("etcd leader changed"));
    NextTimeout(predicted);
    const sim::Duration b1 = predicted.Jitter(800ms, 1.0);
    sim::SleepFor(b1);
    sim::Wait();
    CHECK(Server::Times(server.lists) == std::vector<sim::Duration>{0s, b1});
    running.Stop();
  });
}

TEST_CASE(
    "a watch that closes within 1 s without an event is a very short watch and relists, "
    "one that lasts 1 s is re-opened",
    "[runtime][reflector]") {
  RunTwice(
      9,
      [] {
        sim::Rng predicted = sim::Rand();
        Server server;
        server.watch = [&](std::size_t n) -> rt::Result<rt::WatchPtr> {
          auto w = server.NewWatch();
          if (n == 0) {
            w->Stop();  // closed before the first event
          } else if (n == 1) {
            sim::Spawn("server", [w] {
              sim::SleepFor(1s);
              w->Stop();
            });
          }
          return rt::WatchPtr(w);
        };
        RecordingStore store;
        cache::Reflector reflector(server.ListerWatcher(), store, Named());
        Running running(reflector);
        NextTimeout(predicted);
        const sim::Duration b1 = predicted.Jitter(800ms, 1.0);
        sim::SleepFor(b1 + 1s);
        sim::Wait();
        CHECK(Server::Times(server.lists) == std::vector<sim::Duration>{0s, b1});
        CHECK(Server::Times(server.watches) == std::vector<sim::Duration>{0s, b1, b1 + 1s});
        // Only V(0) lines reach the trace by default: this one, klog's structured text form.
        CHECK(LogLines() ==
              std::vector<std::string>{
                  "0s \"Warning: watch ended with error\" reflector=\"test\" "
                  "type=\"v1/ConfigMap\" err=\"very short watch: test: Unexpected watch close - "
                  "watch lasted less than a second and no items received\""});
        running.Stop();
      },
      sim::TraceMode::kFull);
}

TEST_CASE("resync calls store.Resync every period while watching, when ShouldResync agrees",
          "[runtime][reflector]") {
  RunTwice(10, [] {
    Server server;
    RecordingStore store;
    std::vector<sim::Duration> asked;
    const std::vector<bool> answers = {true, false, true, true};
    cache::ReflectorOptions opts = Named();
    opts.resync_period = 30s;
    opts.should_resync = [&] {
      asked.push_back(Since0());
      return answers[(asked.size() - 1) % answers.size()];
    };
    cache::Reflector reflector(server.ListerWatcher(), store, opts);
    Running running(reflector);
    sim::SleepFor(100s);
    CHECK(asked == std::vector<sim::Duration>{30s, 60s, 90s});
    CHECK(store.resyncs == std::vector<sim::Duration>{30s, 90s});
    CHECK(running.Stop() == 100s);    // the resync fiber exits with the watch
    CHECK(server.lists.size() == 1);  // resync never talks to the server
  });
}

TEST_CASE("a failing Resync ends the watch, the relist starts a new resync period",
          "[runtime][reflector]") {
  RunTwice(11, [] {
    sim::Rng predicted = sim::Rand();
    Server server;
    RecordingStore store;
    store.resync_error = rt::NewInternalError("queue closed");
    cache::ReflectorOptions opts = Named();
    opts.resync_period = 30s;
    cache::Reflector reflector(server.ListerWatcher(), store, opts);
    Running running(reflector);
    NextTimeout(predicted);
    const sim::Duration b1 = predicted.Jitter(800ms, 1.0);
    sim::SleepFor(30s + b1 + 30s);
    sim::Wait();
    CHECK(Server::Times(server.lists) == std::vector<sim::Duration>{0s, 30s + b1});
    CHECK(store.resyncs == std::vector<sim::Duration>{30s, 30s + b1 + 30s});
    CHECK(server.watchers[0]->Stopped());
    running.Stop();
  });
}

TEST_CASE("cancelling the context ends Run at once: during a watch, a backoff or a list",
          "[runtime][reflector]") {
  SECTION("watching, with a resync fiber") {
    RunTwice(12, [] {
      Server server;
      RecordingStore store;
      cache::ReflectorOptions opts = Named();
      opts.resync_period = 7s;
      cache::Reflector reflector(server.ListerWatcher(), store, opts);
      Running running(reflector);
      sim::SleepFor(10s);
      CHECK(running.Stop() == 10s);
      CHECK(server.watchers[0]->Stopped());
      CHECK(store.resyncs == std::vector<sim::Duration>{7s});
    });
  }
  SECTION("backing off") {
    RunTwice(12, [] {
      Server server;
      server.list = [](std::size_t) -> rt::Result<rt::ObjectList> {
        return rt::Err(rt::NewInternalError("boom"));
      };
      RecordingStore store;
      cache::Reflector reflector(server.ListerWatcher(), store, Named());
      Running running(reflector);
      sim::SleepFor(500ms);
      CHECK(running.Stop() == 500ms);
      CHECK(server.lists.size() == 1);
    });
  }
  SECTION("listing, with a list function that ignores the context") {
    RunTwice(12, [] {
      Server server;
      server.list = [](std::size_t) {
        sim::SleepFor(1h);
        return rt::Result<rt::ObjectList>(ListOf("5", {Cm("a", "5")}));
      };
      RecordingStore store;
      cache::Reflector reflector(server.ListerWatcher(), store, Named());
      Running running(reflector);
      sim::SleepFor(10s);
      CHECK(running.Stop() == 10s);  // the list fiber is abandoned, not waited for
      sim::SleepFor(2h);
      CHECK(store.calls.empty());  // its answer, when it comes, reaches nobody
      CHECK(server.watches.empty());
      CHECK(reflector.LastSyncResourceVersion().empty());
    });
  }
}

TEST_CASE("lists follow continue tokens, a paged first list keeps later lists paged",
          "[runtime][reflector]") {
  RunTwice(13, [] {
    Server server;
    server.list = [](std::size_t n) -> rt::Result<rt::ObjectList> {
      rt::ObjectList l;
      if (n == 0) {
        l = ListOf("10", {Cm("a", "8")});
        l.metadata.continue_ = "c1";
      } else if (n == 1) {
        l = ListOf("10", {Cm("b", "9")});
      } else {
        l = ListOf("11");
      }
      return l;
    };
    RecordingStore store;
    cache::Reflector reflector(server.ListerWatcher(), store, Named());
    Running running(reflector);
    sim::Wait();
    REQUIRE(server.lists.size() == 2);
    CHECK(server.lists[0].options.limit == 500);
    CHECK(server.lists[1].options.limit == 500);
    CHECK(server.lists[1].options.continue_ == "c1");
    CHECK(server.lists[1].options.resource_version.empty());  // continued lists name no version
    CHECK(store.calls == std::vector<std::string>{"Replace [a@8 b@9] rv=10"});
    server.watchers[0]->Error(rt::NewBadRequest("bad"));
    sim::SleepFor(2s);
    REQUIRE(server.lists.size() == 3);
    CHECK(server.lists[2].options.resource_version == "10");
    CHECK(server.lists[2].options.limit == 500);  // not unpaged: the server pages
    running.Stop();
  });
  RunTwice(13, [] {
    Server server;
    RecordingStore store;
    cache::ReflectorOptions opts = Named();
    opts.watch_list_page_size = 2;
    cache::Reflector reflector(server.ListerWatcher(), store, opts);
    Running running(reflector);
    sim::Wait();
    CHECK(server.lists[0].options.limit == 2);
    running.Stop();
  });
}

TEST_CASE(
    "with a ListerWatcher that supports WatchList, the initial state is streamed, replaced "
    "in key order at the end bookmark, and the same watch goes on",
    "[runtime][reflector]") {
  RunTwice(14, [] {
    sim::Rng predicted = sim::Rand();
    Server server;
    server.watch = [&](std::size_t) -> rt::Result<rt::WatchPtr> {
      auto w = server.NewWatch();
      w->TrySend({rt::WatchEventType::kAdded, Cm("b", "3"), nullptr});
      w->TrySend({rt::WatchEventType::kAdded, Cm("a", "4"), nullptr});
      w->TrySend({rt::WatchEventType::kBookmark, Bookmark("5", true), nullptr});
      return rt::WatchPtr(w);
    };
    RecordingStore store;
    cache::Reflector reflector(server.ListerWatcher(/*supports_watch_list=*/true), store, Named());
    CHECK(reflector.UsesWatchList());
    Running running(reflector);
    sim::Wait();
    CHECK(server.lists.empty());
    REQUIRE(server.watches.size() == 1);
    const rt::ListOptions& o = server.watches[0].options;
    CHECK(o.resource_version.empty());
    CHECK(o.send_initial_events == std::optional<bool>(true));
    CHECK(o.resource_version_match == "NotOlderThan");
    CHECK(o.allow_watch_bookmarks);
    CHECK(*o.timeout_seconds == NextTimeout(predicted));
    CHECK(store.calls == std::vector<std::string>{"Replace [a@4 b@3] rv=5"});
    CHECK(reflector.LastSyncResourceVersion() == "5");

    server.watchers[0]->Add(Cm("c", "6"));
    sim::Wait();
    CHECK(store.calls.back() == "Add c@6");
    CHECK(reflector.LastSyncResourceVersion() == "6");
    CHECK(server.watches.size() == 1);
    running.Stop();
    CHECK(server.watchers[0]->Stopped());
  });
}

TEST_CASE(
    "streaming: 410 forgets the version and retries at once with '', other errors fall "
    "back to List",
    "[runtime][reflector]") {
  RunTwice(15, [] {
    sim::Rng predicted = sim::Rand();
    Server server;
    server.watch = [&](std::size_t n) -> rt::Result<rt::WatchPtr> {
      if (n == 1) {
        return rt::Err(rt::NewResourceExpired("too old resource version: 5 (7)"));
      }
      auto w = server.NewWatch();
      if (n == 0 || n == 2) {
        w->TrySend({rt::WatchEventType::kBookmark, Bookmark(n == 0 ? "5" : "9", true), nullptr});
      }
      return rt::WatchPtr(w);
    };
    RecordingStore store;
    cache::Reflector reflector(server.ListerWatcher(true), store, Named());
    Running running(reflector);
    sim::Wait();
    server.watchers[0]->Error(rt::NewResourceExpired("too old resource version: 5 (7)"));
    NextTimeout(predicted);
    const sim::Duration b1 = predicted.Jitter(800ms, 1.0);
    sim::SleepFor(b1);
    sim::Wait();
    CHECK(server.WatchRvs() == std::vector<std::string>{"", "5", ""});
    CHECK(Server::Times(server.watches) == std::vector<sim::Duration>{0s, b1, b1});
    CHECK(store.calls == std::vector<std::string>{"Replace [] rv=5", "Replace [] rv=9"});
    CHECK(server.lists.empty());
    running.Stop();
  });
  RunTwice(15, [] {
    Server server;
    server.watch = [&](std::size_t n) -> rt::Result<rt::WatchPtr> {
      if (n == 0) {
        return rt::Err(rt::NewBadRequest("sendInitialEvents is forbidden"));
      }
      return rt::WatchPtr(server.NewWatch());
    };
    RecordingStore store;
    cache::Reflector reflector(server.ListerWatcher(true), store, Named());
    Running running(reflector);
    sim::Wait();
    CHECK(server.ListRvs() == std::vector<std::string>{"0"});
    REQUIRE(server.watches.size() == 2);
    CHECK(server.watches[1].options.resource_version == "5");
    CHECK_FALSE(server.watches[1].options.send_initial_events.has_value());
    running.Stop();
  });
}

TEST_CASE("streaming: a missing end bookmark is warned about every 10 s", "[runtime][reflector]") {
  RunTwice(
      16,
      [] {
        Server server;
        server.watch = [&](std::size_t) -> rt::Result<rt::WatchPtr> {
          auto w = server.NewWatch();
          w->TrySend({rt::WatchEventType::kAdded, Cm("a", "1"), nullptr});
          return rt::WatchPtr(w);
        };
        RecordingStore store;
        cache::Reflector reflector(server.ListerWatcher(true), store, Named());
        Running running(reflector);
        sim::SleepFor(25s);
        const std::vector<std::string> lines = LogLines();
        CHECK(Contains(lines,
                       "10s test: hasn't received required bookmark event marking the end "
                       "of initial events stream, received last event 10s ago"));
        CHECK(Contains(lines, "20s test: hasn't received required bookmark event"));
        CHECK(store.calls.empty());
        running.Stop();
      },
      sim::TraceMode::kFull);
}

TEST_CASE("use_watch_list off, or a ListerWatcher without WatchList support, lists then watches",
          "[runtime][reflector]") {
  RunTwice(17, [] {
    Server server;
    RecordingStore store;
    cache::ReflectorOptions opts = Named();
    opts.use_watch_list = false;
    cache::Reflector off(server.ListerWatcher(true), store, opts);
    CHECK_FALSE(off.UsesWatchList());
    cache::Reflector unsupported(server.ListerWatcher(false), store, Named());
    CHECK_FALSE(unsupported.UsesWatchList());
    Running running(unsupported);
    sim::Wait();
    CHECK(server.ListRvs() == std::vector<std::string>{"0"});
    running.Stop();
  });
}

TEST_CASE("error classes", "[runtime][reflector]") {
  CHECK(cache::IsExpiredError(rt::NewResourceExpired("x")));
  CHECK(cache::IsExpiredError(rt::NewGone("x")));
  CHECK_FALSE(cache::IsExpiredError(rt::NewNotFound({"", "configmaps"}, "x")));
  rt::Status too_large = rt::NewTimeoutError("Too large resource version: 10, current: 5", 1);
  CHECK(cache::IsTooLargeResourceVersionError(too_large));
  rt::Status with_cause = rt::NewInternalError("x");
  with_cause.details.causes.push_back({.type = "ResourceVersionTooLarge", .message = "m"});
  CHECK(cache::IsTooLargeResourceVersionError(with_cause));
  CHECK_FALSE(
      cache::IsTooLargeResourceVersionError(rt::NewInternalError("Too large resource version")));
  const rt::Status refused = cache::NewConnectionRefused("127.0.0.1:6443");
  CHECK(refused.message == "dial tcp 127.0.0.1:6443: connect: connection refused");
  CHECK(cache::IsConnectionRefused(refused));
  CHECK_FALSE(rt::IsInternalError(refused));
}
