// sim/test/strategy_test.cc: determinism per seed, exploration across seeds, replay.
#include "bubble/sim/strategy.h"

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/event.h>
#include <bubble/sim/mutex.h>
#include <bubble/sim/select.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;

namespace {

struct Outcome {
  std::vector<int> order;
  sim::RunResult result;
};

// Four fibers append their number around Yield(): the order is the interleaving.
Outcome RunRacy(sim::Options options) {
  sim::Bubble b(std::move(options));
  Outcome out;
  for (int i = 0; i < 4; ++i) {
    b.Spawn(fmt::format("w{}", i), [&out, i] {
      for (int k = 0; k < 3; ++k) {
        out.order.push_back(i);
        sim::Yield();
      }
    });
  }
  out.result = b.Run();
  return out;
}

// A program with every kind of choice: runnable fibers, timers due at one instant and ready
// select cases, plus the user's random stream and a mutex. `order` is what the consumers saw.
Outcome RunMixed(sim::Options options) {
  sim::Bubble b(std::move(options));
  Outcome out;
  out.result = b.Run([&out] {
    sim::Channel<int> work(2, "work");
    sim::Channel<int> urgent(2, "urgent");
    sim::Event all_consumed("all consumed");
    sim::Mutex m("m");
    int consumed = 0;
    sim::WaitGroup group("group");
    for (int p = 0; p < 3; ++p) {
      group.Go(fmt::format("producer{}", p), [&, p] {
        for (int k = 0; k < 3; ++k) {
          // Every producer's first timer is due at 1ms: timers tie on purpose.
          sim::SleepFor(k == 0 ? 1ms : 1ms * static_cast<int>(1 + sim::Rand().Uniform(2)));
          (k % 2 == 0 ? work : urgent).Send(p * 10 + k);
        }
      });
    }
    for (int c = 0; c < 2; ++c) {
      group.Go(fmt::format("consumer{}", c), [&] {
        sim::SleepFor(5ms);  // let values pile up in both channels: selects then have a choice
        for (;;) {
          std::optional<int> v;
          std::optional<int> u;
          const int chosen = sim::Select(sim::RecvCase(work, &v), sim::RecvCase(urgent, &u),
                                         sim::RecvCase(all_consumed.GetChannel()));
          if (chosen == 2) {
            return;
          }
          std::scoped_lock lock(m);
          out.order.push_back(chosen == 0 ? *v : 100 + *u);
          if (++consumed == 9) {
            all_consumed.Set();
          }
          sim::Yield();  // holding the mutex: the other consumer may block on it
        }
      });
    }
    group.Wait();
  });
  return out;
}

sim::Options WithStrategy(sim::StrategyKind kind, std::uint64_t seed) {
  sim::Options o;
  o.strategy = kind;
  o.seed = seed;
  return o;
}

}  // namespace

TEST_CASE("strategy names parse and print", "[sim][strategy]") {
  for (sim::StrategyKind k : {sim::StrategyKind::kFifo, sim::StrategyKind::kRandom,
                              sim::StrategyKind::kPct, sim::StrategyKind::kReplay}) {
    CHECK(sim::ParseStrategy(sim::StrategyName(k)) == k);
  }
  CHECK(sim::StrategyName(sim::StrategyKind::kPct) == "pct");
  CHECK_FALSE(sim::ParseStrategy("bogus").has_value());
  CHECK_FALSE(sim::ParseStrategy("").has_value());
}

TEST_CASE("fifo runs fibers in plain event-loop order", "[sim][strategy]") {
  const Outcome out = RunRacy(WithStrategy(sim::StrategyKind::kFifo, 1));
  INFO(out.result.report);
  REQUIRE(out.result.Passed());
  CHECK(out.order == std::vector<int>{0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3});
  // Fifo ignores the seed.
  CHECK(RunRacy(WithStrategy(sim::StrategyKind::kFifo, 99)).result.fingerprint ==
        out.result.fingerprint);
}

TEST_CASE("every strategy is deterministic: the same seed gives the same run",
          "[sim][strategy][determinism]") {
  const auto kind =
      GENERATE(sim::StrategyKind::kFifo, sim::StrategyKind::kRandom, sim::StrategyKind::kPct);
  const std::uint64_t seed = GENERATE(1, 2, 3);
  INFO("strategy " << sim::StrategyName(kind) << " seed " << seed);
  const Outcome first = RunMixed(WithStrategy(kind, seed));
  const Outcome second = RunMixed(WithStrategy(kind, seed));
  INFO(first.result.report);
  REQUIRE(first.result.Passed());
  REQUIRE(second.result.Passed());
  CHECK(first.result.fingerprint == second.result.fingerprint);
  CHECK(first.result.decisions == second.result.decisions);
  CHECK(first.order == second.order);
  CHECK(first.order.size() == 9);
  CHECK(first.result.end_time == second.result.end_time);

  const Outcome racy1 = RunRacy(WithStrategy(kind, seed));
  const Outcome racy2 = RunRacy(WithStrategy(kind, seed));
  CHECK(racy1.result.fingerprint == racy2.result.fingerprint);
  CHECK(racy1.order == racy2.order);
}

