// SharedIndexInformer, InformerFactory and listers (docs/semantics.md §5, §6) over the fake API
// server and over hand-made ListerWatchers: handlers before and after start, resync periods and the
// sync/non-sync rule, per-registration HasSynced, removal, transform, the watch error handler,
// per-handler buffering, both wait-for-cache-sync flavours' virtual time, listers.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/cache/lister.h>
#include <bubble/runtime/cache/shared_informer.h>
#include <bubble/runtime/config_map.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>
#include <bubble/sim/timer.h>
#include <bubble/testing/testing.h>

#include "test_util.h"

namespace cache = bubble::runtime::cache;
using namespace bubble::fake::testing;
using namespace std::chrono_literals;

namespace {

sim::Duration Since0() {
  return sim::Now() - sim::Clock::Epoch();
}

rt::ObjectPtr CmPtr(std::string ns, std::string name, std::string rv = {},
                    std::map<std::string, std::string> labels = {}) {
  rt::ConfigMap cm({.name = std::move(name),
                    .namespace_ = std::move(ns),
                    .resource_version = std::move(rv),
                    .labels = std::move(labels)});
  return std::make_shared<const rt::ConfigMap>(std::move(cm));
}

// What one handler heard, one line per notification: "add default/cm1 initial",
// "update default/cm1 3->4", "delete default/cm1".
struct Recorder {
  std::vector<std::string> lines;

  cache::ResourceEventHandlerFuncs Funcs() {
    return {
        .add =
            [this](const rt::ObjectPtr& o, bool initial) {
              lines.push_back(
                  fmt::format("add {}{}", o->metadata.Key(), initial ? " initial" : ""));
            },
        .update =
            [this](const rt::ObjectPtr& a, const rt::ObjectPtr& b) {
              lines.push_back(fmt::format("update {} {}->{}", b->metadata.Key(),
                                          a->metadata.resource_version,
                                          b->metadata.resource_version));
            },
        .del =
            [this](const cache::DeltaObject& o) {
              const bool tombstone = std::holds_alternative<cache::DeletedFinalStateUnknown>(o);
              lines.push_back(fmt::format("delete {}{}", cache::ObjectOf(o)->metadata.Key(),
                                          tombstone ? " tombstone" : ""));
            },
    };
  }
};

// An informer over `cs`'s ConfigMaps in all namespaces.
std::unique_ptr<cache::SharedIndexInformer> ConfigMapInformer(rt::Clientset& cs,
                                                              sim::Duration resync = {}) {
  return std::make_unique<cache::SharedIndexInformer>(
      cache::ListWatchFromClient(cs, ConfigMaps(), ""),
      cache::SharedIndexInformerOptions{.expected_kind = rt::ConfigMap::StaticKind(),
                                        .resync_period = resync});
}

// Runs `informer` in a fiber until the returned cancel function is called; Stop() waits for it.
class Running {
 public:
  explicit Running(cache::SharedIndexInformer& informer)
      : cancel_(sim::WithCancel(sim::Context::Background())) {
    wg_.Go("informer", [this, &informer] { informer.Run(cancel_.first); });
  }

  void Stop() {
    cancel_.second();
    wg_.Wait();
  }

  const sim::Context& Ctx() const { return cancel_.first; }

 private:
  std::pair<sim::Context, sim::CancelFunc> cancel_;
  sim::WaitGroup wg_{"informer running"};
};

const bubble::testing::SeedSweep kSweep{.count = 40};

}  // namespace

