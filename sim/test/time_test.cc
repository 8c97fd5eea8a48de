// sim/test/time_test.cc: the virtual clock, sleeps, Timer, Ticker and AfterFunc.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/timer.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;

namespace {

const sim::TimePoint kEpoch = sim::Clock::Epoch();

}  // namespace

TEST_CASE("virtual time starts at 2000-01-01T00:00:00Z", "[sim][time]") {
  sim::Bubble b;
  std::string at_start;
  sim::TimePoint clock_now{};
  auto r = b.Run([&] {
    at_start = sim::FormatIsoTime(sim::Now());
    clock_now = sim::Clock::now();
  });
  REQUIRE(r.Passed());
  CHECK(at_start == "2000-01-01T00:00:00.000000Z");
  CHECK(clock_now == kEpoch);
  // Epoch() is 946684800 s after the Unix epoch: 2000-01-01T00:00:00Z.
  CHECK(sim::Clock::kUnixSecondsAtEpoch == 946684800);
  CHECK(sim::Clock::now() == kEpoch);  // outside a bubble
}

TEST_CASE("virtual times format as ISO 8601, klog stamps and compact durations", "[sim][time]") {
  CHECK(sim::FormatIsoTime(kEpoch) == "2000-01-01T00:00:00.000000Z");
  CHECK(sim::FormatIsoTime(kEpoch + 100ms) == "2000-01-01T00:00:00.100000Z");
  CHECK(sim::FormatIsoTime(kEpoch + 24h * 60 + 1h + 2min + 3s + 4us) ==
        "2000-03-01T01:02:03.000004Z");  // 2000 is a leap year: Jan 31 + Feb 29 days
  CHECK(sim::FormatKlogTime(kEpoch + 100ms) == "0101 00:00:00.100000");
  CHECK(sim::FormatKlogTime(kEpoch + 24h * 31 + 5s) == "0201 00:00:05.000000");
  CHECK(sim::FormatDuration(0ns) == "0s");
  CHECK(sim::FormatDuration(1500ms) == "1.5s");
  CHECK(sim::FormatDuration(100ms) == "100ms");
  CHECK(sim::FormatDuration(250us) == "250us");
  CHECK(sim::FormatDuration(7ns) == "7ns");
  CHECK(sim::FormatDuration(1h) == "3600s");
}

TEST_CASE("SleepFor(0) and negative sleeps return at once without a scheduling point",
          "[sim][time]") {
  sim::Bubble b;
  std::vector<std::string> log;
  b.Spawn("a", [&] {
    log.push_back("a1");
    sim::SleepFor(0s);
    log.push_back("a2");
    sim::SleepFor(-1s);
    log.push_back("a3");
    sim::SleepUntil(kEpoch);  // not after Now()
    log.push_back(fmt::format("a4 {}", sim::FormatDuration(sim::Now() - kEpoch)));
  });
  b.Spawn("b", [&] { log.push_back("b"); });
  auto r = b.Run();
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"a1", "a2", "a3", "a4 0s", "b"});
}

TEST_CASE("SleepUntil wakes at exactly the requested instant", "[sim][time]") {
  sim::Bubble b;
  std::vector<sim::TimePoint> woke;
  auto r = b.Run([&] {
    sim::SleepUntil(kEpoch + 1500ms);
    woke.push_back(sim::Now());
    sim::SleepFor(1ns);
    woke.push_back(sim::Now());
  });
  REQUIRE(r.Passed());
  CHECK(woke == std::vector<sim::TimePoint>{kEpoch + 1500ms, kEpoch + 1500ms + 1ns});
}

TEST_CASE("sleepers wake in order of their deadlines, not their start order", "[sim][time]") {
  sim::Bubble b;
  std::vector<std::string> log;
  for (int d : {3, 1, 2}) {
    b.Spawn(fmt::format("s{}", d), [&log, d] {
      sim::SleepFor(d * 1s);
      log.push_back(fmt::format("s{}@{}", d, sim::FormatDuration(sim::Now() - kEpoch)));
    });
  }
  auto r = b.Run();
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"s1@1s", "s2@2s", "s3@3s"});
}

TEST_CASE("timers due at the same instant fire in creation order under fifo", "[sim][time]") {
  sim::Bubble b({.seed = 1, .strategy = sim::StrategyKind::kFifo});
  std::vector<int> fired;
  for (int i = 0; i < 3; ++i) {
    b.Spawn(fmt::format("t{}", i), [&fired, i] {
      sim::Timer t(5ms);
      t.C().Recv();
      fired.push_back(i);
    });
  }
  auto r = b.Run();
  REQUIRE(r.Passed());
  CHECK(fired == std::vector<int>{0, 1, 2});
  CHECK(r.end_time == kEpoch + 5ms);
}

