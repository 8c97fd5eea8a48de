// sim/test/select_test.cc: Go's select over channels, timers, contexts and events.
#include "bubble/sim/select.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/context.h>
#include <bubble/sim/event.h>
#include <bubble/sim/timer.h>
#include <bubble/testing/testing.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;

namespace {

const sim::TimePoint kEpoch = sim::Clock::Epoch();

std::string Since(sim::TimePoint t) {
  return sim::FormatDuration(t - kEpoch);
}

}  // namespace

TEST_CASE("select completes a ready case at once without blocking", "[sim][select]") {
  sim::Bubble b({.trace = sim::TraceMode::kFull});
  int chosen = -1;
  std::optional<int> value;
  auto r = b.Run([&] {
    sim::Channel<int> empty(0, "empty");
    sim::Channel<int> full(1, "full");
    full.Send(9);
    chosen = sim::Select(sim::RecvCase(empty), sim::RecvCase(full, &value));
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(chosen == 1);
  CHECK(value == 9);
  CHECK(r.end_time == kEpoch);
  for (const sim::TraceEvent& e : b.GetTrace().Events()) {
    CHECK(e.kind != sim::EventKind::kBlock);
  }
}

TEST_CASE("under fifo, select picks the first listed of several ready cases", "[sim][select]") {
  sim::Bubble b;
  std::vector<int> chosen;
  auto r = b.Run([&] {
    sim::Channel<int> a(1, "a");
    sim::Channel<int> c(1, "c");
    for (int i = 0; i < 3; ++i) {
      a.TrySend(1);
      c.TrySend(2);
      chosen.push_back(sim::Select(sim::RecvCase(a), sim::RecvCase(c)));
      c.TryRecv();
      a.TryRecv();
    }
  });
  REQUIRE(r.Passed());
  CHECK(chosen == std::vector<int>{0, 0, 0});
}

TEST_CASE("under random, select picks among ready cases by seed and records the choice",
          "[sim][select][strategy]") {
  std::set<int> seen;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    sim::Bubble b({.seed = seed, .strategy = sim::StrategyKind::kRandom});
    int chosen = -1;
    auto r = b.Run([&] {
      sim::Channel<int> a(1, "a");
      sim::Channel<int> c(1, "c");
      a.Send(1);
      c.Send(2);
      chosen = sim::Select(sim::RecvCase(a), sim::RecvCase(c));
    });
    REQUIRE(r.Passed());
    REQUIRE(r.decisions.size() == 1);
    CHECK(r.decisions[0] ==
          sim::Decision{sim::CandidateKind::kSelectCase, static_cast<std::uint64_t>(chosen)});
    seen.insert(chosen);
  }
  CHECK(seen == std::set<int>{0, 1});
}

TEST_CASE("a blocked select completes the first case to become ready and withdraws the others",
          "[sim][select]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    sim::Channel<int> a(0, "a");
    sim::Channel<int> c(0, "c");
    sim::Spawn("selector", [&] {
      std::optional<int> va;
      std::optional<int> vc;
      const int chosen = sim::Select(sim::RecvCase(a, &va), sim::RecvCase(c, &vc));
      log.push_back(fmt::format("case {} va={} vc={} at {}", chosen, va.value_or(-1),
                                vc.value_or(-1), Since(sim::Now())));
    });
    sim::SleepFor(1s);
    c.Send(5);
    sim::Wait();
    // The selector no longer waits on `a`: a send there finds no receiver.
    log.push_back(fmt::format("later trysend on a: {}", a.TrySend(6)));
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"case 1 va=-1 vc=5 at 1s", "later trysend on a: false"});
}

TEST_CASE("a send case blocks until a receiver takes the value", "[sim][select]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Channel<int> out(0, "out");
    sim::Channel<int> in(0, "in");
    sim::Spawn("receiver", [&] {
      sim::SleepFor(2s);
      log.push_back(fmt::format("received {}", *out.Recv()));
    });
    const int chosen = sim::Select(sim::SendCase(out, 11), sim::RecvCase(in));
    log.push_back(fmt::format("case {} at {}", chosen, Since(sim::Now())));
    sim::Wait();
    log.push_back(fmt::format("later trysend on in: {}", in.TrySend(1)));
  });
  CHECK(log ==
        std::vector<std::string>{"received 11", "case 0 at 2s", "later trysend on in: false"});
}