TEST_CASE("informer: handlers added before Run hear the initial list, then live events",
          "[informer]") {
  // client-go's fake leaves metadata.resourceVersion empty: the update then reads "->" and the
  // reflector's last synced version becomes "" after the first event (docs/semantics.md §1.10.1);
  // with the stamp-rv switch the versions are real.
  const bool stamp = GENERATE(false, true);
  bubble::testing::RunSeeds(kSweep, {}, [stamp](sim::Bubble&) {
    // client-go's fake, with or without stamped versions: its quirks are what this test shows.
    bubble::fake::Options server = bubble::fake::Options::ClientGoFake();
    server.fidelity.stamp_resource_version = stamp;
    auto cs = bubble::fake::NewClientset(server, Cm("default", "cm1"), Cm("default", "cm2"));
    auto informer = ConfigMapInformer(*cs);
    Recorder rec;
    auto reg = informer->AddEventHandler(rec.Funcs());
    REQUIRE(reg);
    CHECK_FALSE((*reg)->HasSynced());
    Running run(*informer);
    REQUIRE(cache::WaitFor(run.Ctx(), "", {(*reg)->HasSyncedChecker()}));
    CHECK(informer->HasSynced());
    CHECK((*reg)->HasSynced());
    CHECK(Since0() == 0s);  // the channel-based wait moves no virtual time
    CHECK(rec.lines ==
          std::vector<std::string>{"add default/cm1 initial", "add default/cm2 initial"});

    // Synced means listed, not watching. Let the informer's fibers settle so its Watch is open:
    // without this Wait the writes below race the Watch, and on the fake (no tombstones) a delete
    // made before the Watch opens is never seen (docs/semantics.md §1.10.3) — seeds find that race.
    sim::Wait();
    auto cms = cs->ConfigMaps("default");
    REQUIRE(cms.Create(Cm("default", "cm3")));
    REQUIRE(cms.Update(Cm("default", "cm1", {{"k", "v"}})));
    REQUIRE(cms.Delete("cm2"));
    sim::Wait();
    CHECK(rec.lines == std::vector<std::string>{
                           "add default/cm1 initial", "add default/cm2 initial", "add default/cm3",
                           stamp ? "update default/cm1 2->5" : "update default/cm1 ->",
                           "delete default/cm2"});
    CHECK(informer->GetStore().ListKeys() ==
          std::vector<std::string>{"default/cm1", "default/cm3"});
    // The last event was cm2's DELETED, carrying cm2's last state (rv 3).
    CHECK(informer->LastSyncResourceVersion() == (stamp ? "3" : ""));
    run.Stop();
    CHECK(informer->IsStopped());
  });
}

TEST_CASE("informer: a handler added while writes race gets every object once, no gap",
          "[informer][late-handler]") {
  bubble::testing::RunSeeds({.count = 100}, {}, [](sim::Bubble&) {
    auto cs = bubble::fake::NewClientset(Cm("default", "cm0"));
    auto informer = ConfigMapInformer(*cs);
    Running run(*informer);
    REQUIRE(cache::WaitFor(run.Ctx(), "", {informer->HasSyncedChecker()}));

    sim::WaitGroup writers("writers");
    writers.Go("writer", [&] {
      auto cms = cs->ConfigMaps("default");
      for (int i = 1; i <= 10; ++i) {
        REQUIRE(cms.Create(Cm("default", fmt::format("cm{}", i))));
        if (sim::Rand().Bernoulli(0.5)) {
          sim::Yield();
        }
      }
    });
    // Join at a point the strategy picks, while the writer is creating.
    const std::uint64_t yields = sim::Rand().UniformInRange(0, 30);
    for (std::uint64_t i = 0; i < yields; ++i) {
      sim::Yield();
    }
    Recorder late;
    auto reg = informer->AddEventHandler(late.Funcs(), {.name = "late"});
    REQUIRE(reg);
    writers.Wait();
    sim::Wait();
    CHECK((*reg)->HasSynced());

    // Every object exactly once, as an add; the ones cached when the handler joined are marked
    // initial and come first, in key order.
    std::vector<std::string> keys;
    bool seen_live = false;
    for (const std::string& line : late.lines) {
      REQUIRE(line.starts_with("add "));
      const bool initial = line.ends_with(" initial");
      CHECK_FALSE((initial && seen_live));
      seen_live = seen_live || !initial;
      keys.push_back(line.substr(4, line.find(' ', 4) - 4));
    }
    std::sort(keys.begin(), keys.end());
    CHECK(std::adjacent_find(keys.begin(), keys.end()) == keys.end());
    CHECK(keys == informer->GetStore().ListKeys());
    CHECK(keys.size() == 11);
    run.Stop();
  });
}

