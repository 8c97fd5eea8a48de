// fake::Liveness (the settle phase), the write log's per-instant budget, and the normalised
// server state of the convergence check.
#include <catch2/catch.hpp>

#include <bubble/fake/clientset.h>
#include <bubble/fake/liveness.h>
#include <bubble/fake/server_state.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>
#include <bubble/testing/testing.h>

#include "test_util.h"

namespace fake = bubble::fake;
using namespace fake::testing;
using namespace std::chrono_literals;

namespace {

// Two fibers fight over data["owner"] of default/cm: each sets it to its own name whenever it
// is not, pausing `pause` between rounds (0: a yield, time never moves).
void Fight(const std::shared_ptr<fake::Clientset>& cs, sim::WaitGroup& wg,
           sim::Duration pause = {}) {
  for (const char* who : {"ping", "pong"}) {
    wg.Go(who, [cs, who, pause] {
      auto cms = cs->ConfigMaps("default");
      for (;;) {
        auto cur = cms.Get("cm");
        bool mine = false;
        if (cur) {
          const auto owner = (*cur)->data.find("owner");
          mine = owner != (*cur)->data.end() && owner->second == who;
        }
        if (cur && !mine) {
          rt::ConfigMap next = **cur;
          next.data["owner"] = who;
          (void)cms.Update(next);
        }
        if (pause > sim::Duration::zero()) {
          sim::SleepFor(pause);
        } else {
          sim::Yield();
        }
      }
    });
  }
}

}  // namespace

