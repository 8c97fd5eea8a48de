// The controller helper (runtime/controller, docs/semantics.md §7.5) over the fake API server: keys
// from informer handlers, the worker contract, rate-limited retries and requeue-after on the
// virtual clock, tombstones unwrapped, one worker per key, and start/stop with a Context.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/controller/controller.h>
#include <bubble/runtime/quiescence.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>
#include <bubble/testing/testing.h>

#include "test_util.h"

namespace cache = bubble::runtime::cache;
namespace ctrl = bubble::runtime::controller;
using namespace bubble::fake::testing;
using namespace std::chrono_literals;

namespace {

std::string At() {
  return sim::FormatDuration(sim::Now() - sim::Clock::Epoch());
}

// A controller over ConfigMaps, run in its own fiber until Stop().
struct Harness {
  std::shared_ptr<bubble::fake::Clientset> cs;
  cache::InformerFactory factory;
  ctrl::Controller controller;
  std::pair<sim::Context, sim::CancelFunc> cancel = sim::WithCancel(sim::Context::Background());
  sim::WaitGroup wg{"controller"};
  bool ran = false;

  Harness(std::shared_ptr<bubble::fake::Clientset> client, ctrl::ControllerOptions options,
          ctrl::ReconcileFunc reconcile)
      : cs(std::move(client)), factory(*cs), controller(std::move(options), std::move(reconcile)) {
    REQUIRE(controller.Watch(factory.InformerFor<rt::ConfigMap>()));
    factory.Start(cancel.first);
    wg.Go("run", [this] { ran = controller.Run(cancel.first); });
  }

  void Stop() {
    cancel.second();
    wg.Wait();
    factory.Shutdown();
  }
};

}  // namespace

TEST_CASE("controller: reconciles every key after the caches sync, and again on change",
          "[controller]") {
  bubble::testing::RunSeeds({.count = 30}, {}, [](sim::Bubble&) {
    auto cs = bubble::fake::NewClientset(Cm("default", "a"), Cm("default", "b"));
    std::vector<std::string> seen;
    Harness h(
        cs, {.name = "mirror", .workers = 2},
        [&](const sim::Context&, const std::string& key) -> rt::Result<ctrl::ReconcileResult> {
          seen.push_back(key);
          return ctrl::ReconcileResult::Done();
        });
    sim::Wait();
    std::multiset<std::string> first(seen.begin(), seen.end());
    CHECK(first == std::multiset<std::string>{"default/a", "default/b"});
    REQUIRE(cs->ConfigMaps("default").Update(Cm("default", "a", {{"k", "v"}})));
    REQUIRE(cs->ConfigMaps("default").Delete("b"));
    sim::Wait();
    std::multiset<std::string> all(seen.begin(), seen.end());
    CHECK(all.count("default/a") == 2);
    CHECK(all.count("default/b") == 2);  // the delete enqueues the key too
    CHECK(h.controller.Stats().reconciles == 4);
    h.Stop();
    CHECK(h.ran);
  });
}

TEST_CASE("controller: an error requeues with the rate limiter's delays on the virtual clock",
          "[controller][retry]") {
  RunInBubble([] {
    auto cs = bubble::fake::NewClientset(Cm("default", "flaky"));
    std::vector<std::string> calls;
    Harness h(cs, {.name = "retry"},
              [&](const sim::Context&, const std::string&) -> rt::Result<ctrl::ReconcileResult> {
                calls.push_back(At());
                if (calls.size() <= 4) {
                  return rt::Err(rt::NewInternalError("not yet"));
                }
                return ctrl::ReconcileResult::Done();
              });
    sim::SleepFor(1s);
    // DefaultControllerRateLimiter: 5 ms, 10 ms, 20 ms, 40 ms after each failure.
    CHECK(calls == std::vector<std::string>{"0s", "5ms", "15ms", "35ms", "75ms"});
    CHECK(h.controller.Stats().errors == 4);
    CHECK(h.controller.Queue().NumRequeues("default/flaky") == 0);  // forgotten on success
    h.Stop();
  });
}

