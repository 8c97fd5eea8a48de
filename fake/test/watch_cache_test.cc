// API servers with lagging watch caches (fake::Options::api_servers, Clientset::ApiServer):
// the resourceVersion rules of docs/semantics.md §1.15.
#include <set>

#include <catch2/catch.hpp>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/cache/reflector.h>
#include <bubble/sim/timer.h>

#include "test_util.h"

namespace fake = bubble::fake;
using namespace fake::testing;
using namespace std::chrono_literals;

namespace {

// One API server whose cache lags the store by exactly `lag` (and keeps `window` changes).
fake::Options OneServer(sim::Duration lag, std::size_t window = 0) {
  fake::Options opts;
  opts.api_servers.push_back({.lag_min = lag, .lag_max = lag, .window = window});
  return opts;
}

std::vector<std::string> Names(const rt::TypedList<rt::ConfigMap>& list) {
  std::vector<std::string> out;
  for (const auto& cm : list.items) {
    out.push_back(cm->metadata.name);
  }
  return out;
}

sim::Duration Since(sim::TimePoint t) {
  return sim::Now() - t;
}

}  // namespace

TEST_CASE("without api_servers nothing changes: the clientset has no API server to read through",
          "[fake][apiserver]") {
  fake::Clientset cs;
  CHECK_THROWS_WITH(cs.ApiServer(0), Catch::Contains("add them to fake::Options::api_servers"));
}

TEST_CASE("List and Get with resourceVersion 0 are served by the lagging cache",
          "[fake][apiserver]") {
  RunInBubble([] {
    auto cs = fake::NewClientset(OneServer(1s));
    auto server = cs->ApiServer(0);
    REQUIRE(cs->ConfigMaps("ns").Create(Cm("ns", "a")).has_value());
    const sim::TimePoint start = sim::Now();
    auto stale = server->ConfigMaps("ns").List({.resource_version = "0"});
    REQUIRE(stale.has_value());
    CHECK(stale->items.empty());
    CHECK(stale->metadata.resource_version == "1");
    CHECK(Since(start) == 0s);  // "0" never waits
    CHECK(rt::IsNotFound(server->ConfigMaps("ns").Get("a", {.resource_version = "0"}).error()));
    sim::SleepFor(1s);
    auto fresh = server->ConfigMaps("ns").List({.resource_version = "0"});
    CHECK(Names(*fresh) == std::vector<std::string>{"a"});
    CHECK(fresh->metadata.resource_version == "2");
    CHECK(server->ConfigMaps("ns").Get("a", {.resource_version = "0"}).has_value());
  });
}

TEST_CASE("a List with resourceVersion \"\" is consistent: it waits for the cache",
          "[fake][apiserver]") {
  RunInBubble([] {
    auto cs = fake::NewClientset(OneServer(700ms));
    auto server = cs->ApiServer(0);
    REQUIRE(cs->ConfigMaps("ns").Create(Cm("ns", "a")).has_value());
    sim::SleepFor(200ms);
    const sim::TimePoint start = sim::Now();
    auto list = server->ConfigMaps("ns").List();
    REQUIRE(list.has_value());
    CHECK(Names(*list) == std::vector<std::string>{"a"});
    CHECK(list->metadata.resource_version == "2");
    CHECK(Since(start) == 500ms);  // until the create entered the cache
  });
}

TEST_CASE("a Get with resourceVersion \"\" is a quorum read from the store", "[fake][apiserver]") {
  RunInBubble([] {
    auto cs = fake::NewClientset(OneServer(1s));
    auto server = cs->ApiServer(0);
    REQUIRE(cs->ConfigMaps("ns").Create(Cm("ns", "a")).has_value());
    const sim::TimePoint start = sim::Now();
    auto got = server->ConfigMaps("ns").Get("a");
    REQUIRE(got.has_value());
    CHECK((*got)->metadata.resource_version == "2");
    CHECK(Since(start) == 0s);
  });
}

