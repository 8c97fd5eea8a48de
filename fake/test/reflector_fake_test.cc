// The runtime's Reflector (docs/semantics.md §3) over the fake clientset: what it asks the fake
// for, the fake's traps it walks into (§1.10), and how it rides out the fake's injected faults and
// server-side watch ends. Lives here because runtime must not depend on fake.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <spdlog/logger.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/list_watch.h>
#include <bubble/runtime/cache/reflector.h>
#include <bubble/runtime/config_map.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>
#include <bubble/sim/rng.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "test_util.h"

namespace fake = bubble::fake;
namespace cache = bubble::runtime::cache;
using namespace fake::testing;
using namespace std::chrono_literals;

namespace {

sim::Duration Since0() {
  return sim::Now() - sim::Clock::Epoch();
}

// Records what the reflector writes, one line per call: "Add default/cm2@3".
class RecordingStore final : public cache::ReflectorStore {
 public:
  std::vector<std::string> calls;

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

  rt::Result<void> Resync() override { return rt::Ok(); }

  static std::string Describe(const rt::ObjectPtr& o) {
    return o->metadata.Key() + "@" + o->metadata.resource_version;
  }
};

// Runs reflector.Run(ctx) in a fiber named "reflector" until Stop().
class Running {
 public:
  explicit Running(cache::Reflector& reflector)
      : cancel_(sim::WithCancel(sim::Context::Background())) {
    wg_.Go("reflector", [this, &reflector] { reflector.Run(cancel_.first); });
  }

  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;

  void Stop() {
    cancel_.second();
    wg_.Wait();
  }

 private:
  std::pair<sim::Context, sim::CancelFunc> cancel_;
  sim::WaitGroup wg_{"reflector"};
};

// Runs `body` as the main fiber of a fresh bubble, twice: both runs pass with one fingerprint.
void RunScenarioTwice(std::uint64_t seed, const std::function<void()>& body) {
  std::optional<std::uint64_t> fingerprint;
  for (int run = 0; run < 2; ++run) {
    sim::Bubble b({.seed = seed, .log_level = sim::LogLevel::kOff});
    const sim::RunResult r = b.Run([&] { body(); });
    INFO(r.report);
    REQUIRE(r.Passed());
    if (fingerprint) {
      CHECK(r.fingerprint == *fingerprint);
    }
    fingerprint = r.fingerprint;
  }
}

// client-go's fake with only `switches` on: each test names the server behaviour it is about.
fake::Options With(std::initializer_list<std::string_view> switches) {
  fake::Options opts = fake::Options::ClientGoFake();
  for (const std::string_view s : switches) {
    REQUIRE(opts.fidelity.Enable(s).has_value());
  }
  return opts;
}

// The verbs and resourceVersions the fake saw: "list rv=0", "watch rv=2".
std::vector<std::string> Calls(const fake::Clientset& cs) {
  std::vector<std::string> out;
  for (const fake::Action& a : cs.Actions()) {
    if (a.verb == "list" || a.verb == "watch") {
      out.push_back(fmt::format("{} rv={}", a.verb, a.list_options.resource_version));
    }
  }
  return out;
}

// Wraps a ListerWatcher and records each call with its virtual start time and outcome:
// "1.2s watch rv=2 -> 429" (injected faults never reach the fake's action log).
class Recorded final : public cache::ListerWatcher {
 public:
  explicit Recorded(cache::ListerWatcherPtr inner) : inner_(std::move(inner)) {}

  rt::Result<rt::ObjectList> List(const sim::Context& ctx, const rt::ListOptions& opts) override {
    const sim::Duration at = Since0();
    auto r = inner_->List(ctx, opts);
    Record(at, "list", opts, r ? 0 : r.error().code);
    return r;
  }

  rt::Result<rt::WatchPtr> Watch(const sim::Context& ctx, const rt::ListOptions& opts) override {
    const sim::Duration at = Since0();
    auto r = inner_->Watch(ctx, opts);
    Record(at, "watch", opts, r ? 0 : r.error().code);
    return r;
  }

  bool SupportsWatchList() const override { return inner_->SupportsWatchList(); }

  std::vector<std::string> calls;

 private:
  void Record(sim::Duration at, std::string_view verb, const rt::ListOptions& opts, int code) {
    calls.push_back(fmt::format("{} {} rv={} -> {}", sim::FormatDuration(at), verb,
                                opts.resource_version, code == 0 ? "ok" : std::to_string(code)));
  }