TEST_CASE("a timer delivers its fire time on C() at the exact virtual instant", "[sim][time]") {
  sim::Bubble b;
  std::optional<sim::TimePoint> value;
  sim::TimePoint received_at{};
  auto r = b.Run([&] {
    sim::SleepFor(1s);
    sim::Timer t(5s, "five");
    value = t.C().Recv();
    received_at = sim::Now();
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(value == kEpoch + 6s);
  CHECK(received_at == kEpoch + 6s);
}

TEST_CASE("Timer::Stop returns like Go: true only while the timer has not been received",
          "[sim][time]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    {
      sim::Timer t(5s);
      log.push_back(fmt::format("stop pending: {}", t.Stop()));
      log.push_back(fmt::format("stop again: {}", t.Stop()));
      sim::SleepFor(10s);  // past the old deadline: nothing was delivered
      log.push_back(fmt::format("value after stop: {}", t.C().TryRecv().has_value()));
    }
    {
      sim::Timer t(1s);
      t.C().Recv();
      log.push_back(fmt::format("stop after receive: {}", t.Stop()));
    }
    {
      sim::Timer t(1s);
      sim::SleepFor(2s);  // fired into C() but not received
      log.push_back(fmt::format("stop fired unreceived: {}", t.Stop()));
      log.push_back(fmt::format("stale value after stop: {}", t.C().TryRecv().has_value()));
    }
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{
                   "stop pending: true",
                   "stop again: false",
                   "value after stop: false",
                   "stop after receive: false",
                   "stop fired unreceived: true",  // Go 1.23: Stop drains and reports true
                   "stale value after stop: false",
               });
}

TEST_CASE("Timer::Reset re-arms from now, returns like Go and leaves no stale value",
          "[sim][time]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto since = [](sim::TimePoint t) { return sim::FormatDuration(t - kEpoch); };
  auto r = b.Run([&] {
    sim::Timer t(5s);
    sim::SleepFor(1s);
    log.push_back(fmt::format("reset pending: {}", t.Reset(10s)));
    log.push_back(fmt::format("fired at {}", since(*t.C().Recv())));  // 1s + 10s, not 5s
    log.push_back(fmt::format("reset after receive: {}", t.Reset(2s)));
    log.push_back(fmt::format("fired at {}", since(*t.C().Recv())));
    t.Reset(1s);
    sim::SleepFor(5s);  // fired at 14s into C(), not received
    log.push_back(fmt::format("reset fired unreceived: {}", t.Reset(3s)));
    const sim::TimePoint next = *t.C().Recv();
    log.push_back(fmt::format("next value {} received at {}", since(next), since(sim::Now())));
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{
                   "reset pending: true", "fired at 11s", "reset after receive: false",
                   "fired at 13s", "reset fired unreceived: true",
                   "next value 21s received at 21s",  // not the stale 14s
               });
}

TEST_CASE("a ticker delivers at period, 2*period, 3*period", "[sim][time]") {
  sim::Bubble b;
  std::vector<sim::TimePoint> ticks;
  auto r = b.Run([&] {
    sim::SleepFor(500ms);
    sim::Ticker ticker(1s);
    for (int i = 0; i < 3; ++i) {
      ticks.push_back(*ticker.C().Recv());
    }
  });
  REQUIRE(r.Passed());
  CHECK(ticks == std::vector<sim::TimePoint>{kEpoch + 1500ms, kEpoch + 2500ms, kEpoch + 3500ms});
  CHECK(r.end_time == kEpoch + 3500ms);
}

TEST_CASE("a ticker drops the ticks a slow reader misses", "[sim][time]") {
  sim::Bubble b;
  std::vector<sim::TimePoint> ticks;
  auto r = b.Run([&] {
    sim::Ticker ticker(1s);
    sim::SleepFor(3500ms);
    ticks.push_back(*ticker.C().Recv());  // the 1s tick waited in C(); 2s and 3s were dropped
    ticks.push_back(*ticker.C().Recv());
  });
  REQUIRE(r.Passed());
  CHECK(ticks == std::vector<sim::TimePoint>{kEpoch + 1s, kEpoch + 4s});
}

TEST_CASE("Ticker::Stop ends ticks and Reset restarts with a new period", "[sim][time]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    sim::Ticker ticker(1s);
    sim::SleepFor(1500ms);  // the 1s tick is in C()
    ticker.Stop();
    sim::SleepFor(10s);
    log.push_back(fmt::format("after stop: {}", ticker.C().TryRecv().has_value()));
    ticker.Reset(2s);
    log.push_back(sim::FormatDuration(*ticker.C().Recv() - kEpoch));
    log.push_back(sim::FormatDuration(*ticker.C().Recv() - kEpoch));
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"after stop: false", "13.5s", "15.5s"});
}