TEST_CASE("resourceVersion N waits until the cache reached N (NotOlderThan)", "[fake][apiserver]") {
  RunInBubble([] {
    auto cs = fake::NewClientset(OneServer(1s));
    auto server = cs->ApiServer(0);
    auto cms = cs->ConfigMaps("ns");
    REQUIRE(cms.Create(Cm("ns", "a")).has_value());  // rv 2
    sim::SleepFor(300ms);
    REQUIRE(cms.Create(Cm("ns", "b")).has_value());  // rv 3
    const sim::TimePoint start = sim::Now();
    auto list = server->ConfigMaps("ns").List({.resource_version = "2"});
    CHECK(Since(start) == 700ms);  // a is visible 1s after its commit; b not yet
    CHECK(Names(*list) == std::vector<std::string>{"a"});
    CHECK(list->metadata.resource_version == "2");
    auto b = server->ConfigMaps("ns").Get("b", {.resource_version = "3"});
    CHECK(b.has_value());
    CHECK(Since(start) == 1s);
  });
}

TEST_CASE("a resourceVersion the cache does not reach in time is 504 Too large resource version",
          "[fake][apiserver]") {
  RunInBubble([] {
    fake::Options opts = OneServer(0s);
    opts.fresh_wait = 2s;
    auto cs = fake::NewClientset(opts);
    auto server = cs->ApiServer(0);
    const sim::TimePoint start = sim::Now();
    auto list = server->ConfigMaps("ns").List({.resource_version = "50"});
    REQUIRE_FALSE(list.has_value());
    CHECK(Since(start) == 2s);
    CHECK(list.error().code == 504);
    CHECK(rt::IsTimeout(list.error()));
    CHECK(rt::cache::IsTooLargeResourceVersionError(list.error()));
    CHECK(list.error().message == "Timeout: Too large resource version: 50, current: 1");
    auto watch = server->ConfigMaps("ns").Watch({.resource_version = "50"});
    REQUIRE_FALSE(watch.has_value());
    CHECK(rt::cache::IsTooLargeResourceVersionError(watch.error()));
  });
}

TEST_CASE("a watch from a resourceVersion the cache has not reached waits, then resumes",
          "[fake][apiserver]") {
  RunInBubble([] {
    auto cs = fake::NewClientset(OneServer(1s));
    auto server = cs->ApiServer(0);
    auto cms = cs->ConfigMaps("ns");
    REQUIRE(cms.Create(Cm("ns", "a")).has_value());  // rv 2
    REQUIRE(cms.Create(Cm("ns", "b")).has_value());  // rv 3
    const sim::TimePoint start = sim::Now();
    auto w = server->ConfigMaps("ns").Watch({.resource_version = "2"});
    REQUIRE(w.has_value());
    CHECK(Since(start) == 1s);
    CHECK(Drain(**w) == Events{"ADDED b"});  // the change after 2
    REQUIRE(cms.Delete("a").has_value());
    CHECK(Drain(**w).empty());  // not in the cache yet
    sim::SleepFor(1s);
    CHECK(Drain(**w) == Events{"DELETED a"});
  });
}

TEST_CASE("a watch from before the cache's window is 410 too old resource version",
          "[fake][apiserver]") {
  RunInBubble([] {
    auto cs = fake::NewClientset(OneServer(0s, /*window=*/2));
    auto server = cs->ApiServer(0);
    auto cms = cs->ConfigMaps("ns");
    for (const char* name : {"a", "b", "c", "d"}) {  // rv 2..5: the window keeps 4 and 5, so
      // a watch may resume from 3 on
      REQUIRE(cms.Create(Cm("ns", name)).has_value());
    }
    auto old = server->ConfigMaps("ns").Watch({.resource_version = "2"});
    REQUIRE(old.has_value());
    auto ev = (*old)->ResultChan().Recv();
    REQUIRE(ev.has_value());
    REQUIRE(ev->type == rt::WatchEventType::kError);
    CHECK(ev->error->code == 410);
    CHECK(ev->error->message == "too old resource version: 2 (3)");
    auto in_window = server->ConfigMaps("ns").Watch({.resource_version = "4"});
    CHECK(Drain(**in_window) == Events{"ADDED d"});
    // The store itself keeps everything: a watch on it from 2 replays the lot.
    auto store = cms.Watch({.resource_version = "2"});
    CHECK(Drain(**store) == Events{"ADDED b", "ADDED c", "ADDED d"});
  });
}

