// sim/test/real_time_loop_test.cc: the real-time loop (Options::loop = LoopKind::kRealTime)
// runs every primitive unchanged; no assertion here depends on how long anything took.
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/condition_variable.h>
#include <bubble/sim/context.h>
#include <bubble/sim/error.h>
#include <bubble/sim/mutex.h>
#include <bubble/sim/process.h>
#include <bubble/sim/select.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;

namespace {

sim::Options RealTime() {
  sim::Options options;
  options.loop = sim::LoopKind::kRealTime;
  options.trace = sim::TraceMode::kOff;
  return options;
}

}  // namespace

TEST_CASE("the real-time clock reads today's calendar time and never goes back",
          "[sim][realtime]") {
  sim::Bubble b(RealTime());
  sim::TimePoint first;
  sim::TimePoint after_sleep;
  auto result = b.Run([&] {
    first = sim::Now();
    sim::SleepFor(2ms);
    after_sleep = sim::Now();
  });
  REQUIRE(result.Passed());
  const auto calendar = std::chrono::system_clock::now().time_since_epoch() -
                        std::chrono::seconds(sim::Clock::kUnixSecondsAtEpoch);
  const sim::Duration from_epoch = first - sim::Clock::Epoch();
  // Within a day of the system's calendar: the loop maps real time, not the year-2000 epoch.
  CHECK(from_epoch > std::chrono::duration_cast<sim::Duration>(calendar) - 24h);
  CHECK(from_epoch <= std::chrono::duration_cast<sim::Duration>(calendar));
  CHECK(after_sleep - first >= 2ms);  // a timer fires when due, never before
  CHECK(sim::FormatIsoTime(first).substr(0, 2) == "20");
  CHECK(sim::FormatIsoTime(first).substr(0, 4) != "2000");
}

TEST_CASE("on the real-time loop timers fire in deadline order and contexts expire",
          "[sim][realtime]") {
  sim::Bubble b(RealTime());
  std::vector<std::string> order;
  sim::ContextError err = sim::ContextError::kNone;
  bool set_in_time = true;
  auto result = b.Run([&] {
    sim::WaitGroup wg;
    wg.Go("late", [&] {
      sim::SleepFor(6ms);
      order.push_back("late");
    });
    wg.Go("early", [&] {
      sim::SleepFor(1ms);
      order.push_back("early");
    });
    sim::AfterFunc after(3ms, [&] { order.push_back("after-func"); });
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 2ms);
    sim::Channel<int> never;
    set_in_time = never.Recv(ctx).has_value();
    err = ctx.Err();
    cancel();
    wg.Wait();
  });
  REQUIRE(result.Passed());
  CHECK(order == std::vector<std::string>{"early", "after-func", "late"});
  CHECK_FALSE(set_in_time);
  CHECK(err == sim::ContextError::kDeadlineExceeded);
}

TEST_CASE("on the real-time loop channels, select, mutexes and processes work unchanged",
          "[sim][realtime]") {
  sim::Bubble b(RealTime());
  int sum = 0;
  int selected = -1;
  int counter = 0;
  bool killed_ran_on = false;
  auto result = b.Run([&] {
    sim::Channel<int> ch(0, "numbers");
    sim::Spawn("producer", [&] {
      for (int i = 1; i <= 10; ++i) {
        ch.Send(i);
      }
      ch.Close();
    });
    while (auto v = ch.Recv()) {
      sum += *v;
    }

    sim::Channel<int> a(1);
    sim::Channel<int> quiet;
    sim::Timer t(1ms);
    a.Send(5);
    selected = sim::Select(sim::RecvCase(quiet), sim::RecvCase(a), sim::RecvCase(t.C()));

    sim::Mutex mu;
    sim::ConditionVariable cv;
    sim::WaitGroup wg;
    for (int i = 0; i < 4; ++i) {
      wg.Go("incr", [&] {
        std::unique_lock lock(mu);
        ++counter;
        cv.NotifyAll();
      });
    }
    {
      std::unique_lock lock(mu);
      cv.Wait(lock, [&] { return counter == 4; });
    }
    wg.Wait();

    sim::Process p = sim::SpawnProcess("sleeper", [&] {
      sim::SleepFor(1h);
      killed_ran_on = true;
    });
    sim::SleepFor(1ms);
    p.Kill();
    p.Wait();
  });
  REQUIRE(result.Passed());
  CHECK(sum == 55);
  CHECK(selected == 1);
  CHECK(counter == 4);
  CHECK_FALSE(killed_ran_on);
}

TEST_CASE("the real-time loop reports a deadlock as the simulated one does", "[sim][realtime]") {
  sim::Bubble b(RealTime());
  auto result = b.Run([] {
    sim::Channel<int> ch(0, "nobody-sends");
    ch.Recv();
  });
  REQUIRE_FALSE(result.Passed());
  CHECK(result.failure->kind == sim::FailureKind::kDeadlock);
  CHECK_THAT(result.report, Contains("nobody-sends"));
}

TEST_CASE("the real-time loop takes only the fifo strategy", "[sim][realtime]") {
  sim::Options options = RealTime();
  options.strategy = sim::StrategyKind::kRandom;
  CHECK_THROWS_WITH(sim::Bubble(options), Contains("fifo"));
}

TEST_CASE("the simulated loop is unchanged: time starts at the epoch and jumps",
          "[sim][realtime]") {
  sim::Bubble b;
  sim::TimePoint woke;
  auto result = b.Run([&] {
    sim::SleepFor(1h);
    woke = sim::Now();
  });
  REQUIRE(result.Passed());
  CHECK(woke == sim::Clock::Epoch() + 1h);
}
