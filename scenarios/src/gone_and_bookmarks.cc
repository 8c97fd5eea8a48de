// scenarios/src/gone_and_bookmarks.cc
//
// S07 — 410 Gone after compaction, watch timeouts and bookmarks (k8s api-concepts: clients must
// relist on 410; bookmarks make resuming cheap on low-churn resources, KEP-956 /
// kubernetes/enhancements#819; projectcalico/calico#9593: resetting the resourceVersion on benign
// errors defeated bookmarks).
//
// An informer watches the namespace "watched", which holds `objects` ConfigMaps and changes
// rarely. Meanwhile the namespace "busy" of the same resource changes every 10-30 s of virtual
// time: the resource's resourceVersion races ahead of anything the informer hears. The server
// keeps only `history` events (fidelity history=N: a watch from an older resourceVersion gets
// 410 Expired), ends each watch after the timeout the reflector asked for (watch-timeouts, 300-600
// s), and sends a BOOKMARK with the current resourceVersion when a watch opens and before a
// timeout ends it (bookmarks). For 15 minutes the test writes: mostly in "busy", now and then
// (1 in 20) a watched object. A reflector that resumes from the bookmark's resourceVersion never
// needs to relist; one that resumes from the last event it saw is 410 Gone and relists.
//
// Invariants, after the 15 minutes with every fiber blocked:
//  - bounded-relists: the informer listed once (bookmarks kept every resume inside the history).
//  - no-event-loss: the informer's cache holds the server's watched objects with their data.
//  - no-duplicate-adds: the handler heard one add per object and no update whose old and new
//    objects are the same version (the informer does not resync).
//
// Planted bugs (in the ListWatch the informer is given, the code a controller often writes itself):
//  - drop-bookmarks: the ListWatch builds its own watch options from the resourceVersion and the
//    timeout and forgets allowWatchBookmarks: no bookmark ever advances the resourceVersion, every
//    resume after a timeout is 410 Gone, and the informer relists.
//  - stale-rv-rewatch: the ListWatch remembers the resourceVersion of its first list and watches
//    from it forever, whatever the reflector asks: once that version is compacted away every watch
//    is 410 Gone, the informer relists again and again, and every relist re-delivers the
//    unchanged objects.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/logger.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/cache/list_watch.h>
#include <bubble/runtime/config_map.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>

#include "catalogue.h"
#include "informer_common.h"