  cache::ListerWatcherPtr inner_;
};

cache::ReflectorOptions Options() {
  cache::ReflectorOptions o;
  o.name = "configmaps";
  o.expected_kind = rt::ConfigMap::StaticKind();
  return o;
}

}  // namespace

TEST_CASE(
    "over client-go's fake: list from '0' in pages of 500, watch from the listed version, "
    "objects without a version empty the last synced version (docs/semantics.md §1.10.1)",
    "[fake][runtime][reflector]") {
  RunScenarioTwice(1, [] {
    sim::Rng predicted = sim::Rand();
    // client-go's fake: no WatchList, no stamped versions (the trap this test is about).
    auto cs = fake::NewClientset(fake::Options::ClientGoFake(), Cm("default", "cm1"));
    auto lw = cache::ListWatchFromClient(*cs, ConfigMaps(), "");
    CHECK_FALSE(lw->SupportsWatchList());  // the fake opts out of WatchList (§1.8)
    RecordingStore store;
    cache::Reflector reflector(lw, store, Options());
    CHECK_FALSE(reflector.UsesWatchList());
    Running running(reflector);
    sim::Wait();

    const std::vector<fake::Action> actions = cs->Actions();
    REQUIRE(actions.size() == 2);
    CHECK(actions[0].verb == "list");
    CHECK(actions[0].list_options.resource_version == "0");
    CHECK(actions[0].list_options.limit == 500);
    CHECK(actions[1].verb == "watch");
    CHECK(actions[1].list_options.resource_version == "2");
    CHECK(actions[1].list_options.allow_watch_bookmarks);
    CHECK(actions[1].list_options.timeout_seconds ==
          static_cast<std::int64_t>(300 * (predicted.Double() + 1.0)));
    CHECK(store.calls == std::vector<std::string>{"Replace [default/cm1@] rv=2"});
    CHECK(reflector.LastSyncResourceVersion() == "2");

    REQUIRE(cs->ConfigMaps("default").Create(Cm("default", "cm2")).has_value());
    sim::Wait();
    CHECK(store.calls.back() == "Add default/cm2@");
    CHECK(reflector.LastSyncResourceVersion().empty());  // the trap: the event carried ""
    running.Stop();
    CHECK(cs->GetTracker().WatchCount(ConfigMaps()) == 0);  // Run stopped its watch
  });
}

TEST_CASE("over the fake with stamped versions: the last synced version follows the events",
          "[fake][runtime][reflector]") {
  RunScenarioTwice(2, [] {
    auto cs = fake::NewClientset(With({"stamp-rv"}), Cm("default", "cm1"));
    RecordingStore store;
    cache::Reflector reflector(cache::ListWatchFromClient(*cs, ConfigMaps(), ""), store, Options());
    Running running(reflector);
    sim::Wait();
    auto cms = cs->ConfigMaps("default");
    REQUIRE(cms.Create(Cm("default", "cm2")).has_value());
    REQUIRE(cms.Update(Cm("default", "cm2", {{"k", "v"}})).has_value());
    REQUIRE(cms.Delete("cm1").has_value());
    sim::Wait();
    CHECK(store.calls == std::vector<std::string>{"Replace [default/cm1@2] rv=2",
                                                  "Add default/cm2@3", "Update default/cm2@4",
                                                  "Delete default/cm1@2"});
    CHECK(reflector.LastSyncResourceVersion() == "2");  // the DELETED event's object: cm1@2
    running.Stop();
  });
}

TEST_CASE(
    "over the fake: a watch that times out (after its bookmark) is re-opened from the "
    "bookmark's version at that exact instant, without a relist",
    "[fake][runtime][reflector]") {
  RunScenarioTwice(3, [] {
    sim::Rng predicted = sim::Rand();
    auto cs =
        fake::NewClientset(With({"stamp-rv", "watch-timeouts", "bookmarks"}), Cm("default", "cm1"));
    std::vector<sim::Duration> watch_times;
    cs->PrependWatchReactor("configmaps", [&](fake::Action&) {
      watch_times.push_back(Since0());
      return fake::WatchReaction::Unhandled();
    });
    RecordingStore store;
    cache::Reflector reflector(cache::ListWatchFromClient(*cs, ConfigMaps(), ""), store, Options());
    Running running(reflector);
    const auto t1 = sim::Duration(
        std::chrono::seconds(static_cast<std::int64_t>(300 * (predicted.Double() + 1.0))));
    const auto t2 = sim::Duration(
        std::chrono::seconds(static_cast<std::int64_t>(300 * (predicted.Double() + 1.0))));
    sim::SleepFor(10s);
    REQUIRE(cs->ConfigMaps("default").Create(Cm("default", "cm2")).has_value());  // rv 3
    sim::SleepFor(t1 + t2 - 10s + 1s);
    CHECK(watch_times == std::vector<sim::Duration>{0s, t1, t1 + t2});
    CHECK(Calls(*cs) ==
          std::vector<std::string>{"list rv=0", "watch rv=2", "watch rv=3", "watch rv=3"});
    CHECK(store.calls ==
          std::vector<std::string>{"Replace [default/cm1@2] rv=2", "Add default/cm2@3"});
    running.Stop();
  });
}