TEST_CASE("a fight at zero latency ends at the per-instant write budget as not converged",
          "[fake][liveness]") {
  fake::Options opts;
  opts.writes_per_instant = 500;
  auto cs = fake::NewClientset(opts, Cm("default", "cm"));
  sim::Bubble b({.seed = 3, .strategy = sim::StrategyKind::kRandom});
  const sim::RunResult r = b.Run([&] {
    sim::WaitGroup wg("fight");
    Fight(cs, wg);
    wg.Wait();
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kNotConverged);
  CHECK(sim::FailureKindName(r.failure->kind) == "not converged");
  const std::string& m = r.failure->message;
  CHECK_THAT(m, Catch::Contains("invariant writes-per-instant violated: 501 API writes at one "
                                "virtual instant"));
  CHECK_THAT(m, Catch::Contains("configmaps default/cm  [update]"));
  CHECK_THAT(m, Catch::Contains("  ping  [update]"));
  CHECK_THAT(m, Catch::Contains("  pong  [update]"));
  CHECK(r.end_time == sim::Clock::Epoch());
  CHECK(r.steps < 100'000);  // ended by the budget, not by the 10M step limit
}

TEST_CASE("a fight with latency fails the settle phase with the writers and their rates",
          "[fake][liveness]") {
  auto cs = fake::NewClientset(Cm("default", "cm"));
  sim::Bubble b(
      {.seed = 1, .settle = sim::SettlePhase{.faults_stop = 1s, .within = 3s, .quiet_window = 1s}});
  const sim::RunResult r = b.Run([&] {
    fake::Liveness live;
    live.Track(cs);
    sim::WaitGroup wg("fight");
    Fight(cs, wg, 10ms);  // each fighter takes 10ms per round: time moves, the fight goes on
    live.Settle();
    wg.Wait();
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kNotConverged);
  const std::string& m = r.failure->message;
  INFO(m);
  CHECK_THAT(m, Catch::Contains("invariant quiescent-after-faults violated: not quiescent 3s "
                                "after faults stopped at 2000-01-01T00:00:01"));
  CHECK_THAT(m, Catch::Contains("writes since faults stopped:"));
  CHECK_THAT(m, Catch::Contains("/s)  configmaps default/cm  [update]"));
  CHECK_THAT(m, Catch::Contains("/s)  ping  [update]"));
  CHECK_THAT(m, Catch::Contains("/s)  pong  [update]"));
}

TEST_CASE("Settle stops the faults at T and returns once writes stopped for the quiet window",
          "[fake][liveness]") {
  fake::Options opts;
  opts.faults.latency.push_back({.min = 1ms, .max = 5ms});
  opts.faults.errors.push_back({.verb = "update", .probability = 0.5});
  RunInBubble([&] {
    auto cs = fake::NewClientset(opts, Cm("default", "cm"));
    fake::Liveness live(sim::SettlePhase{.faults_stop = 2s, .within = 10s, .quiet_window = 1s});
    live.Track(cs);
    sim::WaitGroup wg("writer");
    wg.Go("writer", [cs] {
      auto cms = cs->ConfigMaps("default");
      for (int i = 0; i < 10; ++i) {  // done well before T
        sim::SleepFor(100ms);
        auto cur = cms.Get("cm");
        if (cur) {
          rt::ConfigMap next = **cur;
          next.data["i"] = std::to_string(i);
          (void)cms.Update(next);
        }
      }
    });
    const sim::TimePoint quiet = live.Settle();
    CHECK(live.Settled());
    CHECK(cs->GetOptions().faults.errors.empty());
    CHECK(cs->GetOptions().faults.latency.empty());
    // The writer stopped before T: quiescent one quiet window after T.
    CHECK(quiet == sim::Clock::Epoch() + 3s);
    // Updates failed before reaching the server (injected faults) are not writes.
    CHECK(cs->Writes().Count() >= 1);
    CHECK(cs->Writes().Count() <= 10);
    wg.Wait();
  });
}

TEST_CASE("Settle fails while a tracked queue is busy, naming it", "[fake][liveness]") {
  sim::Bubble b;
  const sim::RunResult r = b.Run([&] {
    auto cs = fake::NewClientset();
    fake::Liveness live(sim::SettlePhase{.faults_stop = 0s, .within = 2s, .quiet_window = 1s});
    live.Track(cs);
    live.Track("stuck queue", [] { return false; });
    live.Settle();
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kNotConverged);
  CHECK_THAT(r.failure->message, Catch::Contains("queues not idle: stuck queue"));
  CHECK(r.end_time == sim::Clock::Epoch() + 2s);
}

TEST_CASE("RunSeeds declares the settle phase in its base options", "[fake][liveness]") {
  sim::Options base;
  base.settle = sim::SettlePhase{.faults_stop = 1s, .within = 5s, .quiet_window = 500ms};
  bubble::testing::RunSeeds({.count = 4}, base, [](sim::Bubble&) {
    fake::Liveness live;
    CHECK(live.Phase().within == 5s);
    live.Track(fake::NewClientset(Cm("default", "cm")));
    CHECK(live.Settle() == sim::Clock::Epoch() + 1500ms);
  });
}

TEST_CASE("the normalised state drops server noise and names generated objects by content",
          "[fake][liveness][convergence]") {
  auto make = [](std::uint64_t seed, const std::string& value) {
    auto cs = fake::NewClientset();
    sim::Bubble b({.seed = seed});
    REQUIRE(b.Run([&] {
               auto cms = cs->ConfigMaps("default");
               REQUIRE(cms.Create(Cm("default", "fixed", {{"k", value}})));
               for (const char* d : {"b", "a"}) {
                 rt::ConfigMap g({.namespace_ = "default", .generate_name = "gen-"}, {{"d", d}});
                 REQUIRE(cms.Create(g));
               }
               sim::SleepFor(std::chrono::seconds(seed));  // other creation timestamps
             }).Passed());
    return fake::NormalizedState(std::vector<std::shared_ptr<fake::Clientset>>{cs});
  };
  const fake::ServerState a = make(1, "x");
  const fake::ServerState b = make(2, "x");
  CHECK(a == b);
  CHECK(fake::StateHash(a) == fake::StateHash(b));
  REQUIRE(a.objects.count("v1/configmaps default/gen-<1>") == 1);
  CHECK_THAT(a.objects.at("v1/configmaps default/gen-<1>"), Catch::Contains("\"d\": \"a\""));
  CHECK_THAT(a.objects.at("v1/configmaps default/fixed"), !Catch::Contains("resourceVersion"));
  CHECK_THAT(a.objects.at("v1/configmaps default/fixed"), !Catch::Contains("uid"));

  const fake::ServerState c = make(3, "y");
  CHECK(fake::StateHash(a) != fake::StateHash(c));
  const std::string diff = fake::DiffStates(a, c, "seed 1", "seed 3");
  CHECK_THAT(diff, Catch::StartsWith("--- seed 1\n+++ seed 3\n@@ v1/configmaps default/fixed\n"));
  CHECK_THAT(diff, Catch::Contains("\n-    \"k\": \"x\"\n+    \"k\": \"y\"\n"));
  CHECK(fake::DiffStates(a, b, "seed 1", "seed 2").empty());
}