namespace bubble::scenarios {

namespace {

namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;

constexpr char kWatched[] = "watched";
constexpr char kBusy[] = "busy";
constexpr auto kDuration = std::chrono::minutes(15);

struct State {
  std::shared_ptr<fake::Clientset> cs;
  cache::FifoKind fifo = cache::FifoKind::kReal;
  bool drop_bookmarks = false;
  bool stale_rv = false;
  int lists = 0;
  int watches = 0;
  std::string first_list_rv;
  // What the handler heard.
  std::map<std::string, int> adds;
  int same_version_updates = 0;
  std::string first_duplicate;
};

// The ListWatch a controller writes by hand around the client (with the planted bugs).
cache::ListerWatcherPtr MakeListWatch(State& s) {
  cache::ListerWatcherPtr inner =
      cache::ListWatchFromClient(*s.cs, rt::ConfigMap::StaticResource(), kWatched);
  return std::make_shared<cache::ListWatch>(
      [&s, inner](const sim::Context& ctx, const rt::ListOptions& opts) {
        ++s.lists;
        rt::Result<rt::ObjectList> list = inner->List(ctx, opts);
        if (list && s.first_list_rv.empty()) {
          s.first_list_rv = list->metadata.resource_version;
        }
        sim::Log().info("\"List\" n={} resourceVersion={} listedResourceVersion={}", s.lists,
                        opts.resource_version,
                        list ? list->metadata.resource_version : std::string("(error)"));
        return list;
      },
      [&s, inner](const sim::Context& ctx, const rt::ListOptions& opts) {
        ++s.watches;
        rt::ListOptions o = opts;
        if (s.drop_bookmarks) {
          o = rt::ListOptions{.resource_version = opts.resource_version,
                              .timeout_seconds = opts.timeout_seconds,
                              .watch = opts.watch};
        }
        if (s.stale_rv && !s.first_list_rv.empty()) {
          o.resource_version = s.first_list_rv;
        }
        sim::Log().info("\"Watch\" n={} resourceVersion={} allowWatchBookmarks={}", s.watches,
                        o.resource_version, o.allow_watch_bookmarks);
        return inner->Watch(ctx, o);
      });
}

void Check(State& s, cache::SharedIndexInformer& informer) {
  if (s.lists != 1) {
    sim::Fail(fmt::format(
        "invariant bounded-relists violated: the informer listed {} times over {} watches, want "
        "1 (bookmarks should keep every resume inside the server's history)",
        s.lists, s.watches));
  }
  auto listed = s.cs->ConfigMaps(kWatched).List();
  if (!listed) {
    sim::Fail(fmt::format("list configmaps: {}", listed.error().message));
  }
  std::vector<std::string> server;
  for (const auto& cm : listed->items) {
    server.push_back(cm->metadata.Key());
    const rt::ObjectPtr got = informer.GetStore().GetByKey(cm->metadata.Key());
    const auto typed = rt::As<rt::ConfigMap>(got);
    if (!typed || (*typed)->data != cm->data) {
      sim::Fail(fmt::format(
          "invariant no-event-loss violated: {} is {} on the server but {} in the informer's "
          "cache",
          cm->metadata.Key(), cm->Summary(), got ? got->Summary() : std::string("missing")));
    }
  }
  const std::vector<std::string> cached = informer.GetStore().ListKeys();
  if (cached != server) {
    sim::Fail(fmt::format(
        "invariant no-event-loss violated: the server holds [{}] but the informer's cache holds "
        "[{}]",
        fmt::join(server, ", "), fmt::join(cached, ", ")));
  }
  for (const std::string& key : server) {
    const int heard = s.adds.contains(key) ? s.adds.at(key) : 0;
    if (heard != 1) {
      sim::Fail(fmt::format(
          "invariant no-duplicate-adds violated: the handler heard {} adds for {}, want 1", heard,
          key));
    }
  }
  if (s.same_version_updates != 0) {
    sim::Fail(fmt::format(
        "invariant no-duplicate-adds violated: the handler heard {} updates of unchanged objects "
        "(first: {}) although the informer does not resync",
        s.same_version_updates, s.first_duplicate));
  }
}

void Run(State& s) {
  cache::InformerFactory factory(*s.cs, {.namespace_ = kWatched, .fifo = s.fifo});
  cache::SharedIndexInformer& informer =
      factory.InformerFor<rt::ConfigMap>([&s](rt::Clientset&, sim::Duration resync) {
        return std::make_unique<cache::SharedIndexInformer>(
            MakeListWatch(s), cache::SharedIndexInformerOptions{
                                  .expected_kind = rt::ConfigMap::StaticKind(),
                                  .resync_period = resync,
                                  .fifo = s.fifo,
                                  .use_watch_list = false,
                              });
      });
  auto handle = informer.AddEventHandler(cache::ResourceEventHandlerFuncs{
      .add = [&s](const rt::ObjectPtr& obj, bool) { ++s.adds[obj->metadata.Key()]; },
      .update =
          [&s](const rt::ObjectPtr& old_obj, const rt::ObjectPtr& obj) {
            if (old_obj->metadata.resource_version == obj->metadata.resource_version) {
              if (s.same_version_updates++ == 0) {
                s.first_duplicate = fmt::format("{} at resourceVersion {}", obj->metadata.Key(),
                                                obj->metadata.resource_version);
              }
            }
          },
  });
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  factory.Start(ctx);
  (void)factory.WaitForCacheSync(ctx);
  sim::Log().info("\"Caches synced\" objects={} resourceVersion={}", informer.GetStore().size(),
                  informer.LastSyncResourceVersion());

  auto busy = s.cs->ConfigMaps(kBusy);
  auto watched = s.cs->ConfigMaps(kWatched);
  const std::size_t objects = informer.GetStore().size();
  const sim::TimePoint end = sim::Now() + kDuration;
  for (int i = 1;; ++i) {
    sim::SleepFor(sim::Rand().UniformDuration(std::chrono::seconds(10), std::chrono::seconds(30)));
    if (sim::Now() >= end) {
      break;
    }
    const bool rare = sim::Rand().Uniform(20) == 0;
    const std::string name =
        rare ? fmt::format("cm{}", 1 + sim::Rand().Uniform(objects)) : std::string("noise");
    auto client = rare ? watched : busy;
    auto u = client.Update(rt::ConfigMap({.name = name, .namespace_ = rare ? kWatched : kBusy},
                                         {{"write", std::to_string(i)}}));
    if (!u) {
      sim::Fail(fmt::format("update {}: {}", name, u.error().message));
    }
    if (rare) {
      sim::Log().info("\"Updated watched object\" name={} resourceVersion={}", name,
                      (*u)->metadata.resource_version);
    }
  }
  sim::Wait();
  Check(s, informer);
  sim::Log().info("\"Cache matches the server\" lists={} watches={} lastSyncResourceVersion={}",
                  s.lists, s.watches, informer.LastSyncResourceVersion());
  informer.RemoveEventHandler(*handle);
  cancel();
  factory.Shutdown();
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->fifo = detail::FifoOf(ctx);
  s->drop_bookmarks = ctx.Bug("drop-bookmarks");
  s->stale_rv = ctx.Bug("stale-rv-rewatch");
  fake::Options server;
  server.fidelity.history_limit = static_cast<std::size_t>(ctx.IntOption("history"));
  s->cs = std::make_shared<fake::Clientset>(std::move(server));
  const int objects = static_cast<int>(ctx.IntOption("objects"));
  detail::SeedConfigMaps(*s->cs, kWatched, objects, {{"write", "0"}});
  auto noise = s->cs->GetTracker().Add(
      rt::ConfigMap({.name = "noise", .namespace_ = kBusy}, {{"write", "0"}}));
  if (!noise) {
    throw ConfigError(noise.error().message);
  }
  return [s] { Run(*s); };
}

}  // namespace

Scenario GoneAndBookmarksScenario() {
  Scenario s;
  s.name = "gone-and-bookmarks";
  s.catalogue = "S07";
  s.description =
      "a low-churn informer resumes after watch timeouts from bookmarks, inside a short history, "
      "without relisting";
  s.options = {
      detail::FifoOption(),
      {.key = "objects",
       .default_value = "3",
       .description = "ConfigMaps in the watched namespace",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 10}},
      {.key = "history",
       .default_value = "5",
       .description = "events the server keeps (fidelity history=N)",
       .int_range = std::pair<std::int64_t, std::int64_t>{2, 10}},
  };
  s.bugs = {
      {.name = "drop-bookmarks",
       .description = "the hand-written ListWatch forgets allowWatchBookmarks: every resume after "
                      "a timeout is 410 Gone and relists",
       .seed_budget = 5},
      {.name = "stale-rv-rewatch",
       .description = "the hand-written ListWatch watches from its first list's resourceVersion "
                      "forever: 410 Gone and a relist on every watch",
       .seed_budget = 5},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