TEST_CASE(
    "over the fake: a watch refused with 429 backs off and watches again, one refused with "
    "410 relists from the last synced version",
    "[fake][runtime][reflector]") {
  RunScenarioTwice(4, [] {
    sim::Rng predicted = sim::Rand();
    fake::Options opts = With({"stamp-rv"});
    opts.faults.errors.push_back({.verb = "watch",
                                  .resource = "configmaps",
                                  .probability = 1,
                                  .error = rt::NewTooManyRequests("slow down", 1)});
    auto cs = fake::NewClientset(opts, Cm("default", "cm1"));
    auto lw = std::make_shared<Recorded>(cache::ListWatchFromClient(*cs, ConfigMaps(), ""));
    RecordingStore store;
    cache::Reflector reflector(lw, store, Options());
    Running running(reflector);
    sim::Wait();
    // The draws, in order: the watch timeout, then the backoff (a rule of probability 1 draws
    // nothing).
    predicted.Double();
    const sim::Duration b1 = predicted.Jitter(800ms, 1.0);
    cs->MutableFaults().errors.front().error = rt::NewResourceExpired("too old resource version");
    sim::SleepFor(b1);
    sim::Wait();
    // The second watch got 410: ListAndWatch returns it, Run backs off and relists from "2".
    predicted.Double();
    const sim::Duration b2 = predicted.Jitter(1600ms, 1.0);
    cs->MutableFaults().errors.clear();
    sim::SleepFor(b2);
    sim::Wait();
    const std::string t1 = sim::FormatDuration(b1);
    const std::string t2 = sim::FormatDuration(b1 + b2);
    CHECK(lw->calls == std::vector<std::string>{"0s list rv=0 -> ok", "0s watch rv=2 -> 429",
                                                t1 + " watch rv=2 -> 410", t2 + " list rv=2 -> ok",
                                                t2 + " watch rv=2 -> ok"});
    const std::vector<fake::Action> actions = cs->Actions();  // faulted calls are not recorded
    REQUIRE(actions.size() == 3);
    CHECK(actions[1].list_options.limit == 0);  // a list from a specific version is unpaged
    CHECK(store.calls ==
          std::vector<std::string>{"Replace [default/cm1@2] rv=2", "Replace [default/cm1@2] rv=2"});
    CHECK(cs->GetTracker().WatchCount(ConfigMaps()) == 1);
    running.Stop();
  });
}

TEST_CASE("over the fake: watches the server ends after every event lose nothing",
          "[fake][runtime][reflector]") {
  RunScenarioTwice(5, [] {
    fake::Options opts = With({"stamp-rv"});
    opts.faults.watch_end_probability = 1;
    auto cs = fake::NewClientset(opts);
    RecordingStore store;
    cache::Reflector reflector(cache::ListWatchFromClient(*cs, ConfigMaps(), ""), store, Options());
    Running running(reflector);
    sim::SleepFor(2s);  // the first watch: no event, open for good
    for (int i = 0; i < 5; ++i) {
      REQUIRE(cs->ConfigMaps("ns").Create(Cm("ns", fmt::format("cm{}", i))).has_value());
      sim::SleepFor(2s);
    }
    CHECK(store.calls == std::vector<std::string>{"Replace [] rv=1", "Add ns/cm0@2", "Add ns/cm1@3",
                                                  "Add ns/cm2@4", "Add ns/cm3@5", "Add ns/cm4@6"});
    CHECK(Calls(*cs) == std::vector<std::string>{"list rv=0", "watch rv=1", "watch rv=2",
                                                 "watch rv=3", "watch rv=4", "watch rv=5",
                                                 "watch rv=6"});
    running.Stop();
  });
}