TEST_CASE("random and pct explore different interleavings for different seeds", "[sim][strategy]") {
  const auto kind = GENERATE(sim::StrategyKind::kRandom, sim::StrategyKind::kPct);
  INFO("strategy " << sim::StrategyName(kind));
  std::set<std::vector<int>> orders;
  std::set<std::uint64_t> fingerprints;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const Outcome out = RunRacy(WithStrategy(kind, seed));
    REQUIRE(out.result.Passed());
    REQUIRE(out.order.size() == 12);
    orders.insert(out.order);
    fingerprints.insert(out.result.fingerprint);
  }
  CHECK(orders.size() >= 2);
  CHECK(fingerprints.size() >= orders.size());  // the fingerprint sees the interleaving
}

TEST_CASE("pct with depth 1 is strict priority: a fiber runs until it blocks or exits",
          "[sim][strategy]") {
  std::set<std::vector<int>> orders;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    sim::Options o = WithStrategy(sim::StrategyKind::kPct, seed);
    o.pct_depth = 1;  // no priority change points
    const Outcome out = RunRacy(o);
    INFO(out.result.report);
    REQUIRE(out.result.Passed());
    INFO("seed " << seed << " order " << fmt::format("{}", fmt::join(out.order, " ")));
    REQUIRE(out.order.size() == 12);
    for (std::size_t i = 0; i < out.order.size(); i += 3) {
      CHECK(out.order[i] == out.order[i + 1]);
      CHECK(out.order[i] == out.order[i + 2]);
    }
    orders.insert(out.order);
  }
  CHECK(orders.size() >= 2);  // the priorities, and so the order, come from the seed
}

TEST_CASE("pct's change points demote the running fiber mid-run", "[sim][strategy]") {
  int split_runs = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    sim::Options o = WithStrategy(sim::StrategyKind::kPct, seed);
    o.pct_depth = 3;
    o.pct_horizon = 12;  // change points fall inside this short run
    const Outcome out = RunRacy(o);
    REQUIRE(out.result.Passed());
    bool split = false;
    for (std::size_t i = 0; i < out.order.size(); i += 3) {
      split = split || out.order[i] != out.order[i + 1] || out.order[i] != out.order[i + 2];
    }
    split_runs += split ? 1 : 0;
  }
  CHECK(split_runs > 0);
}

TEST_CASE("a recorded run replays to the identical fingerprint and order",
          "[sim][strategy][replay]") {
  const auto kind = GENERATE(sim::StrategyKind::kRandom, sim::StrategyKind::kPct);
  INFO("recorded with " << sim::StrategyName(kind));
  const Outcome recorded = RunRacy(WithStrategy(kind, 7));
  REQUIRE(recorded.result.Passed());
  REQUIRE_FALSE(recorded.result.decisions.empty());

  sim::Options replay;
  replay.strategy = sim::StrategyKind::kReplay;
  replay.replay = recorded.result.decisions;
  const Outcome replayed = RunRacy(replay);
  INFO(replayed.result.report);
  REQUIRE(replayed.result.Passed());
  CHECK(replayed.result.fingerprint == recorded.result.fingerprint);
  CHECK(replayed.order == recorded.order);
  CHECK(replayed.result.decisions == recorded.result.decisions);
}

TEST_CASE("replay reproduces choices among fibers, timers and select cases",
          "[sim][strategy][replay]") {
  const Outcome recorded = RunMixed(WithStrategy(sim::StrategyKind::kRandom, 3));
  INFO(recorded.result.report);
  REQUIRE(recorded.result.Passed());
  const auto& ds = recorded.result.decisions;
  auto has = [&ds](sim::CandidateKind k) {
    return std::any_of(ds.begin(), ds.end(), [k](const sim::Decision& d) { return d.kind == k; });
  };
  CHECK(has(sim::CandidateKind::kFiber));
  CHECK(has(sim::CandidateKind::kTimer));
  CHECK(has(sim::CandidateKind::kSelectCase));

  sim::Options replay;
  replay.strategy = sim::StrategyKind::kReplay;
  replay.replay = ds;
  replay.seed = 3;  // the user's random stream still comes from the seed
  const Outcome replayed = RunMixed(replay);
  INFO(replayed.result.report);
  REQUIRE(replayed.result.Passed());
  CHECK(replayed.result.fingerprint == recorded.result.fingerprint);
  CHECK(replayed.order == recorded.order);
}