TEST_CASE("informer: resync check period follows handlers added before Run (TestResyncCheckPeriod)",
          "[informer][resync]") {
  RunInBubble([] {
    auto cs = bubble::fake::NewClientset();
    auto informer = ConfigMapInformer(*cs, 12h);
    auto h0 = informer->AddEventHandler(cache::ResourceEventHandlerFuncs{}, {.resync_period = 0s});
    CHECK(informer->ResyncCheckPeriod() == 12h);
    auto h1 =
        informer->AddEventHandler(cache::ResourceEventHandlerFuncs{}, {.resync_period = 1min});
    CHECK(informer->ResyncCheckPeriod() == 1min);
    auto h2 = informer->AddEventHandler(cache::ResourceEventHandlerFuncs{}, {.resync_period = 55s});
    CHECK(informer->ResyncCheckPeriod() == 55s);
    auto h3 = informer->AddEventHandler(cache::ResourceEventHandlerFuncs{}, {.resync_period = 5s});
    CHECK(informer->ResyncCheckPeriod() == 5s);
    CHECK((*h0)->ResyncPeriod() == 0s);
    CHECK((*h1)->ResyncPeriod() == 1min);
    CHECK((*h2)->ResyncPeriod() == 55s);
    CHECK((*h3)->ResyncPeriod() == 5s);
    // Below the 1 s minimum: raised to it (and lowers the check period before Run).
    auto h4 = informer->AddEventHandler(cache::ResourceEventHandlerFuncs{}, {.resync_period = 1ms});
    CHECK((*h4)->ResyncPeriod() == 1s);
    CHECK(informer->ResyncCheckPeriod() == 1s);

    // After Run: a shorter period is raised to the check period instead.
    auto other = ConfigMapInformer(*cs, 30s);
    Running run(*other);
    sim::Yield();
    auto late = other->AddEventHandler(cache::ResourceEventHandlerFuncs{}, {.resync_period = 5s});
    CHECK((*late)->ResyncPeriod() == 30s);
    CHECK(other->ResyncCheckPeriod() == 30s);
    run.Stop();

    // An informer that does not resync gives every handler period 0.
    auto none = ConfigMapInformer(*cs, 0s);
    auto h = none->AddEventHandler(cache::ResourceEventHandlerFuncs{}, {.resync_period = 10s});
    CHECK((*h)->ResyncPeriod() == 0s);
  });
}

TEST_CASE("informer: resyncs reach only the handlers whose period is due", "[informer][resync]") {
  bubble::testing::RunSeeds({.count = 10}, {}, [](sim::Bubble&) {
    bubble::fake::Options server;
    server.fidelity.stamp_resource_version = true;
    auto cs = bubble::fake::NewClientset(server, Cm("default", "cm1"));
    auto informer = ConfigMapInformer(*cs, 30s);
    Recorder every30;
    Recorder every60;
    Recorder never;
    REQUIRE(informer->AddEventHandler(every30.Funcs()));
    REQUIRE(informer->AddEventHandler(every60.Funcs(), {.resync_period = 60s}));
    REQUIRE(informer->AddEventHandler(never.Funcs(), {.resync_period = 0s}));
    Running run(*informer);
    sim::SleepFor(125s);
    // Resync checks at 30, 60, 90, 120 s: due for the 30 s handler each time, for the 60 s one
    // at 60 and 120 s.
    const std::string sync = "update default/cm1 2->2";
    INFO(fmt::format("{}", fmt::join(every30.lines, "\n")));
    CHECK(std::count(every30.lines.begin(), every30.lines.end(), sync) == 4);
    CHECK(std::count(every60.lines.begin(), every60.lines.end(), sync) == 2);
    CHECK(never.lines == std::vector<std::string>{"add default/cm1 initial"});
    run.Stop();
  });
}

TEST_CASE("informer: equal empty resourceVersions make real updates look like resyncs (fake trap)",
          "[informer][resync][trap]") {
  // docs/semantics.md §1.10.2: objects whose resourceVersion is "" on both sides of an update are
  // taken for a resync, so a handler not due for one silently misses a real change.
  RunInBubble([] {
    auto watcher = std::make_shared<rt::ChannelWatcher>(10);
    auto lw = std::make_shared<cache::ListWatch>(
        [](const sim::Context&, const rt::ListOptions&) -> rt::Result<rt::ObjectList> {
          rt::ObjectList list;
          list.metadata.resource_version = "1";
          list.items.push_back(CmPtr("default", "cm1"));  // no resourceVersion
          return list;
        },
        [watcher](const sim::Context&, const rt::ListOptions&) -> rt::Result<rt::WatchPtr> {
          return rt::WatchPtr(watcher);
        });
    cache::SharedIndexInformer informer(lw, {.resync_period = 10s});
    Recorder fast;
    Recorder slow;
    REQUIRE(informer.AddEventHandler(fast.Funcs()));
    REQUIRE(informer.AddEventHandler(slow.Funcs(), {.resync_period = 60s}));
    Running run(informer);
    sim::SleepFor(15s);  // the 10 s resync check flagged only `fast`
    auto changed = std::make_shared<rt::ConfigMap>(
        rt::ConfigMap({.name = "cm1", .namespace_ = "default"}, {{"k", "changed"}}));
    REQUIRE(watcher->Modify(changed));
    sim::Wait();
    CHECK(std::count(fast.lines.begin(), fast.lines.end(), "update default/cm1 ->") == 2);
    CHECK(std::count(slow.lines.begin(), slow.lines.end(), "update default/cm1 ->") == 0);
    CHECK(informer.GetStore().List().size() == 1);
    run.Stop();
  });
}

