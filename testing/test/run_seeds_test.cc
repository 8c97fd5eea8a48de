// testing/test/run_seeds_test.cc: RunOnce and RunSeeds as a test uses them.
#include <cstdlib>
#include <mutex>
#include <vector>

#include <catch2/catch.hpp>

#include <bubble/sim/mutex.h>
#include <bubble/sim/wait_group.h>
#include <bubble/testing/testing.h>

namespace sim = bubble::sim;

TEST_CASE("RunOnce runs the body as fiber main of a fresh bubble", "[testing]") {
  std::string name;
  sim::RunResult r = bubble::testing::RunOnce({.seed = 3}, [&](sim::Bubble& b) {
    name = std::string(sim::CurrentFiberName());
    CHECK(b.GetOptions().seed == 3);
  });
  CHECK(name == "main");
  CHECK(r.Passed());
  CHECK(r.fingerprint != 0);
}

TEST_CASE("RunSeeds covers every seed under every strategy, each twice", "[testing]") {
  std::vector<std::pair<std::uint64_t, sim::StrategyKind>> runs;
  bubble::testing::RunSeeds({.first_seed = 5, .count = 3}, {}, [&](sim::Bubble& b) {
    runs.emplace_back(b.GetOptions().seed, b.GetOptions().strategy);
  });
  // Unless the environment narrows the sweep (BUBBLE_SEED / BUBBLE_SEEDS / BUBBLE_STRATEGY).
  if (std::getenv("BUBBLE_SEED") == nullptr && std::getenv("BUBBLE_SEEDS") == nullptr &&
      std::getenv("BUBBLE_STRATEGY") == nullptr) {
    // 3 seeds x 2 strategies x 2 runs, and before the first PCT run the fifo run of seed 1 that
    // measures PCT's horizon (once per RunSeeds).
    REQUIRE(runs.size() == 13);
    CHECK(runs[0] == std::pair<std::uint64_t, sim::StrategyKind>{5, sim::StrategyKind::kRandom});
    CHECK(runs[1] == runs[0]);  // the determinism rerun
    CHECK(runs[6] == std::pair<std::uint64_t, sim::StrategyKind>{1, sim::StrategyKind::kFifo});
    CHECK(runs[7] == std::pair<std::uint64_t, sim::StrategyKind>{5, sim::StrategyKind::kPct});
    CHECK(runs[12] == std::pair<std::uint64_t, sim::StrategyKind>{7, sim::StrategyKind::kPct});
  }
}

TEST_CASE("RunSeeds passes a race-free program over many interleavings", "[testing]") {
  bubble::testing::RunSeeds({.count = 20}, {}, [](sim::Bubble&) {
    int counter = 0;
    sim::Mutex mu("counter");
    sim::WaitGroup wg("writers");
    for (int w = 0; w < 3; ++w) {
      wg.Go("writer", [&] {
        std::unique_lock lock(mu);
        const int seen = counter;
        sim::Yield();
        counter = seen + 1;
      });
    }
    wg.Wait();
    if (counter != 3) {
      sim::Fail("lost update");
    }
  });
}

TEST_CASE("a failing seed fails the test with its report and replay command",
          "[testing][!shouldfail]") {
  // Marked !shouldfail: this test passes only if the helper reports the lost update as a failure.
  bubble::testing::RunSeeds({.count = 50, .check_determinism = false}, {}, [](sim::Bubble&) {
    int counter = 0;
    sim::WaitGroup wg("writers");
    for (int w = 0; w < 2; ++w) {
      wg.Go("writer", [&] {
        const int seen = counter;
        sim::Yield();
        counter = seen + 1;
      });
    }
    wg.Wait();
    if (counter != 2) {
      sim::Fail("lost update");
    }
  });
}

TEST_CASE("a nondeterministic body is reported with the first divergent record",
          "[testing][!shouldfail]") {
  // The body's behaviour depends on state outside the bubble: the second run differs.
  static int calls = 0;
  bubble::testing::RunSeeds({.count = 1, .strategies = {sim::StrategyKind::kFifo}}, {},
                            [](sim::Bubble&) {
                              if (++calls % 2 == 0) {
                                sim::Yield();
                              }
                              sim::TraceInstant("test", "done");
                            });
}
