// sim/test/scheduler_test.cc: the synctest core — fibers, scheduling points, Wait(), Run().
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/timer.h>

#include "sanitizer_build.h"

using namespace std::chrono_literals;
namespace sim = bubble::sim;

#if defined(BUBBLE_TEST_ASAN)
// Under ASan this binary checks stack use after return even when run without ASAN_OPTIONS (the
// asan test preset sets it too): locals then live on per-fiber fake stacks, which is what the
// scheduler's fiber-switch annotations must get right. ASAN_OPTIONS still overrides it.
extern "C" const char* __asan_default_options() {  // NOLINT(readability-identifier-naming)
  return "detect_stack_use_after_return=1";
}
#endif

TEST_CASE("a fiber sleeps and virtual time jumps to its wake-up time", "[sim][scheduler]") {
  sim::Bubble b;
  sim::TimePoint woke{};
  auto r = b.Run([&] {
    sim::SleepFor(5s);
    woke = sim::Now();
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(woke == sim::Clock::Epoch() + 5s);
  CHECK(r.end_time == sim::Clock::Epoch() + 5s);
  CHECK(r.report.empty());
}

TEST_CASE("virtual time does not move while any fiber can run", "[sim][scheduler]") {
  sim::Bubble b;
  std::vector<sim::TimePoint> seen_by_spinner;
  int spins_when_sleeper_woke = -1;
  sim::TimePoint sleeper_woke{};
  b.Spawn("sleeper", [&] {
    sim::SleepFor(1ns);
    sleeper_woke = sim::Now();
    spins_when_sleeper_woke = static_cast<int>(seen_by_spinner.size());
  });
  b.Spawn("spinner", [&] {
    for (int i = 0; i < 100; ++i) {
      seen_by_spinner.push_back(sim::Now());
      sim::Yield();
    }
  });
  auto r = b.Run();
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(seen_by_spinner ==
        std::vector<sim::TimePoint>(100, sim::Clock::Epoch()));  // a 1ns timer was due all along
  CHECK(spins_when_sleeper_woke == 100);
  CHECK(sleeper_woke == sim::Clock::Epoch() + 1ns);
}

TEST_CASE("Wait returns once every other fiber is durably blocked and does not move time",
          "[sim][scheduler][wait]") {
  sim::Bubble b;
  int progress = 0;
  bool worker_done = false;
  bool sleeper_done = false;
  std::vector<std::string> checks;
  auto r = b.Run([&] {
    sim::Channel<int> ch(0, "ch");
    sim::Spawn("worker", [&] {
      for (int i = 0; i < 10; ++i) {
        ++progress;
        sim::Yield();
      }
      ch.Recv();
      worker_done = true;
    });
    sim::Spawn("sleeper", [&] {
      sim::SleepFor(1h);
      sleeper_done = true;
    });
    sim::Wait();
    checks.push_back(fmt::format("progress={} worker_done={} sleeper_done={} t={}", progress,
                                 worker_done, sleeper_done, sim::FormatIsoTime(sim::Now())));
    ch.Send(1);
    sim::Wait();
    checks.push_back(fmt::format("worker_done={} sleeper_done={} t={}", worker_done, sleeper_done,
                                 sim::FormatIsoTime(sim::Now())));
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(checks ==
        std::vector<std::string>{
            "progress=10 worker_done=false sleeper_done=false t=2000-01-01T00:00:00.000000Z",
            "worker_done=true sleeper_done=false t=2000-01-01T00:00:00.000000Z"});
  CHECK(sleeper_done);
  CHECK(r.end_time == sim::Clock::Epoch() + 1h);  // Run waited for the sleeper after main exited
}

TEST_CASE("Wait returns at once when no other fiber exists", "[sim][scheduler][wait]") {
  sim::Bubble b;
  int waits = 0;
  auto r = b.Run([&] {
    sim::Wait();
    ++waits;
    sim::Wait();
    ++waits;
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(waits == 2);
  CHECK(r.end_time == sim::Clock::Epoch());
}

TEST_CASE("Run waits for every spawned fiber to exit", "[sim][scheduler]") {
  sim::Bubble b;
  std::vector<int> exited;
  auto r = b.Run([&] {
    for (int i = 1; i <= 3; ++i) {
      sim::Spawn(fmt::format("child{}", i), [&exited, i] {
        sim::SleepFor(i * 1s);
        exited.push_back(i);
      });
    }
    exited.push_back(0);  // main exits first
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(exited == std::vector<int>{0, 1, 2, 3});
  CHECK(r.end_time == sim::Clock::Epoch() + 3s);
  CHECK(r.fibers_spawned == 4);
}

TEST_CASE("fibers spawned before Run start in spawn order under fifo", "[sim][scheduler]") {
  sim::Bubble b;
  std::vector<std::string> log;
  for (int i = 0; i < 3; ++i) {
    b.Spawn(fmt::format("f{}", i), [&log] { log.push_back(std::string(sim::CurrentFiberName())); });
  }
  auto r = b.Run();
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"f0", "f1", "f2"});
  CHECK(r.fibers_spawned == 3);
}

TEST_CASE("spawning from a fiber is a scheduling point: under fifo the child runs first",
          "[sim][scheduler]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    log.push_back("parent before");
    sim::Spawn("child", [&] { log.push_back("child"); });
    log.push_back("parent after");
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"parent before", "child", "parent after"});
}

TEST_CASE("Yield under fifo interleaves runnable fibers round robin", "[sim][scheduler]") {
  sim::Bubble b;
  std::vector<int> order;
  for (int i = 0; i < 3; ++i) {
    b.Spawn(fmt::format("w{}", i), [&order, i] {
      for (int k = 0; k < 2; ++k) {
        order.push_back(i);
        sim::Yield();
      }
    });
  }
  auto r = b.Run();
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(order == std::vector<int>{0, 1, 2, 0, 1, 2});
}

TEST_CASE("fiber ids count from 1 in spawn order and names are kept", "[sim][scheduler]") {
  sim::Bubble b;
  std::vector<std::string> seen;
  auto r = b.Run([&] {
    seen.push_back(fmt::format("{} {}", sim::CurrentFiberId(), sim::CurrentFiberName()));
    const sim::FiberId child = sim::Spawn("child", [&] {
      seen.push_back(fmt::format("{} {}", sim::CurrentFiberId(), sim::CurrentFiberName()));
    });
    seen.push_back(fmt::format("spawned {}", child));
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(seen == std::vector<std::string>{"1 main", "2 child", "spawned 2"});
}

TEST_CASE("Bubble::Current is the running bubble inside a fiber and null outside",
          "[sim][scheduler]") {
  sim::Bubble b;
  sim::Bubble* inside = nullptr;
  CHECK(sim::Bubble::Current() == nullptr);
  auto r = b.Run([&] { inside = sim::Bubble::Current(); });
  REQUIRE(r.Passed());
  CHECK(inside == &b);
  CHECK(sim::Bubble::Current() == nullptr);
}

TEST_CASE("a bubble destroyed without running destroys its fibers' captured state",
          "[sim][scheduler]") {
  auto flag = std::make_shared<int>(0);
  bool ran = false;
  {
    sim::Bubble b;
    b.Spawn("never", [flag, &ran] { ran = true; });
    CHECK(flag.use_count() == 2);
  }
  CHECK_FALSE(ran);
  CHECK(flag.use_count() == 1);
}

TEST_CASE("two bubbles in sequence do not share time or fiber ids", "[sim][scheduler]") {
  std::vector<std::string> seen;
  for (int i = 0; i < 2; ++i) {
    sim::Bubble b;
    auto r = b.Run([&] {
      seen.push_back(fmt::format("{} {}", sim::CurrentFiberId(), sim::FormatIsoTime(sim::Now())));
      sim::SleepFor(1s);
    });
    REQUIRE(r.Passed());
  }
  CHECK(seen ==
        std::vector<std::string>{"1 2000-01-01T00:00:00.000000Z", "1 2000-01-01T00:00:00.000000Z"});
}

TEST_CASE("fibers spawned after others exited run normally (records and stacks are reused)",
          "[sim][scheduler]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    for (int generation = 0; generation < 50; ++generation) {
      sim::Channel<int> ch(0, "ch");
      sim::Spawn(fmt::format("gen{}", generation), [&ch, &log, generation] {
        std::string local = fmt::format("gen{} ", generation);
        sim::Yield();
        local += std::to_string(*ch.Recv());
        if (generation % 10 == 0) {
          log.push_back(local);
        }
      });
      sim::Yield();
      ch.Send(generation * 2);
      sim::Wait();
    }
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"gen0 0", "gen10 20", "gen20 40", "gen30 60", "gen40 80"});
  CHECK(r.fibers_spawned == 51);
}