TEST_CASE(
    "over the fake: watches that die young without an event are very short watches and "
    "relist after a backoff",
    "[fake][runtime][reflector]") {
  RunScenarioTwice(6, [] {
    fake::Options opts = With({});  // client-go's fake: the reflector lists, then watches
    opts.faults.watch_max_lifetime = 100ms;
    auto cs = fake::NewClientset(opts, Cm("default", "cm1"));
    RecordingStore store;
    cache::Reflector reflector(cache::ListWatchFromClient(*cs, ConfigMaps(), ""), store, Options());
    Running running(reflector);
    sim::SleepFor(4s);  // backoffs of [0.8, 1.6) then [1.6, 3.2): three rounds at most
    const std::vector<std::string> calls = Calls(*cs);
    REQUIRE(calls.size() >= 4);
    for (std::size_t i = 0; i < calls.size(); ++i) {
      CHECK(calls[i] == (i % 2 == 0 ? (i == 0 ? "list rv=0" : "list rv=2") : "watch rv=2"));
    }
    running.Stop();
  });
}

TEST_CASE(
    "over a fake with WatchList: the initial state is streamed, no List is made, and the "
    "stream goes on",
    "[fake][runtime][reflector]") {
  RunScenarioTwice(7, [] {
    auto cs = fake::NewClientset(With({"watch-list", "bookmarks"}), Cm("ns", "b"), Cm("ns", "a"));
    auto lw = cache::ListWatchFromClient(*cs, ConfigMaps(), "");
    CHECK(lw->SupportsWatchList());
    RecordingStore store;
    cache::Reflector reflector(lw, store, Options());
    CHECK(reflector.UsesWatchList());
    Running running(reflector);
    sim::Wait();
    const std::vector<fake::Action> actions = cs->Actions();
    REQUIRE(actions.size() == 1);
    CHECK(actions[0].verb == "watch");
    CHECK(actions[0].list_options.send_initial_events == std::optional<bool>(true));
    CHECK(actions[0].list_options.resource_version.empty());
    CHECK(actions[0].list_options.resource_version_match == "NotOlderThan");
    CHECK(store.calls == std::vector<std::string>{"Replace [ns/a@ ns/b@] rv=3"});
    CHECK(reflector.LastSyncResourceVersion() == "3");
    REQUIRE(cs->ConfigMaps("ns").Create(Cm("ns", "c")).has_value());
    sim::Wait();
    CHECK(store.calls.back() == "Add ns/c@");
    CHECK(cs->Actions().size() == 2);  // the create; still one watch
    running.Stop();
  });
}

TEST_CASE(
    "ToListWatcherWithWatchListSemantics carries the clientset's WatchList support to a "
    "ListWatch made of functions",
    "[fake][runtime][reflector]") {
  auto plain = fake::NewClientset(With({}));  // client-go's fake: no WatchList
  auto streaming = fake::NewClientset(With({"watch-list", "bookmarks"}));
  auto make = [](bool supports) {
    return std::make_shared<cache::ListWatch>(
        [](const sim::Context&, const rt::ListOptions&) {
          return rt::Result<rt::ObjectList>(rt::ObjectList{});
        },
        [](const sim::Context&, const rt::ListOptions&) {
          return rt::Result<rt::WatchPtr>(std::make_shared<rt::ChannelWatcher>());
        },
        supports);
  };
  const cache::ListerWatcherPtr unsupported = make(false);
  CHECK(cache::ToListWatcherWithWatchListSemantics(unsupported, *plain) == unsupported);
  CHECK(cache::ToListWatcherWithWatchListSemantics(unsupported, *streaming)->SupportsWatchList());
  CHECK_FALSE(cache::ToListWatcherWithWatchListSemantics(make(true), *plain)->SupportsWatchList());
}

TEST_CASE("the seed's wrapped ListWatch: List logs and returns, Watch waits for the test",
          "[fake][runtime][reflector]") {
  // The shape of TestListAndWatch (docs/semantics.md §2.1) at the reflector level: the object
  // created while the Watch is delayed arrives through the replay from the listed version.
  RunScenarioTwice(8, [] {
    auto cs =
        fake::NewClientset(With({}), Cm("default", "cm1"));  // the seed ran on client-go's fake
    auto client = cs->Resource(ConfigMaps(), "");
    sim::Event create_done("createDone");
    auto lw = cache::ToListWatcherWithWatchListSemantics(
        std::make_shared<cache::ListWatch>(
            [client](const sim::Context& ctx, const rt::ListOptions& opts) {
              auto list = client->List(ctx, opts);
              sim::Log().info("Listed");
              return list;
            },
            [client, &create_done](const sim::Context& ctx, const rt::ListOptions& opts) {
              sim::Log().info("Delaying Watch...");
              create_done.Wait(ctx);
              sim::Log().info("Continuing Watch...");
              return client->Watch(ctx, opts);
            }),
        *cs);
    RecordingStore store;
    cache::Reflector reflector(lw, store, Options());
    Running running(reflector);
    sim::Wait();
    CHECK(store.calls == std::vector<std::string>{"Replace [default/cm1@] rv=2"});
    REQUIRE(cs->ConfigMaps("default").Create(Cm("default", "cm2")).has_value());
    create_done.Set();
    sim::Wait();
    CHECK(store.calls ==
          std::vector<std::string>{"Replace [default/cm1@] rv=2", "Add default/cm2@"});
    running.Stop();
  });
}