TEST_CASE("informer: relists are Replaced deltas, unchanged objects go only to resyncing handlers",
          "[informer][relist]") {
  // TestSharedInformerWatchDisruption: the watch breaks, the relist finds cm1 unchanged (same
  // RV: a sync, dropped for handlers not flagged for resync at the last check), cm2 changed (an
  // update for all) and cm3 gone (a tombstone for all). Check at 30 s: `every30` is due,
  // `every5min` is not; the watch breaks at 40 s.
  RunInBubble([] {
    int lists = 0;
    std::shared_ptr<rt::ChannelWatcher> watcher;
    auto lw = std::make_shared<cache::ListWatch>(
        [&lists](const sim::Context&, const rt::ListOptions&) -> rt::Result<rt::ObjectList> {
          rt::ObjectList list;
          if (++lists == 1) {
            list.metadata.resource_version = "3";
            list.items = {CmPtr("default", "cm1", "1"), CmPtr("default", "cm2", "2"),
                          CmPtr("default", "cm3", "3")};
          } else {
            list.metadata.resource_version = "9";
            list.items = {CmPtr("default", "cm1", "1"), CmPtr("default", "cm2", "8")};
          }
          return list;
        },
        [&watcher](const sim::Context&, const rt::ListOptions&) -> rt::Result<rt::WatchPtr> {
          watcher = std::make_shared<rt::ChannelWatcher>(10);
          return rt::WatchPtr(watcher);
        });
    cache::SharedIndexInformer informer(lw, {.resync_period = 30s});
    Recorder every30;
    Recorder every5min;
    REQUIRE(informer.AddEventHandler(every30.Funcs()));
    REQUIRE(informer.AddEventHandler(every5min.Funcs(), {.resync_period = 5min}));
    Running run(informer);
    sim::SleepFor(40s);
    CHECK(every30.lines.size() == 6);  // 3 initial adds, then the 30 s resync of all three
    // Break the watch with 410: the reflector relists.
    REQUIRE(watcher != nullptr);
    REQUIRE(watcher->Send({rt::WatchEventType::kError, nullptr,
                           std::make_shared<const rt::Status>(rt::NewResourceExpired("too old"))}));
    sim::SleepFor(5s);
    CHECK(lists == 2);
    CHECK(every5min.lines ==
          std::vector<std::string>{"add default/cm1 initial", "add default/cm2 initial",
                                   "add default/cm3 initial", "delete default/cm3 tombstone",
                                   "update default/cm2 2->8"});
    CHECK(std::vector<std::string>(every30.lines.begin() + 6, every30.lines.end()) ==
          std::vector<std::string>{"delete default/cm3 tombstone", "update default/cm1 1->1",
                                   "update default/cm2 2->8"});
    run.Stop();
  });
}

TEST_CASE("informer: a slow handler delays only itself", "[informer][buffering]") {
  bubble::testing::RunSeeds(kSweep, {}, [](sim::Bubble&) {
    auto cs = bubble::fake::NewClientset();
    auto informer = ConfigMapInformer(*cs);
    int slow_calls = 0;
    Recorder fast;
    REQUIRE(informer->AddEventHandler(
        cache::ResourceEventHandlerFuncs{.add = [&](const rt::ObjectPtr&, bool) {
          ++slow_calls;
          sim::SleepFor(1h);
        }}));
    REQUIRE(informer->AddEventHandler(fast.Funcs()));
    Running run(*informer);
    auto cms = cs->ConfigMaps("default");
    for (int i = 0; i < 20; ++i) {
      REQUIRE(cms.Create(Cm("default", fmt::format("cm{:02}", i))));
    }
    sim::Wait();
    CHECK(Since0() == 0s);
    CHECK(fast.lines.size() == 20);
    CHECK(slow_calls == 1);
    sim::SleepFor(5h + 30min);
    CHECK(slow_calls == 6);
    run.Stop();  // waits for the slow handler's current call, drops the rest
    CHECK(slow_calls <= 7);
  });
}

