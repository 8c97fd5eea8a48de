// scenarios/src/conflicting_writers.cc
//
// S09 — conflicts (409) and retry-on-conflict loops (docs/scenarios.md).
//
// W writer fibers each add 1 to a counter kept in ConfigMap default/counter, N times, by
// read-modify-write through the fake clientset: Get, change data["count"] and data["writer-K"],
// Update. The correct variant runs against a server with optimistic concurrency (a stale
// resourceVersion is 409 Conflict) and wraps each increment in RetryOnConflict, re-reading on
// every attempt.
//
// Invariants, checked after every writer finished:
//  - no-lost-update: count == W * N;
//  - writer-fields: data["writer-K"] == N for every writer (each writer's own field survived);
//  - bounded-conflicts: 409s <= (W-1) * W * N (every 409 is caused by another writer's success
//    between the read and the write; more means a retry loop that spins on stale data).
//
// Planted bugs:
//  - no-conflict-check: the tracker accepts stale writes (client-go's fake tracker) — two
//    writers that read the same count both write count+1;
//  - no-retry: the writer gives up on the first 409 — its increment is dropped;
//  - stale-retry: on 409 the writer re-sends the object it first read with the fresh
//    resourceVersion pasted in (the anti-pattern SCENARIOS S09 warns about) — it overwrites
//    the increments made in between.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/retry.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/wait_group.h>

#include "catalogue.h"

