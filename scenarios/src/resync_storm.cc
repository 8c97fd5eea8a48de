// scenarios/src/resync_storm.cc
//
// S11 — resync storms and mass requeue (docs/scenarios.md).
//
// M replicas of a manager (processes), each with its own informer factory whose resync period
// is R * (1 + u), u drawn in [0, 10%) per replica (controller-runtime's SyncPeriod jitter),
// each running K controllers that share the factory's ConfigMap informer. Controller k mirrors
// every source ConfigMap src/obj-i into out/obj-i-c<k>: it calls an external service (counted)
// on every reconcile, reads the output from the API server and writes it only when it differs.
// All replicas start at t = 0 and restart together at 1.5 R (phase-aligned, as after a
// rollout); a driver changes a few "hot" objects every second; the rest never change, so
// only resyncs reconcile them.
//
// Invariants:
//  - resync-spread: outside the first second after the (re)start, at most 2*K*N + M*K external
//    calls in any 1 ms of virtual time (two replicas' resyncs may coincide by chance; three in
//    the same millisecond is about one chance in ten million per round, measured in
//    docs/scenarios.md);
//  - writes-per-second: outside the first second after the (re)start, at most 3*M*K API writes
//    to outputs in any virtual second (a hot object changes once a second, and each change is
//    written at most once by each controller of each replica);
//  - resync-period: every replica's every controller reconciles every object at least once per
//    R * 1.1 + 1 s (from its initial sync to the end of its run);
//  - changes-not-starved: every change of a hot object is reconciled by every controller of
//    every running replica within 1 s.
//
// Planted bugs:
//  - no-jitter: every replica resyncs with exactly R: after the aligned restart all replicas
//    resync at the same instants (a storm of M*K*N calls);
//  - predicate-suppresses-resync: the controllers' update predicate drops updates whose
//    resourceVersion did not change (controller-runtime#2355's trap): resyncs never reach the
//    queue and cold objects are never reconciled again;
//  - resync-writes: reconcile treats a resync as a change and writes the output every time.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/controller/controller.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "catalogue.h"