TEST_CASE("informer: RemoveEventHandler drops queued notifications and is idempotent",
          "[informer]") {
  RunInBubble([] {
    auto cs = bubble::fake::NewClientset();
    auto informer = ConfigMapInformer(*cs);
    auto other = ConfigMapInformer(*cs);
    int calls = 0;
    auto reg = informer->AddEventHandler(
        cache::ResourceEventHandlerFuncs{.add = [&](const rt::ObjectPtr&, bool) {
          ++calls;
          sim::SleepFor(1s);
        }});
    REQUIRE(reg);
    Recorder keeps;
    REQUIRE(informer->AddEventHandler(keeps.Funcs()));
    Running run(*informer);
    auto cms = cs->ConfigMaps("default");
    for (int i = 0; i < 5; ++i) {
      REQUIRE(cms.Create(Cm("default", fmt::format("cm{}", i))));
    }
    sim::Wait();
    CHECK(calls == 1);
    CHECK(informer->HandlerCount() == 2);
    informer->RemoveEventHandler(*reg);
    informer->RemoveEventHandler(*reg);  // again: no-op
    other->RemoveEventHandler(*reg);     // foreign informer: no-op
    informer->RemoveEventHandler(nullptr);
    CHECK(informer->HandlerCount() == 1);
    sim::SleepFor(10s);
    CHECK(calls == 1);  // the call in progress finished; the 4 queued adds were dropped
    CHECK(keeps.lines.size() == 5);
    CHECK_FALSE((*reg)->HasSynced());
    run.Stop();

    auto after = informer->AddEventHandler(keeps.Funcs(), {.name = "too-late"});
    REQUIRE_FALSE(after);
    CHECK(after.error().message ==
          "handler too-late was not added to shared informer because it has stopped already");
  });
}

TEST_CASE("informer: transform runs before the cache and handlers, settable only before Run",
          "[informer][transform]") {
  RunInBubble([] {
    auto cs = bubble::fake::NewClientset(Cm("default", "pod1"), Cm("default", "pod2"));
    auto informer = ConfigMapInformer(*cs);
    REQUIRE(informer->SetTransform([](rt::ObjectPtr obj) -> rt::Result<rt::ObjectPtr> {
      auto copy = obj->Clone();
      std::string& name = copy->metadata.name;
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      return rt::ObjectPtr(std::move(copy));
    }));
    Recorder rec;
    REQUIRE(informer->AddEventHandler(rec.Funcs()));
    Running run(*informer);
    sim::Wait();
    CHECK(rec.lines ==
          std::vector<std::string>{"add default/POD1 initial", "add default/POD2 initial"});
    CHECK(informer->GetStore().ListKeys() ==
          std::vector<std::string>{"default/POD1", "default/POD2"});
    auto again = informer->SetTransform({});
    REQUIRE_FALSE(again);
    CHECK(again.error().message == "informer has already started");
    CHECK(informer->SetWatchErrorHandler({}).error().message == "informer has already started");
    run.Stop();
  });
}