TEST_CASE("a watch through a cache streams each change a lag after its commit",
          "[fake][apiserver]") {
  RunInBubble([] {
    auto cs = fake::NewClientset(OneServer(2s));
    auto server = cs->ApiServer(0);
    auto w = server->ConfigMaps("ns").Watch(
        {.resource_version = "0", .allow_watch_bookmarks = true, .send_initial_events = false});
    REQUIRE(w.has_value());
    CHECK(Drain(**w) == Events{"BOOKMARK "});
    REQUIRE(cs->ConfigMaps("ns").Create(Cm("ns", "a")).has_value());
    sim::SleepFor(1999ms);
    CHECK(Drain(**w).empty());
    sim::SleepFor(1ms);
    CHECK(Drain(**w) == Events{"ADDED a"});
  });
}

TEST_CASE("a WatchList with resourceVersion \"\" waits for a consistent initial state",
          "[fake][apiserver]") {
  RunInBubble([] {
    auto cs = fake::NewClientset(OneServer(1s));
    REQUIRE(cs->ConfigMaps("ns").Create(Cm("ns", "a")).has_value());
    const sim::TimePoint start = sim::Now();
    auto w = cs->ApiServer(0)->ConfigMaps("ns").Watch({.resource_version_match = "NotOlderThan",
                                                       .allow_watch_bookmarks = true,
                                                       .send_initial_events = true});
    REQUIRE(w.has_value());
    CHECK(Since(start) == 1s);
    auto events = Drain(**w);
    CHECK(events == Events{"ADDED a", "BOOKMARK "});
  });
}

TEST_CASE("writes through an API server go to the store and return its resourceVersion",
          "[fake][apiserver]") {
  RunInBubble([] {
    auto cs = fake::NewClientset(OneServer(1s));
    auto server = cs->ApiServer(0);
    auto created = server->ConfigMaps("ns").Create(Cm("ns", "a"));
    REQUIRE(created.has_value());
    CHECK((*created)->metadata.resource_version == "2");
    CHECK(cs->GetTracker().ResourceVersion(ConfigMaps()) == 2);
    CHECK(cs->ApiServerResourceVersion(0, ConfigMaps()) == 1);  // not in the cache yet
    auto conflict = server->ConfigMaps("ns").Update(Cm("ns", "a", {{"k", "v"}}));
    CHECK(conflict.has_value());  // no resourceVersion: unconditional
  });
}

TEST_CASE("two API servers with different lags serve different states", "[fake][apiserver]") {
  RunInBubble([] {
    fake::Options opts;
    opts.api_servers.push_back({.lag_min = 0s, .lag_max = 0s});
    opts.api_servers.push_back({.name = "slow", .lag_min = 5s, .lag_max = 5s});
    auto cs = fake::NewClientset(opts, Cm("ns", "seeded"));
    REQUIRE(cs->ConfigMaps("ns").Create(Cm("ns", "a")).has_value());
    sim::SleepFor(1s);
    auto fast = cs->ApiServer(0)->ConfigMaps("ns").List({.resource_version = "0"});
    auto slow = cs->ApiServer(1)->ConfigMaps("ns").List({.resource_version = "0"});
    CHECK(Names(*fast) == std::vector<std::string>{"a", "seeded"});
    CHECK(Names(*slow).empty());  // "seeded" was added inside the bubble: it lags too
    sim::SleepFor(4s);
    slow = cs->ApiServer(1)->ConfigMaps("ns").List({.resource_version = "0"});
    CHECK(Names(*slow) == std::vector<std::string>{"a", "seeded"});
  });
}

TEST_CASE("the lag is drawn from the seed and traced", "[fake][apiserver]") {
  auto lag_of = [](std::uint64_t seed) {
    sim::Bubble b({.seed = seed, .trace = sim::TraceMode::kFull});
    fake::Options opts;
    opts.api_servers.push_back({.lag_min = 0s, .lag_max = 10s});
    auto cs = fake::NewClientset(opts);
    std::string drawn;
    const auto r = b.Run([&] {
      REQUIRE(cs->ConfigMaps("ns").Create(Cm("ns", "a")).has_value());
      (void)cs->ApiServer(0)->ConfigMaps("ns").List({.resource_version = "0"});
    });
    REQUIRE(r.Passed());
    for (const sim::TraceEvent& e : b.GetTrace().Events()) {
      if (e.detail.find("its watch cache lags the store by") != std::string::npos) {
        drawn = e.detail;
      }
    }
    return drawn;
  };
  const std::string first = lag_of(7);
  CHECK_FALSE(first.empty());
  CHECK(lag_of(7) == first);
  std::set<std::string> lags;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    lags.insert(lag_of(seed));
  }
  CHECK(lags.size() > 4);
}