namespace bubble::scenarios {

namespace {

using namespace std::chrono_literals;
namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;
namespace ctrl = bubble::runtime::controller;

constexpr char kSource[] = "src";
constexpr char kOut[] = "out";
constexpr int kHot = 2;          // objects the driver changes
constexpr double kJitter = 0.1;  // controller-runtime's 10%
constexpr sim::Duration kSlack = 1s;

struct Params {
  int objects = 20;
  int replicas = 3;
  int controllers = 2;
  sim::Duration resync = 30s;
  bool no_jitter = false;
  bool predicate = false;
  bool resync_writes = false;
};

// One reconcile of one controller of one replica instance.
struct Call {
  sim::TimePoint time;
  int instance;
  int controller;
  int object;
};

struct Change {
  sim::TimePoint time;
  int object;
  std::string version;
};

struct State {
  std::shared_ptr<fake::Clientset> cs;
  Params p;
  std::vector<Call> calls;
  std::vector<Change> changes;
  // Per instance: when it started and when it stopped.
  std::vector<std::pair<sim::TimePoint, sim::TimePoint>> instances;
  // (instance, controller, object) -> versions seen, with the time: for changes-not-starved.
  std::map<std::tuple<int, int, int, std::string>, sim::TimePoint> seen;
};

std::string ObjectName(int i) {
  return fmt::format("obj-{}", i);
}

int ObjectIndex(const std::string& name) {
  return std::stoi(name.substr(4));
}

rt::Result<ctrl::ReconcileResult> Reconcile(State& s, int instance, int k,
                                            const cache::Lister<rt::ConfigMap>& lister,
                                            const std::string& key) {
  auto name = cache::SplitMetaNamespaceKey(key);
  if (!name) {
    return rt::Err(name.error());
  }
  auto source = lister.Namespace(kSource).Get(name->name);
  if (!source) {
    return ctrl::ReconcileResult::Done();
  }
  const int object = ObjectIndex(name->name);
  s.calls.push_back({sim::Now(), instance, k, object});  // the external call
  const auto v = (*source)->data.find("v");
  s.seen.try_emplace({instance, k, object, v == (*source)->data.end() ? "" : v->second},
                     sim::Now());
  auto outs = s.cs->ConfigMaps(kOut);
  const std::string out_name = fmt::format("{}-c{}", name->name, k);
  auto current = outs.Get(out_name);
  if (!current) {
    if (!rt::IsNotFound(current.error())) {
      return rt::Err(current.error());
    }
    auto created =
        outs.Create(rt::ConfigMap({.name = out_name, .namespace_ = kOut}, (*source)->data));
    if (!created) {
      return rt::Err(created.error());  // AlreadyExists: another replica's; retry reads it
    }
    return ctrl::ReconcileResult::Done();
  }
  if ((*current)->data == (*source)->data && !s.p.resync_writes) {
    return ctrl::ReconcileResult::Done();
  }
  rt::ConfigMap next = **current;
  next.data = (*source)->data;
  auto updated = outs.Update(next);
  if (!updated) {
    return rt::Err(updated.error());  // a conflict with another replica: retry
  }
  return ctrl::ReconcileResult::Done();
}

// One replica instance: its factory, its K controllers, until `ctx` ends.
void Replica(State& s, int instance, sim::Duration resync, const sim::Context& ctx) {
  cache::InformerFactory factory(*s.cs, {.default_resync = resync, .namespace_ = kSource});
  auto lister = factory.ListerFor<rt::ConfigMap>();
  cache::SharedIndexInformer& informer = factory.InformerFor<rt::ConfigMap>();
  std::vector<std::unique_ptr<ctrl::Controller>> controllers;
  for (int k = 0; k < s.p.controllers; ++k) {
    controllers.push_back(std::make_unique<ctrl::Controller>(
        ctrl::ControllerOptions{.name = fmt::format("r{}-c{}", instance, k), .workers = 2},
        [&s, instance, k, &lister](const sim::Context&, const std::string& key) {
          return Reconcile(s, instance, k, lister, key);
        }));
    ctrl::Controller& c = *controllers.back();
    rt::Result<void> ok = rt::Ok();
    if (s.p.predicate) {
      // Only "real" updates: a resync (same resourceVersion) is dropped.
      auto key = [](const rt::ObjectPtr& o) {
        return o->metadata.namespace_ + "/" + o->metadata.name;
      };
      auto reg = c.AddEventHandler(
          informer,
          {.add = [&c, key](const rt::ObjectPtr& o, bool) { c.Enqueue(key(o)); },
           .update =
               [&c, key](const rt::ObjectPtr& old_obj, const rt::ObjectPtr& new_obj) {
                 if (old_obj->metadata.resource_version != new_obj->metadata.resource_version) {
                   c.Enqueue(key(new_obj));
                 }
               }});
      if (!reg) {
        ok = rt::Err(reg.error());
      }
    } else {
      ok = c.Watch(informer);
    }
    if (!ok) {
      sim::Fail(ok.error().message);
    }
  }
  factory.Start(ctx);
  sim::WaitGroup fibers(fmt::format("replica {}", instance));
  for (auto& c : controllers) {
    fibers.Go(c->Name(), [&c, &ctx] { c->Run(ctx); });
  }
  fibers.Wait();
  factory.Shutdown();
}

void Driver(State& s, sim::TimePoint end) {
  auto sources = s.cs->ConfigMaps(kSource);
  int version = 0;
  while (sim::Now() + 1s < end) {
    sim::SleepFor(1s);
    const int object = static_cast<int>(sim::Rand().UniformInRange(0, kHot - 1));
    auto cur = sources.Get(ObjectName(object));
    if (!cur) {
      sim::Fail(fmt::format("get {}: {}", ObjectName(object), cur.error().message));
    }
    rt::ConfigMap next = **cur;
    next.data["v"] = std::to_string(++version);
    if (auto updated = sources.Update(next); !updated) {
      sim::Fail(fmt::format("update {}: {}", ObjectName(object), updated.error().message));
    }
    s.changes.push_back({sim::Now(), object, next.data["v"]});
  }
}

// The first second after the (re)start of all replicas: every replica lists and reconciles
// every object at once, by design (the storm jitter cannot prevent).
bool InRestart(sim::TimePoint t, sim::TimePoint restart) {
  const sim::TimePoint start = sim::Clock::Epoch();
  return (t >= start && t < start + 1s) || (t >= restart && t < restart + 1s);
}

void CheckSpread(const State& s, sim::TimePoint restart) {
  const std::size_t budget =
      static_cast<std::size_t>(2 * s.p.controllers * s.p.objects + s.p.replicas * s.p.controllers);
  const sim::TimePoint start = sim::Clock::Epoch();
  std::map<std::int64_t, std::size_t> per_ms;
  for (const Call& c : s.calls) {
    if (InRestart(c.time, restart)) {
      continue;
    }
    ++per_ms[std::chrono::duration_cast<std::chrono::milliseconds>(c.time - start).count()];
  }
  for (const auto& [ms, n] : per_ms) {
    if (n > budget) {
      sim::Fail(fmt::format(
          "invariant resync-spread violated: {} external calls within 1ms at +{}ms (budget {}: "
          "at most two replicas' resyncs at once); the replicas resync in phase",
          n, ms, budget));
    }
  }
}

void CheckWrites(const State& s, sim::TimePoint restart) {
  const std::size_t budget = static_cast<std::size_t>(3 * s.p.replicas * s.p.controllers);
  std::map<std::int64_t, std::size_t> per_second;
  for (const fake::WriteRecord& w : s.cs->Writes().Records()) {
    if (!InRestart(w.time, restart) &&
        s.cs->Writes().ObjectName(w.object).rfind("configmaps out/", 0) == 0) {
      ++per_second[std::chrono::duration_cast<std::chrono::seconds>(w.time - sim::Clock::Epoch())
                       .count()];
    }
  }
  for (const auto& [sec, n] : per_second) {
    if (n > budget) {
      sim::Fail(fmt::format(
          "invariant writes-per-second violated: {} API writes in second +{}s (budget {}: each "
          "change written at most once per controller and replica)",
          n, sec, budget));
    }
  }
}

void CheckResyncPeriod(const State& s) {
  const sim::Duration bound =
      std::chrono::duration_cast<sim::Duration>(s.p.resync * (1 + kJitter)) + kSlack;
  // (instance, controller, object) -> reconcile times.
  std::map<std::tuple<int, int, int>, std::vector<sim::TimePoint>> times;
  for (const Call& c : s.calls) {
    times[{c.instance, c.controller, c.object}].push_back(c.time);
  }
  for (int inst = 0; inst < static_cast<int>(s.instances.size()); ++inst) {
    for (int k = 0; k < s.p.controllers; ++k) {
      for (int o = 0; o < s.p.objects; ++o) {
        const auto it = times.find({inst, k, o});
        if (it == times.end()) {
          sim::Fail(fmt::format(
              "invariant resync-period violated: instance {} controller c{} never reconciled {}",
              inst, k, ObjectName(o)));
        }
        std::vector<sim::TimePoint> t = it->second;
        t.push_back(s.instances[inst].second);
        for (std::size_t i = 1; i < t.size(); ++i) {
          if (t[i] - t[i - 1] > bound) {
            sim::Fail(fmt::format(
                "invariant resync-period violated: instance {} controller c{} did not reconcile "
                "{} for {} (from +{} on; bound R*1.1+1s = {})",
                inst, k, ObjectName(o), sim::FormatDuration(t[i] - t[i - 1]),
                sim::FormatDuration(t[i - 1] - sim::Clock::Epoch()), sim::FormatDuration(bound)));
          }
        }
      }
    }
  }
}

void CheckNotStarved(const State& s) {
  for (const Change& ch : s.changes) {
    for (int inst = 0; inst < static_cast<int>(s.instances.size()); ++inst) {
      const auto [from, to] = s.instances[inst];
      if (ch.time < from || ch.time + kSlack > to) {
        continue;
      }
      for (int k = 0; k < s.p.controllers; ++k) {
        const auto it = s.seen.find({inst, k, ch.object, ch.version});
        if (it == s.seen.end() || it->second - ch.time > kSlack) {
          sim::Fail(fmt::format(
              "invariant changes-not-starved violated: instance {} controller c{} did not "
              "reconcile {} v{} (changed at +{}) within {}",
              inst, k, ObjectName(ch.object), ch.version,
              sim::FormatDuration(ch.time - sim::Clock::Epoch()), sim::FormatDuration(kSlack)));
        }
      }
    }
  }
}

void Run(State& s) {
  const Params& p = s.p;
  std::vector<sim::Duration> periods;
  for (int r = 0; r < p.replicas; ++r) {
    periods.push_back(p.no_jitter ? p.resync : sim::Rand().Jitter(p.resync, kJitter));
  }
  const sim::TimePoint restart = sim::Clock::Epoch() + p.resync * 3 / 2;
  const sim::TimePoint end = restart + p.resync * 11 / 5;
  sim::WaitGroup all("replicas");
  all.Go("driver", [&s, end] { Driver(s, end); });
  for (int round = 0; round < 2; ++round) {
    const sim::TimePoint stop = round == 0 ? restart : end;
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup replicas("replica instances");
    for (int r = 0; r < p.replicas; ++r) {
      const int instance = static_cast<int>(s.instances.size());
      s.instances.emplace_back(sim::Now(), stop);
      replicas.Go(
          fmt::format("replica-{}", instance),
          [&s, instance, period = periods[r], &ctx = ctx] { Replica(s, instance, period, ctx); });
    }
    sim::SleepUntil(stop);
    cancel();
    replicas.Wait();
  }
  all.Wait();
  sim::Log().info("{} external calls, {} API writes, {} changes", s.calls.size(),
                  s.cs->Writes().Count(), s.changes.size());
  CheckWrites(s, restart);
  CheckSpread(s, restart);
  CheckResyncPeriod(s);
  CheckNotStarved(s);
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->p.objects = static_cast<int>(ctx.IntOption("objects"));
  s->p.replicas = static_cast<int>(ctx.IntOption("replicas"));
  s->p.controllers = static_cast<int>(ctx.IntOption("controllers"));
  s->p.resync = std::chrono::seconds(ctx.IntOption("resync-seconds"));
  s->p.no_jitter = ctx.Bug("no-jitter");
  s->p.predicate = ctx.Bug("predicate-suppresses-resync");
  s->p.resync_writes = ctx.Bug("resync-writes");
  fake::Options server;
  server.record_actions = false;  // thousands of objects: keep no copy of every call
  // Every controller of every replica creates its outputs at the aligned start.
  server.writes_per_instant =
      static_cast<std::size_t>(4 * s->p.objects * s->p.replicas * s->p.controllers);
  s->cs = std::make_shared<fake::Clientset>(std::move(server));
  for (int i = 0; i < s->p.objects; ++i) {
    s->cs->AddObject(rt::ConfigMap({.name = ObjectName(i), .namespace_ = kSource}, {{"v", "0"}}));
  }
  ctx.Liveness().Track(s->cs);
  return [s] { Run(*s); };
}

}  // namespace

Scenario ResyncStormScenario() {
  Scenario s;
  s.name = "resync-storm";
  s.catalogue = "S11";
  s.description =
      "replicas restarted together resync N objects: spread, period, write rate and real "
      "changes within budget";
  s.options = {
      {.key = "objects",
       .default_value = "20",
       .description = "source ConfigMaps (2 hot, the rest only resync)",
       .int_range = std::pair<std::int64_t, std::int64_t>{5, 5000}},
      {.key = "replicas",
       .default_value = "3",
       .description = "manager replicas restarted together",
       .int_range = std::pair<std::int64_t, std::int64_t>{3, 6}},
      {.key = "controllers",
       .default_value = "2",
       .description = "controllers per replica sharing its informer",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 4}},
      {.key = "resync-seconds",
       .default_value = "30",
       .description = "the resync period R, before jitter",
       .int_range = std::pair<std::int64_t, std::int64_t>{10, 3600}},
  };
  s.bugs = {
      {.name = "no-jitter",
       .description = "every replica resyncs with exactly R: after the aligned restart all "
                      "resync at once",
       .seed_budget = 5},
      {.name = "predicate-suppresses-resync",
       .description = "an update predicate drops same-resourceVersion updates: resyncs never "
                      "reach the queue",
       .seed_budget = 5},
      {.name = "resync-writes",
       .description = "reconcile writes the output on every resync, changed or not",
       .seed_budget = 5},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