TEST_CASE("informer: the watch error handler hears list failures (TestSharedInformerErrorHandling)",
          "[informer]") {
  RunInBubble([] {
    auto lw = std::make_shared<cache::ListWatch>(
        [](const sim::Context&, const rt::ListOptions&) -> rt::Result<rt::ObjectList> {
          return rt::Err(rt::NewForbidden(rt::ConfigMap::StaticResource().GetGroupResource(), "",
                                          "Access Denied"));
        },
        [](const sim::Context&, const rt::ListOptions&) -> rt::Result<rt::WatchPtr> {
          return rt::Err(rt::NewInternalError("unreachable"));
        });
    cache::SharedIndexInformer informer(lw);
    std::vector<std::string> errors;
    std::vector<sim::Duration> when;
    REQUIRE(informer.SetWatchErrorHandler([&](cache::Reflector&, const rt::Status& err) {
      errors.push_back(err.message);
      when.push_back(Since0());
    }));
    Running run(informer);
    sim::SleepFor(2s);
    REQUIRE(errors.size() >= 2);
    CHECK(errors[0].find("Access Denied") != std::string::npos);
    CHECK(when[0] == 0s);
    CHECK_FALSE(informer.HasSynced());
    // The factory-style wait gives up with the context.
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 3s);
    CHECK_FALSE(cache::WaitFor(ctx, "", {informer.HasSyncedChecker()}));
    CHECK(Since0() == 5s);
    cancel();
    run.Stop();
  });
}

TEST_CASE("factory: one informer per resource, both wait flavours, Shutdown", "[factory]") {
  bubble::testing::RunSeeds({.count = 20}, {}, [](sim::Bubble&) {
    auto cs = bubble::fake::NewClientset(Cm("default", "cm1"));
    cache::InformerFactory factory(*cs);
    cache::SharedIndexInformer& a = factory.InformerFor<rt::ConfigMap>();
    cache::SharedIndexInformer& again = factory.InformerFor<rt::ConfigMap>();
    CHECK(&a == &again);
    CHECK(a.Name() == "SharedIndexInformer *v1.ConfigMap");
    CHECK(a.FiberName() == "informer/configmaps");
    cache::SharedIndexInformer& secrets = factory.InformerFor<rt::Secret>();
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    factory.Start(ctx);
    factory.Start(ctx);  // already started: nothing more
    auto synced = factory.WaitForCacheSync(ctx);
    CHECK(Since0() == 0s);
    REQUIRE(synced.AsError());
    CHECK(synced.synced.size() == 2);
    CHECK(a.HasSynced());
    CHECK(secrets.HasSynced());
    // The polling flavour on synced informers: the first, immediate check succeeds.
    auto polled = factory.WaitForCacheSyncPolling(ctx);
    CHECK(Since0() == 0s);
    CHECK(polled.size() == 2);
    cancel();
    factory.Shutdown();
    CHECK(a.IsStopped());
    CHECK(secrets.IsStopped());
  });
}

TEST_CASE("factory: the polling wait costs 100 ms per unsuccessful check, the channel wait none",
          "[factory][wait]") {
  // A List that takes 250 ms of virtual time: the polling wait checks at 0, 100, 200 and
  // 300 ms and returns at 300 ms; the channel-based wait returns at 250 ms exactly.
  const auto wait = GENERATE(0, 1);
  RunInBubble([wait] {
    auto cs = bubble::fake::NewClientset(Cm("default", "cm1"));
    cache::InformerFactory factory(*cs);
    factory.InformerFor<rt::ConfigMap>([](rt::Clientset& c, sim::Duration) {
      auto client = c.Resource(ConfigMaps(), "");
      auto lw = std::make_shared<cache::ListWatch>(
          [client](const sim::Context& ctx, const rt::ListOptions& o) {
            sim::SleepFor(250ms);
            return client->List(ctx, o);
          },
          [client](const sim::Context& ctx, const rt::ListOptions& o) {
            return client->Watch(ctx, o);
          });
      return std::make_unique<cache::SharedIndexInformer>(lw);
    });
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    factory.Start(ctx);
    if (wait == 0) {
      REQUIRE(factory.WaitForCacheSync(ctx).AsError());
      CHECK(Since0() == 250ms);
    } else {
      auto synced = factory.WaitForCacheSyncPolling(ctx);
      CHECK(synced.begin()->second);
      CHECK(Since0() == 300ms);
    }
    cancel();
    factory.Shutdown();
  });
}