TEST_CASE("controller: max_retries drops a key that keeps failing", "[controller][retry]") {
  RunInBubble([] {
    auto cs = bubble::fake::NewClientset(Cm("default", "broken"));
    int calls = 0;
    Harness h(cs, {.name = "drop", .max_retries = 5},
              [&](const sim::Context&, const std::string&) -> rt::Result<ctrl::ReconcileResult> {
                ++calls;
                return rt::Err(rt::NewInternalError("always"));
              });
    sim::SleepFor(1h);
    CHECK(calls == 6);  // the first try and 5 retries
    CHECK(h.controller.Stats().dropped == 1);
    CHECK(h.controller.Queue().Len() == 0);
    h.Stop();
  });
}

TEST_CASE("controller: RequeueAfter reconciles the key again after that much virtual time",
          "[controller]") {
  RunInBubble([] {
    auto cs = bubble::fake::NewClientset(Cm("default", "periodic"));
    std::vector<std::string> calls;
    Harness h(cs, {.name = "periodic"},
              [&](const sim::Context&, const std::string&) -> rt::Result<ctrl::ReconcileResult> {
                calls.push_back(At());
                return ctrl::ReconcileResult::RequeueAfter(30s);
              });
    sim::SleepFor(100s);
    CHECK(calls == std::vector<std::string>{"0s", "30s", "60s", "90s"});
    CHECK(h.controller.Stats().requeues_after == 4);
    h.Stop();
  });
}

TEST_CASE("controller: one key is never reconciled by two workers at once", "[controller]") {
  bubble::testing::RunSeeds({.count = 30}, {}, [](sim::Bubble&) {
    auto cs = bubble::fake::NewClientset();
    std::map<std::string, int> active;
    int max_parallel = 0;
    int parallel = 0;
    Harness h(
        cs, {.name = "busy", .workers = 4},
        [&](const sim::Context&, const std::string& key) -> rt::Result<ctrl::ReconcileResult> {
          CHECK(++active[key] == 1);
          max_parallel = std::max(max_parallel, ++parallel);
          sim::SleepFor(sim::Rand().UniformDuration(1ms, 20ms));
          --active[key];
          --parallel;
          return ctrl::ReconcileResult::Done();
        });
    auto cms = cs->ConfigMaps("default");
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 10; ++i) {
        rt::ConfigMap cm({.name = fmt::format("cm{}", i), .namespace_ = "default"},
                         {{"round", std::to_string(round)}});
        REQUIRE((round == 0 ? cms.Create(cm) : cms.Update(cm)));
      }
      sim::SleepFor(5ms);
    }
    sim::SleepFor(1s);
    CHECK(max_parallel > 1);   // the workers did run in parallel
    CHECK(max_parallel <= 4);  // never more than the workers
    h.Stop();
  });
}

TEST_CASE("controller: Run gives up when the context ends before the caches sync", "[controller]") {
  RunInBubble([] {
    // Informers list, then watch (no watch-list stream), so the failing List keeps them unsynced.
    bubble::fake::Options server;
    server.fidelity.watch_list = false;
    auto cs = bubble::fake::NewClientset(server);
    cs->PrependReactor("list", "configmaps", [](bubble::fake::Action&) {
      return bubble::fake::Reaction::Failed(rt::NewInternalError("etcd is down"));
    });
    cache::InformerFactory factory(*cs);
    ctrl::Controller c(
        {.name = "never"},
        [](const sim::Context&, const std::string&) -> rt::Result<ctrl::ReconcileResult> {
          return ctrl::ReconcileResult::Done();
        });
    REQUIRE(c.Watch(factory.InformerFor<rt::ConfigMap>()));
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 10s);
    factory.Start(ctx);
    CHECK_FALSE(c.Run(ctx));
    CHECK(c.Stats().reconciles == 0);
    cancel();
    factory.Shutdown();
  });
}