TEST_CASE("AfterFunc runs its function in a new fiber at the exact time", "[sim][time]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    sim::AfterFunc af(
        3s,
        [&] {
          log.push_back(fmt::format("fn in fiber {} '{}' at {}", sim::CurrentFiberId(),
                                    sim::CurrentFiberName(),
                                    sim::FormatDuration(sim::Now() - kEpoch)));
        },
        "cleanup");
    log.push_back(fmt::format("main is fiber {}", sim::CurrentFiberId()));
    sim::SleepFor(10s);
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"main is fiber 1", "fn in fiber 2 'cleanup' at 3s"});
  CHECK(r.fibers_spawned == 2);
  CHECK(r.end_time == kEpoch + 10s);
}

TEST_CASE("AfterFunc::Stop prevents the function from running", "[sim][time]") {
  sim::Bubble b;
  bool ran = false;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    sim::AfterFunc af(3s, [&] { ran = true; });
    sim::SleepFor(1s);
    log.push_back(fmt::format("stop pending: {}", af.Stop()));
    log.push_back(fmt::format("stop again: {}", af.Stop()));
    sim::SleepFor(5s);
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK_FALSE(ran);
  CHECK(r.fibers_spawned == 1);
  CHECK(log == std::vector<std::string>{"stop pending: true", "stop again: false"});
}

TEST_CASE("AfterFunc::Reset re-arms, and runs the function again after it ran", "[sim][time]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    sim::AfterFunc af(3s, [&] { log.push_back(sim::FormatDuration(sim::Now() - kEpoch)); });
    sim::SleepFor(1s);
    log.push_back(fmt::format("reset pending: {}", af.Reset(5s)));  // now due at 6s
    sim::SleepFor(10s);
    log.push_back(fmt::format("reset after run: {}", af.Reset(1s)));
    log.push_back(fmt::format("stop after run: {}", af.Stop()));
    log.push_back(fmt::format("reset stopped: {}", af.Reset(1s)));
    sim::SleepFor(5s);
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"reset pending: true", "6s", "reset after run: false",
                                        "stop after run: true", "reset stopped: false", "12s"});
}

TEST_CASE("dropping an AfterFunc handle does not cancel it", "[sim][time]") {
  sim::Bubble b;
  sim::TimePoint ran_at{};
  auto r = b.Run([&] {
    {
      sim::AfterFunc(2s, [&] { ran_at = sim::Now(); });
    }
    sim::SleepFor(5s);
  });
  REQUIRE(r.Passed());
  CHECK(ran_at == kEpoch + 2s);
}

TEST_CASE("a run ends when its last fiber exits: a pending AfterFunc is abandoned, not run",
          "[sim][time]") {
  sim::Bubble b;
  bool ran = false;
  auto state = std::make_shared<int>(0);
  auto r = b.Run([&] { sim::AfterFunc(1s, [&ran, state] { ran = true; }); });
  REQUIRE(r.Passed());
  CHECK_FALSE(ran);
  CHECK(r.end_time == kEpoch);
  CHECK(r.fibers_spawned == 1);
  CHECK(state.use_count() == 1);  // the abandoned function was released
}

TEST_CASE("SleepFor with a context returns false early when the context is cancelled",
          "[sim][time]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    sim::Spawn("canceller", [&, cancel = cancel] {
      sim::SleepFor(2s);
      cancel();
    });
    log.push_back(fmt::format("full sleep: {}", sim::SleepFor(1s, ctx)));
    const bool full = sim::SleepFor(10s, ctx);
    log.push_back(
        fmt::format("cut short: {} at {}", full, sim::FormatDuration(sim::Now() - kEpoch)));
    const bool again = sim::SleepFor(1s, ctx);
    log.push_back(
        fmt::format("already done: {} at {}", again, sim::FormatDuration(sim::Now() - kEpoch)));
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"full sleep: true", "cut short: false at 2s",
                                        "already done: false at 2s"});
}