TEST_CASE("factory: WaitForCacheSync reports the informers that did not sync", "[factory]") {
  RunInBubble([] {
    auto cs = bubble::fake::NewClientset();
    cache::InformerFactory factory(*cs);
    factory.InformerFor<rt::ConfigMap>([](rt::Clientset&, sim::Duration) {
      auto lw = std::make_shared<cache::ListWatch>(
          [](const sim::Context&, const rt::ListOptions&) -> rt::Result<rt::ObjectList> {
            return rt::Err(rt::NewInternalError("etcd is down"));
          },
          [](const sim::Context&, const rt::ListOptions&) -> rt::Result<rt::WatchPtr> {
            return rt::Err(rt::NewInternalError("etcd is down"));
          });
      return std::make_unique<cache::SharedIndexInformer>(lw);
    });
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 10s);
    factory.Start(ctx);
    auto synced = factory.WaitForCacheSync(ctx);
    CHECK(Since0() == 10s);
    auto err = synced.AsError();
    REQUIRE_FALSE(err);
    INFO(err.error().message);
    CHECK(err.error().message.starts_with("failed to sync caches for: [v1/configmaps]"));
    cancel();
    factory.Shutdown();
  });
}

TEST_CASE("lister: by namespace, by label selector, NotFound, returns the cached objects",
          "[lister]") {
  RunInBubble([] {
    auto web = [](std::string ns, std::string name) {
      rt::ConfigMap cm(
          {.name = std::move(name), .namespace_ = std::move(ns), .labels = {{"app", "web"}}});
      return cm;
    };
    auto cs = bubble::fake::NewClientset(web("default", "a"), Cm("default", "b"),
                                         web("kube-system", "c"), Cm("kube-system", "d"));
    cache::InformerFactory factory(*cs);
    auto lister = factory.ListerFor<rt::ConfigMap>();
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    factory.Start(ctx);
    REQUIRE(factory.WaitForCacheSync(ctx).AsError());

    auto names = [](const auto& objs) {
      std::vector<std::string> out;
      for (const auto& o : objs) {
        out.push_back(o->metadata.Key());
      }
      return out;
    };
    CHECK(names(lister.List()) ==
          std::vector<std::string>{"default/a", "default/b", "kube-system/c", "kube-system/d"});
    auto selector = rt::LabelSelector::Parse("app=web");
    REQUIRE(selector);
    CHECK(names(lister.List(*selector)) == std::vector<std::string>{"default/a", "kube-system/c"});
    CHECK(names(lister.Namespace("kube-system").List()) ==
          std::vector<std::string>{"kube-system/c", "kube-system/d"});
    CHECK(names(lister.Namespace("default").List(*selector)) ==
          std::vector<std::string>{"default/a"});
    auto got = lister.Namespace("default").Get("b");
    REQUIRE(got);
    // The very object the cache holds: no copy, and immutable by type.
    CHECK(rt::ObjectPtr(*got) ==
          factory.InformerFor<rt::ConfigMap>().GetIndexer().GetByKey("default/b"));
    auto missing = lister.Namespace("default").Get("zzz");
    REQUIRE_FALSE(missing);
    CHECK(rt::IsNotFound(missing.error()));
    CHECK(missing.error().message == "configmaps \"zzz\" not found");
    cancel();
    factory.Shutdown();
  });
}

TEST_CASE("informer: AddIndexers while running indexes the cached objects, refused once stopped",
          "[informer]") {
  RunInBubble([] {
    auto cs =
        bubble::fake::NewClientset(Cm("a", "x", {{"tier", "web"}}), Cm("b", "y", {{"tier", "db"}}),
                                   Cm("c", "z", {{"tier", "web"}}));
    auto informer = ConfigMapInformer(*cs);
    Running run(*informer);
    REQUIRE(cache::WaitFor(run.Ctx(), "", {informer->HasSyncedChecker()}));
    cache::IndexFunc by_tier = [](const rt::Object& obj) -> rt::Result<std::vector<std::string>> {
      const auto& cm = static_cast<const rt::ConfigMap&>(obj);
      auto it = cm.data.find("tier");
      return it == cm.data.end() ? std::vector<std::string>{}
                                 : std::vector<std::string>{it->second};
    };
    REQUIRE(informer->AddIndexers({{"tier", by_tier}}));
    auto web = informer->GetIndexer().IndexKeys("tier", "web");
    REQUIRE(web);
    CHECK(*web == std::vector<std::string>{"a/x", "c/z"});
    auto again = informer->AddIndexers({{"tier", by_tier}});
    REQUIRE_FALSE(again);
    CHECK(again.error().message.starts_with("indexer conflict"));
    run.Stop();
    auto late = informer->AddIndexers({{"other", by_tier}});
    REQUIRE_FALSE(late);
    CHECK(late.error().message == "informer has already stopped");
  });
}