TEST_CASE("controller: misuse is reported with the fix", "[controller]") {
  auto reconcile = [](const sim::Context&,
                      const std::string&) -> rt::Result<ctrl::ReconcileResult> {
    return ctrl::ReconcileResult::Done();
  };
  CHECK_THROWS_WITH(ctrl::Controller({.name = "outside"}, reconcile),
                    Catch::Contains("controller outside: construct it on a fiber"));
  RunInBubble([&] {
    CHECK_THROWS_WITH(ctrl::Controller({.name = "lazy", .workers = 0}, reconcile),
                      Catch::Contains("controller lazy: workers is 0; use at least 1"));
    CHECK_THROWS_WITH(ctrl::Controller({.name = "empty"}, {}),
                      Catch::Contains("controller empty: the reconcile function is empty"));
  });
}

TEST_CASE("controller: workers start only after an added event handler heard the initial list",
          "[controller][handlers]") {
  bubble::testing::RunSeeds({.count = 20}, {}, [](sim::Bubble&) {
    auto cs =
        bubble::fake::NewClientset(Cm("default", "a"), Cm("default", "b"), Cm("default", "c"));
    cache::InformerFactory factory(*cs);
    // The handler's side effect, which reconcile relies on: a slow index of what exists.
    std::set<std::string> index;
    std::vector<std::size_t> index_size_at_reconcile;
    ctrl::Controller c(
        {.name = "indexed", .workers = 2},
        [&](const sim::Context&, const std::string&) -> rt::Result<ctrl::ReconcileResult> {
          index_size_at_reconcile.push_back(index.size());
          return ctrl::ReconcileResult::Done();
        });
    auto& informer = factory.InformerFor<rt::ConfigMap>();
    REQUIRE(c.Watch(informer));
    auto reg = c.AddEventHandler(informer, {.add = [&](const rt::ObjectPtr& obj, bool) {
                                   sim::SleepFor(1s);  // slower than Watch's handler
                                   index.insert(obj->metadata.Key());
                                 }});
    REQUIRE(reg);
    CHECK((*reg)->Name() == "indexed/handler-1");
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    factory.Start(ctx);
    sim::WaitGroup wg("controller");
    wg.Go("run", [&, ctx = ctx] { c.Run(ctx); });
    sim::SleepFor(10s);
    CHECK((*reg)->HasSynced());
    // Every reconcile ran after the handler had indexed all three objects.
    CHECK(index_size_at_reconcile == std::vector<std::size_t>{3, 3, 3});
    // Once running, a handler can no longer be added (Run would not wait for it).
    auto late = c.AddEventHandler(informer, {});
    REQUIRE_FALSE(late);
    CHECK_THAT(late.error().message, Catch::Contains("controller indexed is already running"));
    cancel();
    wg.Wait();
    factory.Shutdown();
  });
}

TEST_CASE("controller: AwaitIdle waits for the informer and the workqueue to settle",
          "[controller][quiescence]") {
  bubble::testing::RunSeeds({.count = 20}, {}, [](sim::Bubble&) {
    auto cs = bubble::fake::NewClientset(Cm("default", "a"));
    int reconciles = 0;
    Harness h(cs, {.name = "slow", .workers = 1},
              [&](const sim::Context&, const std::string&) -> rt::Result<ctrl::ReconcileResult> {
                sim::SleepFor(5s);
                ++reconciles;
                return ctrl::ReconcileResult::Done();
              });
    auto& informer = h.factory.InformerFor<rt::ConfigMap>();
    for (int i = 0; i < 3; ++i) {
      REQUIRE(cs->ConfigMaps("default").Create(Cm("default", fmt::format("n{}", i))));
    }
    CHECK(bubble::runtime::AwaitIdle({}, informer, h.controller.Queue()));
    CHECK(reconciles == 4);  // a and the three created, each reconciled (5 s apiece) once
    CHECK(informer.Idle());
    CHECK(h.controller.Queue().Idle());
    h.Stop();
  });
}