TEST_CASE("TrySelect returns -1 when no case is ready and leaves nothing enqueued",
          "[sim][select]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Channel<int> a(0, "a");
    sim::Channel<int> c(1, "c");
    log.push_back(
        fmt::format("nothing ready: {}", sim::TrySelect(sim::RecvCase(a), sim::RecvCase(c))));
    log.push_back(fmt::format("trysend on a: {}", a.TrySend(1)));
    c.Send(3);
    std::optional<int> v;
    const int chosen = sim::TrySelect(sim::RecvCase(a), sim::RecvCase(c, &v));
    log.push_back(fmt::format("c ready: {} v={}", chosen, v.value_or(-1)));
    log.push_back(fmt::format("send case with room: {}", sim::TrySelect(sim::SendCase(c, 4))));
    log.push_back(fmt::format("send case when full: {}", sim::TrySelect(sim::SendCase(c, 5))));
  });
  CHECK(log == std::vector<std::string>{"nothing ready: -1", "trysend on a: false",
                                        "c ready: 1 v=3", "send case with room: 0",
                                        "send case when full: -1"});
}

TEST_CASE("a closed channel's receive case is ready and yields nullopt", "[sim][select]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Channel<int> open(0, "open");
    sim::Channel<int> closed(0, "closed");
    closed.Close();
    std::optional<int> v = 123;
    const int chosen = sim::Select(sim::RecvCase(open), sim::RecvCase(closed, &v));
    log.push_back(
        fmt::format("case {} has_value={} at {}", chosen, v.has_value(), Since(sim::Now())));
    log.push_back(
        fmt::format("try: {}", sim::TrySelect(sim::RecvCase(open), sim::RecvCase(closed))));
  });
  CHECK(log == std::vector<std::string>{"case 1 has_value=false at 0s", "try: 1"});
}

TEST_CASE("closing a channel wakes a select blocked on it", "[sim][select]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Channel<int> a(0, "a");
    sim::Channel<int> c(0, "c");
    sim::Spawn("closer", [&] {
      sim::SleepFor(3s);
      c.Close();
    });
    std::optional<int> v = 1;
    const int chosen = sim::Select(sim::RecvCase(a), sim::RecvCase(c, &v));
    log.push_back(
        fmt::format("case {} has_value={} at {}", chosen, v.has_value(), Since(sim::Now())));
  });
  CHECK(log == std::vector<std::string>{"case 1 has_value=false at 3s"});
}

TEST_CASE("a send case on a closed channel fails the run with a usage error", "[sim][select]") {
  sim::Bubble b;
  auto r = b.Run([&] {
    sim::Channel<int> a(0, "a");
    sim::Channel<int> jobs(0, "jobs");
    jobs.Close();
    sim::Select(sim::RecvCase(a), sim::SendCase(jobs, 1));
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kException);
  CHECK_THAT(r.failure->message, Contains("send on closed channel 'jobs'"));
}

TEST_CASE("one select waits on an event channel, a stop context and a resync timer",
          "[sim][select]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    sim::Channel<int> events(0, "events");
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 10s);
    sim::Spawn("producer", [&] {
      sim::SleepFor(1s);
      events.Send(1);
      sim::SleepFor(3s);
      events.Send(2);
    });
    sim::Timer resync(3s, "resync");
    for (bool running = true; running;) {
      std::optional<int> ev;
      std::optional<sim::TimePoint> tick;
      switch (sim::Select(sim::RecvCase(events, &ev), sim::RecvCase(ctx.Done()),
                          sim::RecvCase(resync.C(), &tick))) {
        case 0:
          log.push_back(fmt::format("event {} at {}", *ev, Since(sim::Now())));
          break;
        case 1:
          log.push_back(fmt::format("stop at {}: {}", Since(sim::Now()),
                                    sim::ContextErrorMessage(ctx.Err())));
          running = false;
          break;
        case 2:
          log.push_back(fmt::format("resync fired {} at {}", Since(*tick), Since(sim::Now())));
          resync.Reset(3s);
          break;
      }
    }
    cancel();
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{
                   "event 1 at 1s",
                   "resync fired 3s at 3s",
                   "event 2 at 4s",
                   "resync fired 6s at 6s",
                   "resync fired 9s at 9s",
                   "stop at 10s: context deadline exceeded",
               });
}

TEST_CASE("an event's channel is a select case that becomes ready when the event is set",
          "[sim][select][event]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Event stop("stop");
    sim::Channel<int> work(0, "work");
    sim::Spawn("stopper", [&] {
      sim::SleepFor(2s);
      stop.Set();
    });
    const int chosen = sim::Select(sim::RecvCase(work), sim::RecvCase(stop.GetChannel()));
    log.push_back(fmt::format("case {} at {}", chosen, Since(sim::Now())));
  });
  CHECK(log == std::vector<std::string>{"case 1 at 2s"});
}
