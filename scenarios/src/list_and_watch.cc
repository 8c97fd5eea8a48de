// scenarios/src/list_and_watch.cc
//
// S03 — the List->Watch gap at informer start, and "wait for sync, then write" (the seed of the
// project: client-go's fix for the fake client, kubernetes#135959, and its follow-up for empty
// collections, #136143).
//
// An informer starts over a fake API server holding `initial` ConfigMaps. The test waits for the
// cache to sync and at once creates one more ConfigMap. Nothing orders that create against the
// reflector's Watch: the strategy decides whether it lands before the Watch registers (the
// object then reaches the informer only through the Watch's replay of what happened after the
// listed resourceVersion) or after (a live event). Unlike the faithful port of TestListAndWatch
// (fake/test/list_and_watch_test.cc), which forces the first order, this scenario explores both.
//
// Invariant, once every fiber is blocked (sim::Wait):
//  - no-lost-object: the informer's cache holds exactly the objects the server holds, and the
//    handler heard one add per object and nothing else.
//
// Planted bugs (the fake's own, fake/options.h):
//  - legacy-watch: a Watch replays nothing (the fake before #135959): the object is lost on the
//    seeds where the create beats the Watch.
//  - seed-empty-rv: a never-written collection lists with resourceVersion "" and a Watch from ""
//    replays nothing (the gap #136143 closed). It only exists for an empty collection, so with
//    this bug the scenario starts with no objects whatever `initial` says.
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/logger.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/config_map.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>

#include "catalogue.h"
#include "informer_common.h"

namespace bubble::scenarios {

namespace {

namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;

constexpr char kNamespace[] = "default";

struct State {
  std::shared_ptr<fake::Clientset> cs;
  cache::FifoKind fifo = cache::FifoKind::kReal;
  bool polling = false;
  std::map<std::string, int> adds;  // key -> adds heard
  int updates = 0;
  int deletes = 0;
};

void Check(State& s, cache::SharedIndexInformer& informer) {
  auto listed = s.cs->ConfigMaps("").List();
  if (!listed) {
    sim::Fail(fmt::format("list configmaps: {}", listed.error().message));
  }
  std::vector<std::string> server;
  for (const auto& cm : listed->items) {
    server.push_back(cm->metadata.Key());
  }
  const std::vector<std::string> cached = informer.GetStore().ListKeys();
  if (cached != server) {
    sim::Fail(
        fmt::format("invariant no-lost-object violated: the server holds [{}] but the "
                    "informer's cache holds [{}]",
                    fmt::join(server, ", "), fmt::join(cached, ", ")));
  }
  for (const std::string& key : server) {
    const int heard = s.adds.contains(key) ? s.adds.at(key) : 0;
    if (heard != 1) {
      sim::Fail(
          fmt::format("invariant no-lost-object violated: the handler heard {} adds for {}, want 1",
                      heard, key));
    }
  }
  if (s.updates != 0 || s.deletes != 0) {
    sim::Fail(
        fmt::format("invariant no-lost-object violated: the handler heard {} updates and "
                    "{} deletes, want none",
                    s.updates, s.deletes));
  }
}

void Run(State& s) {
  cache::InformerFactory factory(*s.cs, {.fifo = s.fifo});
  cache::SharedIndexInformer& informer = factory.InformerFor<rt::ConfigMap>();
  auto handle = informer.AddEventHandler(cache::ResourceEventHandlerFuncs{
      .add = [&s](const rt::ObjectPtr& obj, bool) { ++s.adds[obj->metadata.Key()]; },
      .update = [&s](const rt::ObjectPtr&, const rt::ObjectPtr&) { ++s.updates; },
      .del = [&s](const cache::DeltaObject&) { ++s.deletes; },
  });
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  factory.Start(ctx);
  if (s.polling) {
    (void)factory.WaitForCacheSyncPolling(ctx);
  } else {
    (void)factory.WaitForCacheSync(ctx);
  }
  sim::Log().info("\"Caches synced\" objects={}", informer.GetStore().size());

  auto created =
      s.cs->ConfigMaps(kNamespace)
          .Create(rt::ConfigMap({.name = "created-after-sync", .namespace_ = kNamespace}));
  if (!created) {
    sim::Fail(fmt::format("create: {}", created.error().message));
  }
  sim::Log().info("\"Created ConfigMap\" name={}", (*created)->metadata.Key());

  sim::Wait();
  Check(s, informer);
  sim::Log().info("\"Cache matches the server\" objects={} lastSyncResourceVersion={}",
                  informer.GetStore().size(), informer.LastSyncResourceVersion());
  informer.RemoveEventHandler(*handle);
  cancel();
  factory.Shutdown();
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->fifo = detail::FifoOf(ctx);
  s->polling = ctx.Option("wait") == "polling";
  // client-go's fake tracker: the gap between an informer's List and its Watch, and the fake's
  // own planted bugs in it, are this scenario's point (a real server streams by watch-list).
  fake::Options server = fake::Options::ClientGoFake();
  for (const std::string& bug : ctx.Bugs()) {
    if (auto ok = server.bugs.Enable(bug); !ok) {
      throw ConfigError(ok.error().message);
    }
  }
  const int initial = ctx.Bug("seed-empty-rv") ? 0 : static_cast<int>(ctx.IntOption("initial"));
  s->cs = std::make_shared<fake::Clientset>(std::move(server));
  detail::SeedConfigMaps(*s->cs, kNamespace, initial);
  return [s] { Run(*s); };
}

}  // namespace

Scenario ListAndWatchScenario() {
  Scenario s;
  s.name = "list-and-watch";
  s.catalogue = "S03";
  s.description =
      "an object created right after the informer synced must reach its cache (the seed's race)";
  s.options = {
      detail::FifoOption(),
      {.key = "wait",
       .default_value = "channel",
       .description = "wait for sync: channel (no virtual time) or polling (100 ms steps)",
       .allowed = {"channel", "polling"}},
      {.key = "initial",
       .default_value = "1",
       .description = "ConfigMaps on the server before the informer starts",
       .int_range = std::pair<std::int64_t, std::int64_t>{0, 20}},
  };
  s.bugs = {
      {.name = "legacy-watch",
       .description = "the fake before the List+Watch fix: a Watch replays nothing, so an object "
                      "created between List and Watch is lost",
       .seed_budget = 40},
      {.name = "seed-empty-rv",
       .description = "an empty collection lists with resourceVersion \"\" and a Watch from \"\" "
                      "replays nothing (starts with no objects)",
       .seed_budget = 30},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
