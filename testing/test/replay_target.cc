// testing/test/replay_target.cc: tests for replay_command_test.sh. The first fails at seed 3
// only; its name holds what a shell or Catch2's test spec parser treats specially. The second
// has the first's name up to its first comma, so a replay command that split the name there
// would run it too. Each run prints "ran <test> seed <n> strategy <s>" to stdout.
#include <cstdio>

#include <catch2/catch.hpp>

#include <bubble/sim/error.h>
#include <bubble/sim/timer.h>
#include <bubble/testing/testing.h>

namespace sim = bubble::sim;

namespace {

void Body(const char* test, sim::Bubble& b) {
  std::printf("ran %s seed %llu strategy %s\n", test,
              static_cast<unsigned long long>(b.GetOptions().seed),
              std::string(sim::StrategyName(b.GetOptions().strategy)).c_str());
  sim::Yield();
  if (b.GetOptions().seed == 3) {
    sim::Fail("planted at seed 3");
  }
}

}  // namespace

TEST_CASE(R"(~[lead] commas, [brackets] "double" 'single' $HOME `x` \back\slash; a*b)",
          "[replay]") {
  bubble::testing::RunSeeds({.first_seed = 1,
                             .count = 5,
                             .strategies = {sim::StrategyKind::kRandom},
                             .check_determinism = false},
                            {}, [](sim::Bubble& b) { Body("special", b); });
}

TEST_CASE("~[lead] commas", "[replay]") {
  bubble::testing::RunSeeds({.first_seed = 1,
                             .count = 2,
                             .strategies = {sim::StrategyKind::kRandom},
                             .check_determinism = false},
                            {}, [](sim::Bubble& b) { Body("prefix", b); });
}
