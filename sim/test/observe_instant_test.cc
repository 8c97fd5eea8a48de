// sim/test/observe_instant_test.cc: Options::observe_instant sees the state at a virtual instant
// (what `bubble run --pause-at` serves) and changes nothing in the run.
#include <optional>
#include <vector>

#include <catch2/catch.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/timer.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;

namespace {

struct Observed {
  std::vector<int> values;
  sim::TimePoint at;
  int calls = 0;
};

// Two writers append to `log` at +1s and +2s, racing through a channel under the strategy.
sim::RunResult RunWriters(std::uint64_t seed, std::vector<int>& log,
                          std::optional<sim::Duration> observe_at, Observed* seen) {
  sim::Options options{.seed = seed, .strategy = sim::StrategyKind::kRandom};
  if (observe_at) {
    options.observe_instant =
        sim::InstantObserver{.at = sim::Clock::Epoch() + *observe_at, .observe = [&log, seen] {
                               seen->values = log;
                               seen->at = sim::Now();
                               ++seen->calls;
                             }};
  }
  sim::Bubble b(options);
  return b.Run([&log] {
    sim::Channel<int> ch(4, "values");
    sim::Spawn("first", [&] {
      sim::SleepFor(1s);
      ch.Send(1);
      ch.Send(2);
    });
    sim::Spawn("second", [&] {
      sim::SleepFor(2s);
      ch.Send(3);
    });
    for (int i = 0; i < 3; ++i) {
      log.push_back(*ch.Recv());
    }
  });
}

}  // namespace

TEST_CASE("the instant observer sees everything up to its instant and nothing after",
          "[sim][observe]") {
  std::vector<int> log;
  Observed seen;
  const sim::RunResult r = RunWriters(7, log, 1500ms, &seen);
  REQUIRE(r.Passed());
  CHECK(seen.calls == 1);
  CHECK(seen.values == std::vector<int>{1, 2});
  CHECK(seen.at == sim::Clock::Epoch() + 1s);  // the clock has not moved past the instant yet
  CHECK(log == std::vector<int>{1, 2, 3});
}

TEST_CASE("an observer at an instant with work sees that instant's work done", "[sim][observe]") {
  std::vector<int> log;
  Observed seen;
  REQUIRE(RunWriters(3, log, 1s, &seen).Passed());
  CHECK(seen.values == std::vector<int>{1, 2});
}

TEST_CASE("a run that ends before the instant is observed at its end", "[sim][observe]") {
  std::vector<int> log;
  Observed seen;
  REQUIRE(RunWriters(3, log, 1h, &seen).Passed());
  CHECK(seen.calls == 1);
  CHECK(seen.values == std::vector<int>{1, 2, 3});
  CHECK(seen.at == sim::Clock::Epoch() + 2s);
}

TEST_CASE("observing an instant changes neither decisions nor fingerprint", "[sim][observe]") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::vector<int> plain_log;
    std::vector<int> observed_log;
    Observed seen;
    const sim::RunResult plain = RunWriters(seed, plain_log, std::nullopt, nullptr);
    const sim::RunResult observed = RunWriters(seed, observed_log, 1500ms, &seen);
    CHECK(plain.fingerprint == observed.fingerprint);
    CHECK(plain.decisions == observed.decisions);
    CHECK(plain_log == observed_log);
  }
}