namespace bubble::scenarios {

namespace {

using namespace std::chrono_literals;
namespace rt = bubble::runtime;

constexpr char kNamespace[] = "default";
constexpr char kName[] = "counter";

struct Params {
  int writers = 2;
  int increments = 5;
  bool latency = true;
  bool no_retry = false;
  bool stale_retry = false;
};

struct Shared {
  std::shared_ptr<fake::Clientset> cs;
  Params p;
  int conflicts = 0;
  int dropped = 0;  // increments a writer gave up on (no-retry)
};

int CountOf(const rt::ConfigMap& cm, const std::string& key) {
  auto it = cm.data.find(key);
  return it == cm.data.end() ? 0 : std::stoi(it->second);
}

rt::Result<void> Attempt(Shared& s, int writer, int i, const rt::ConfigMap* stale) {
  auto cms = s.cs->ConfigMaps(kNamespace);
  rt::ConfigMap next;
  if (stale != nullptr) {
    // stale-retry: keep the data first read, only take the server's resourceVersion.
    auto fresh = cms.Get(kName);
    if (!fresh) {
      return rt::Err(fresh.error());
    }
    next = *stale;
    next.metadata.resource_version = (*fresh)->metadata.resource_version;
    sim::Log().info("retrying with the stale object at resourceVersion {}",
                    next.metadata.resource_version);
  } else {
    auto cur = cms.Get(kName);
    if (!cur) {
      return rt::Err(cur.error());
    }
    next = **cur;
    const int count = CountOf(next, "count");
    sim::Log().info("increment {}/{}: read count={} resourceVersion={}", i, s.p.increments, count,
                    next.metadata.resource_version);
    next.data["count"] = std::to_string(count + 1);
    next.data[fmt::format("writer-{}", writer)] = std::to_string(i);
  }
  auto updated = cms.Update(next);
  if (!updated) {
    if (rt::IsConflict(updated.error())) {
      ++s.conflicts;
      sim::Log().info("update conflict: {}", updated.error().message);
    }
    return rt::Err(updated.error());
  }
  sim::Log().info("wrote count={} resourceVersion={}", CountOf(**updated, "count"),
                  (*updated)->metadata.resource_version);
  return rt::Ok();
}

void Writer(Shared& s, int writer) {
  // Each 409 means another writer succeeded in between, so (W-1)*N + 1 attempts always suffice.
  rt::Backoff backoff = rt::kDefaultRetry;
  backoff.steps = (s.p.writers - 1) * s.p.increments + 1;
  for (int i = 1; i <= s.p.increments; ++i) {
    rt::Result<void> r;
    if (s.p.no_retry) {
      r = Attempt(s, writer, i, nullptr);
    } else if (s.p.stale_retry) {
      auto first = s.cs->ConfigMaps(kNamespace).Get(kName);
      if (!first) {
        sim::Fail(fmt::format("writer-{}: get: {}", writer, first.error().message));
      }
      rt::ConfigMap stale = **first;
      const int count = CountOf(stale, "count");
      sim::Log().info("increment {}/{}: read count={} resourceVersion={}", i, s.p.increments, count,
                      stale.metadata.resource_version);
      stale.data["count"] = std::to_string(count + 1);
      stale.data[fmt::format("writer-{}", writer)] = std::to_string(i);
      bool first_try = true;
      r = rt::RetryOnConflict(backoff, [&]() -> rt::Result<void> {
        if (first_try) {
          first_try = false;
          auto updated = s.cs->ConfigMaps(kNamespace).Update(stale);
          if (!updated) {
            if (rt::IsConflict(updated.error())) {
              ++s.conflicts;
              sim::Log().info("update conflict: {}", updated.error().message);
            }
            return rt::Err(updated.error());
          }
          return rt::Ok();
        }
        return Attempt(s, writer, i, &stale);
      });
    } else {
      r = rt::RetryOnConflict(backoff, [&] { return Attempt(s, writer, i, nullptr); });
    }
    if (!r) {
      if (rt::IsConflict(r.error()) && s.p.no_retry) {
        ++s.dropped;
        sim::Log().warn("increment {}/{}: giving up after a conflict", i, s.p.increments);
        continue;
      }
      sim::Fail(fmt::format("writer-{}: increment {}: {}", writer, i, r.error().message));
    }
  }
}

void Check(Shared& s) {
  auto cm = s.cs->ConfigMaps(kNamespace).Get(kName);
  if (!cm) {
    sim::Fail(fmt::format("get {}: {}", kName, cm.error().message));
  }
  const int want = s.p.writers * s.p.increments;
  const int count = CountOf(**cm, "count");
  sim::Log().info("final count={} (want {}), {} conflicts", count, want, s.conflicts);
  if (count != want) {
    sim::Fail(fmt::format(
        "invariant no-lost-update violated: count is {} after {} writers x {} increments "
        "({} lost)",
        count, s.p.writers, s.p.increments, want - count));
  }
  for (int w = 0; w < s.p.writers; ++w) {
    const int got = CountOf(**cm, fmt::format("writer-{}", w));
    if (got != s.p.increments) {
      sim::Fail(fmt::format(
          "invariant writer-fields violated: data[writer-{}] is {}, want {} (its last write "
          "was overwritten)",
          w, got, s.p.increments));
    }
  }
  const int bound = (s.p.writers - 1) * want;
  if (s.conflicts > bound) {
    sim::Fail(fmt::format("invariant bounded-conflicts violated: {} conflicts, bound {}",
                          s.conflicts, bound));
  }
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<Shared>();
  s->p.writers = static_cast<int>(ctx.IntOption("writers"));
  s->p.increments = static_cast<int>(ctx.IntOption("increments"));
  s->p.latency = ctx.Option("latency") == "random";
  s->p.no_retry = ctx.Bug("no-retry");
  s->p.stale_retry = ctx.Bug("stale-retry");

  fake::Options opts;
  opts.fidelity.conflicts = !ctx.Bug("no-conflict-check");
  if (s->p.latency) {
    opts.faults.latency.push_back({.min = 0ms, .max = 2ms});
  }
  s->cs = fake::NewClientset(
      std::move(opts), rt::ConfigMap({.name = kName, .namespace_ = kNamespace}, {{"count", "0"}}));
  return [s] {
    sim::Log().info("{} writers x {} increments on {}/{} (conflict checking {})", s->p.writers,
                    s->p.increments, kNamespace, kName,
                    s->cs->GetOptions().fidelity.conflicts ? "on" : "off");
    {
      sim::WaitGroup wg("writers");
      for (int w = 0; w < s->p.writers; ++w) {
        wg.Go(fmt::format("writer-{}", w), [s, w] { Writer(*s, w); });
      }
      wg.Wait();
    }
    Check(*s);
  };
}

}  // namespace

Scenario ConflictingWritersScenario() {
  Scenario s;
  s.name = "conflicting-writers";
  s.catalogue = "S09";
  s.description = "writers do read-modify-write on one ConfigMap counter; no update may be lost";
  s.options = {
      {.key = "writers",
       .default_value = "2",
       .description = "writer fibers",
       .int_range = std::pair<std::int64_t, std::int64_t>{2, 8}},
      {.key = "increments",
       .default_value = "5",
       .description = "increments per writer",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 100}},
      {.key = "latency",
       .default_value = "none",
       .description = "API latency: none (the requests' preemption points are where writers "
                      "interleave: only the strategy decides) or random (0-2ms per request and "
                      "response: the latency draws interleave them too)",
       .allowed = {"random", "none"}},
  };
  s.bugs = {
      {.name = "no-conflict-check",
       .description = "the tracker accepts stale resourceVersions (client-go's fake): lost update",
       .seed_budget = 20},
      {.name = "no-retry",
       .description = "a writer gives up on its first 409: its increment is dropped",
       .seed_budget = 20},
      {.name = "stale-retry",
       .description = "on 409 the writer re-sends its stale object with the fresh resourceVersion",
       .seed_budget = 20},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