namespace {

// A ReflectorStore that keeps what a cache would: key -> resourceVersion.
class MirrorStore final : public cache::ReflectorStore {
 public:
  std::map<std::string, std::string> objects;

  rt::Result<void> Add(rt::ObjectPtr obj) override { return Put(obj); }

  rt::Result<void> Update(rt::ObjectPtr obj) override { return Put(obj); }

  rt::Result<void> Delete(cache::DeltaObject obj) override {
    objects.erase(cache::ObjectOf(obj)->metadata.Key());
    return rt::Ok();
  }

  rt::Result<void> Replace(std::vector<rt::ObjectPtr> items, std::string) override {
    objects.clear();
    for (const rt::ObjectPtr& o : items) {
      Put(o);
    }
    return rt::Ok();
  }

  rt::Result<void> Resync() override { return rt::Ok(); }

 private:
  rt::Result<void> Put(const rt::ObjectPtr& obj) {
    objects[obj->metadata.Key()] = obj->metadata.resource_version;
    return rt::Ok();
  }
};

// A writer and a reflector racing under latency, early watch ends, compactions (410, relist)
// and 429s; once the faults stop, the reflector's mirror must equal the server's state.
sim::RunResult MirrorScenario(std::uint64_t seed, sim::StrategyKind strategy) {
  fake::Options opts = With({"stamp-rv", "tombstones", "history=8"});
  opts.faults.latency.push_back({.min = 1ms, .max = 20ms});
  opts.faults.watch_end_probability = 0.3;
  opts.faults.compaction_probability = 0.2;
  opts.faults.errors.push_back(
      {.verb = "watch", .probability = 0.2, .error = rt::NewTooManyRequests("slow down", 1)});
  auto cs = fake::NewClientset(opts, Cm("ns", "cm0"));
  sim::Bubble b({.seed = seed, .strategy = strategy, .log_level = sim::LogLevel::kOff});
  return b.Run([&] {
    MirrorStore mirror;
    cache::Reflector reflector(cache::ListWatchFromClient(*cs, ConfigMaps(), ""), mirror,
                               Options());
    Running running(reflector);
    auto cms = cs->ConfigMaps("ns");
    for (int i = 0; i < 30; ++i) {
      const std::string name = fmt::format("cm{}", sim::Rand().Uniform(5));
      switch (sim::Rand().Uniform(3)) {
        case 0:
          (void)cms.Create(Cm("ns", name));
          break;
        case 1:
          (void)cms.Update(Cm("ns", name, {{"i", std::to_string(i)}}));
          break;
        default:
          (void)cms.Delete(name);
          break;
      }
      sim::SleepFor(sim::Rand().UniformDuration(0ms, 2s));
    }
    cs->MutableFaults() = {};
    sim::SleepFor(3min);
    auto list = cms.List();
    REQUIRE(list.has_value());
    std::map<std::string, std::string> server;
    for (const auto& o : list->items) {
      server[o->metadata.Key()] = o->metadata.resource_version;
    }
    CHECK(mirror.objects == server);
    running.Stop();
  });
}

}  // namespace

TEST_CASE(
    "over a faulty fake, the reflector's mirror converges to the server's state under the "
    "random and pct strategies",
    "[fake][runtime][reflector]") {
  for (const sim::StrategyKind strategy : {sim::StrategyKind::kRandom, sim::StrategyKind::kPct}) {
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
      const sim::RunResult r = MirrorScenario(seed, strategy);
      INFO(sim::StrategyName(strategy) << " seed " << seed << "\n" << r.report);
      REQUIRE(r.Passed());
    }
    const sim::RunResult a = MirrorScenario(7, strategy);
    const sim::RunResult b = MirrorScenario(7, strategy);
    CHECK(a.fingerprint == b.fingerprint);
  }
}