TEST_CASE("a replay whose recording runs out fails with replay diverged",
          "[sim][strategy][replay]") {
  const Outcome recorded = RunRacy(WithStrategy(sim::StrategyKind::kRandom, 7));
  REQUIRE(recorded.result.Passed());
  std::vector<sim::Decision> truncated = recorded.result.decisions;
  truncated.resize(truncated.size() / 2);

  sim::Options replay;
  replay.strategy = sim::StrategyKind::kReplay;
  replay.replay = truncated;
  const Outcome out = RunRacy(replay);
  REQUIRE_FALSE(out.result.Passed());
  CHECK(out.result.failure->kind == sim::FailureKind::kReplayDiverged);
  CHECK_THAT(out.result.failure->message,
             Contains(fmt::format("replay diverged at decision {}: the recording has only {} "
                                  "decisions",
                                  truncated.size() + 1, truncated.size())));
  CHECK_THAT(out.result.report, Contains("bubble: run failed: replay diverged"));
}

TEST_CASE("a replay whose recording names a missing candidate fails with replay diverged",
          "[sim][strategy][replay]") {
  const Outcome recorded = RunRacy(WithStrategy(sim::StrategyKind::kRandom, 7));
  REQUIRE(recorded.result.Passed());
  std::vector<sim::Decision> altered = recorded.result.decisions;
  altered[1] = {sim::CandidateKind::kFiber, 999};

  sim::Options replay;
  replay.strategy = sim::StrategyKind::kReplay;
  replay.replay = altered;
  const Outcome out = RunRacy(replay);
  REQUIRE_FALSE(out.result.Passed());
  CHECK(out.result.failure->kind == sim::FailureKind::kReplayDiverged);
  CHECK_THAT(out.result.failure->message,
             Contains("replay diverged at decision 2: the recording picks fiber 999 but the "
                      "candidates are ["));
  CHECK(out.order.size() < 12);
}

TEST_CASE("decision lists format compactly and parse back", "[sim][strategy][replay]") {
  const std::vector<sim::Decision> ds = {{sim::CandidateKind::kFiber, 3},
                                         {sim::CandidateKind::kTimer, 7},
                                         {sim::CandidateKind::kSelectCase, 1},
                                         {sim::CandidateKind::kFiber, 18446744073709551615ULL}};
  const std::string text = sim::FormatDecisions(ds);
  CHECK(text == "f3 t7 c1 f18446744073709551615");
  CHECK(sim::ParseDecisions(text) == ds);
  CHECK(
      sim::ParseDecisions("  f3   t7 ") ==
      std::vector<sim::Decision>{{sim::CandidateKind::kFiber, 3}, {sim::CandidateKind::kTimer, 7}});
  CHECK(sim::ParseDecisions("") == std::vector<sim::Decision>{});
  CHECK(sim::FormatDecisions({}).empty());

  const Outcome recorded = RunRacy(WithStrategy(sim::StrategyKind::kRandom, 5));
  CHECK(sim::ParseDecisions(sim::FormatDecisions(recorded.result.decisions)) ==
        recorded.result.decisions);
}

TEST_CASE("parsing a decision list rejects garbage", "[sim][strategy][replay]") {
  for (const char* bad :
       {"x1", "f", "f1x", "f 1", "f-1", "F1", "f1,t2", "t", "f18446744073709551616", "f1\tt2"}) {
    INFO("input '" << bad << "'");
    CHECK_FALSE(sim::ParseDecisions(bad).has_value());
  }
}

TEST_CASE("pct with depth 0 is rejected", "[sim][strategy]") {
  sim::Options o;
  o.strategy = sim::StrategyKind::kPct;
  o.pct_depth = 0;
  CHECK_THROWS_AS(sim::Bubble(o), bubble::UsageError);
  CHECK_THROWS_WITH(sim::Bubble(o), Contains("pct depth 0 is invalid"));
}

TEST_CASE("a fiber's random draws do not depend on the scheduler's", "[sim][strategy][rng]") {
  auto draws = [](sim::StrategyKind kind) {
    std::vector<std::uint64_t> values;
    sim::Bubble b(WithStrategy(kind, 5));
    auto r = b.Run([&] {
      sim::Spawn("noise", [] {
        for (int i = 0; i < 5; ++i) {
          sim::Yield();
        }
      });
      for (int i = 0; i < 3; ++i) {
        values.push_back(sim::Rand().Next());
        sim::Yield();  // scheduler choices in between draw from the scheduler's stream
      }
    });
    REQUIRE(r.Passed());
    return values;
  };
  const std::vector<std::uint64_t> fifo = draws(sim::StrategyKind::kFifo);
  CHECK(draws(sim::StrategyKind::kRandom) == fifo);
  CHECK(draws(sim::StrategyKind::kPct) == fifo);
}