TEST_CASE("objects added before the bubble runs are in every cache from the start",
          "[fake][apiserver]") {
  auto cs = fake::NewClientset(OneServer(5s), Cm("ns", "seeded"));
  sim::Bubble b;
  const auto r = b.Run([&] {
    auto list = cs->ApiServer(0)->ConfigMaps("ns").List({.resource_version = "0"});
    CHECK(Names(*list) == std::vector<std::string>{"seeded"});
    CHECK(list->metadata.resource_version == "2");
  });
  INFO(r.report);
  CHECK(r.Passed());
}

TEST_CASE("a List with resourceVersionMatch Exact returns the state at that version",
          "[fake][apiserver]") {
  RunInBubble([] {
    auto cs = fake::NewClientset(OneServer(0s, /*window=*/3));
    auto server = cs->ApiServer(0)->ConfigMaps("ns");
    auto cms = cs->ConfigMaps("ns");
    REQUIRE(cms.Create(Cm("ns", "a", {{"k", "1"}})).has_value());  // rv 2
    REQUIRE(cms.Create(Cm("ns", "b")).has_value());                // rv 3
    REQUIRE(cms.Update(Cm("ns", "a", {{"k", "2"}})).has_value());  // rv 4
    REQUIRE(cms.Delete("b").has_value());                          // rv 5
    REQUIRE(cms.Create(Cm("ns", "c")).has_value());                // rv 6
    auto at3 = server.List({.resource_version = "3", .resource_version_match = "Exact"});
    REQUIRE(at3.has_value());
    CHECK(Names(*at3) == std::vector<std::string>{"a", "b"});
    CHECK(at3->items.front()->data.at("k") == "1");
    CHECK(at3->metadata.resource_version == "3");
    auto now = server.List({.resource_version = "3"});  // NotOlderThan: the newest
    CHECK(Names(*now) == std::vector<std::string>{"a", "c"});
    auto gone = server.List({.resource_version = "2", .resource_version_match = "Exact"});
    REQUIRE_FALSE(gone.has_value());  // the window keeps 4..6: 3 is the oldest it rebuilds
    CHECK(gone.error().code == 410);
  });
}

TEST_CASE("an informer through a lagging API server: the classic list is stale, WatchList is not",
          "[fake][apiserver]") {
  const bool watch_list = GENERATE(false, true);
  RunInBubble([watch_list] {
    auto cs = fake::NewClientset(OneServer(2s));
    REQUIRE(cs->ConfigMaps("ns").Create(Cm("ns", "a")).has_value());
    rt::cache::InformerFactory factory(*cs->ApiServer(0), {.use_watch_list = watch_list});
    rt::cache::SharedIndexInformer& informer = factory.InformerFor<rt::ConfigMap>();
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    const sim::TimePoint start = sim::Now();
    factory.Start(ctx);
    REQUIRE(factory.WaitForCacheSync(ctx).AsError());
    if (watch_list) {
      // sendInitialEvents from "": a consistent read waits for the cache.
      CHECK(Since(start) == 2s);
      CHECK(informer.GetStore().ListKeys() == std::vector<std::string>{"ns/a"});
    } else {
      // List "0" is answered by the cache at once, without the create; the watch from the
      // list's version brings it when it enters the cache.
      CHECK(Since(start) == 0s);
      CHECK(informer.GetStore().ListKeys().empty());
      sim::SleepFor(1999ms);
      CHECK(informer.GetStore().ListKeys().empty());
      sim::SleepFor(2ms);  // it entered the cache at 2 s
      CHECK(informer.GetStore().ListKeys() == std::vector<std::string>{"ns/a"});
    }
    cancel();
    factory.Shutdown();
  });
}
