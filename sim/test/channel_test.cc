// sim/test/channel_test.cc: Go's channel semantics on the bubble's scheduler.
#include "bubble/sim/channel.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>
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

TEST_CASE("an unbuffered send blocks the sender until a receiver takes the value",
          "[sim][channel]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Channel<int> ch(0, "handoff");
    sim::Spawn("sender", [&] {
      ch.Send(42);
      log.push_back(fmt::format("send returned at {}", Since(sim::Now())));
    });
    sim::Wait();
    log.push_back(fmt::format("sender still blocked: {}", log.empty()));
    sim::SleepFor(2s);
    const int v = *ch.Recv();
    log.push_back(fmt::format("received {} at {}", v, Since(sim::Now())));
    sim::Wait();
  });
  CHECK(log == std::vector<std::string>{"sender still blocked: true", "received 42 at 2s",
                                        "send returned at 2s"});
}

TEST_CASE("a buffered channel accepts up to its capacity without blocking", "[sim][channel]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Channel<int> ch(2, "buf");
    ch.Send(1);
    ch.Send(2);
    log.push_back(
        fmt::format("size {} of {}, trysend {}", ch.size(), ch.Capacity(), ch.TrySend(99)));
    sim::Spawn("reader", [&] {
      sim::SleepFor(1s);
      while (auto v = ch.Recv()) {
        log.push_back(fmt::format("got {}", *v));
      }
    });
    ch.Send(3);  // blocks until the reader frees a slot at 1s
    log.push_back(fmt::format("third send returned at {}", Since(sim::Now())));
    ch.Close();
    sim::Wait();
  });
  // Receiving without blocking is not a scheduling point: the reader drains the buffer before
  // the released sender runs again.
  CHECK(log == std::vector<std::string>{"size 2 of 2, trysend false", "got 1", "got 2", "got 3",
                                        "third send returned at 1s"});
}

TEST_CASE("blocked receivers are served in arrival order", "[sim][channel]") {
  std::vector<std::string> got;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Channel<int> ch(0, "fifo");
    for (int i = 0; i < 3; ++i) {
      sim::Spawn(fmt::format("r{}", i),
                 [&ch, &got, i] { got.push_back(fmt::format("r{}={}", i, *ch.Recv())); });
    }
    sim::Wait();
    for (int v = 10; v < 13; ++v) {
      ch.Send(v);
    }
    sim::Wait();
  });
  CHECK(got == std::vector<std::string>{"r0=10", "r1=11", "r2=12"});
}

TEST_CASE("blocked senders are served in arrival order", "[sim][channel]") {
  std::vector<int> got;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Channel<int> ch(0, "fifo");
    for (int i = 0; i < 3; ++i) {
      sim::Spawn(fmt::format("s{}", i), [&ch, i] { ch.Send(i); });
    }
    sim::Wait();
    for (int k = 0; k < 3; ++k) {
      got.push_back(*ch.Recv());
    }
  });
  CHECK(got == std::vector<int>{0, 1, 2});
}

TEST_CASE("Close wakes every blocked receiver with nullopt", "[sim][channel]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Channel<int> ch(0, "events");
    for (int i = 0; i < 2; ++i) {
      sim::Spawn(fmt::format("r{}", i), [&ch, &log, i] {
        const std::optional<int> v = ch.Recv();
        log.push_back(fmt::format("r{} got {} at {}", i, v.has_value() ? "value" : "nullopt",
                                  Since(sim::Now())));
      });
    }
    sim::SleepFor(1s);
    ch.Close();
    sim::Wait();
  });
  CHECK(log == std::vector<std::string>{"r0 got nullopt at 1s", "r1 got nullopt at 1s"});
}

TEST_CASE("a closed channel still delivers its buffer, then nullopt at once", "[sim][channel]") {
  std::vector<std::optional<int>> got;
  auto r = bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Channel<int> ch(3, "buf");
    ch.Send(1);
    ch.Send(2);
    ch.Close();
    CHECK(ch.Closed());
    for (int i = 0; i < 4; ++i) {
      got.push_back(ch.Recv());
    }
    got.push_back(ch.TryRecv());
  });
  CHECK(got == std::vector<std::optional<int>>{1, 2, std::nullopt, std::nullopt, std::nullopt});
  CHECK(r.end_time == kEpoch);
}

TEST_CASE("send on a closed channel fails the run with a usage error naming the channel",
          "[sim][channel]") {
  sim::Bubble b;
  bool after_send = false;
  auto r = b.Run([&] {
    sim::Channel<int> ch(1, "jobs");
    ch.Close();
    ch.Send(1);
    after_send = true;
  });
  REQUIRE_FALSE(r.Passed());
  CHECK_FALSE(after_send);
  CHECK(r.failure->kind == sim::FailureKind::kException);
  CHECK(r.failure->fiber_name == "main");
  CHECK(r.failure->message ==
        "usage error: send on closed channel 'jobs': close a channel only after its last send");
  CHECK_THAT(r.report, Contains("send on closed channel 'jobs'"));
}

TEST_CASE("closing a channel fails every blocked sender", "[sim][channel]") {
  sim::Bubble b;
  auto r = b.Run([&] {
    sim::Channel<int> ch(0, "jobs");
    sim::Spawn("producer", [&] { ch.Send(7); });
    sim::Wait();
    ch.Close();
    sim::Wait();
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kException);
  CHECK(r.failure->fiber_name == "producer");
  CHECK_THAT(r.failure->message, Contains("send on closed channel 'jobs'"));
}

TEST_CASE("closing a channel twice is a usage error", "[sim][channel]") {
  sim::Bubble b;
  auto r = b.Run([&] {
    sim::Channel<int> ch(0, "once");
    ch.Close();
    ch.Close();
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kException);
  CHECK(r.failure->message ==
        "usage error: close of closed channel 'once': close a channel exactly once");
}

TEST_CASE("TrySend and TryRecv never block", "[sim][channel]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    sim::Channel<int> unbuffered(0, "u");
    log.push_back(fmt::format("trysend with no receiver: {}", unbuffered.TrySend(1)));
    log.push_back(fmt::format("tryrecv with no sender: {}", unbuffered.TryRecv().has_value()));
    sim::Spawn("receiver",
               [&] { log.push_back(fmt::format("receiver got {}", *unbuffered.Recv())); });
    log.push_back(fmt::format("trysend to a waiting receiver: {}", unbuffered.TrySend(2)));
    sim::Spawn("sender", [&] { unbuffered.Send(3); });
    log.push_back(fmt::format("tryrecv from a waiting sender: {}", *unbuffered.TryRecv()));
    sim::Channel<int> buffered(1, "b");
    log.push_back(fmt::format("trysend into room: {}", buffered.TrySend(4)));
    log.push_back(fmt::format("trysend when full: {}", buffered.TrySend(5)));
    log.push_back(fmt::format("tryrecv buffered: {}", *buffered.TryRecv()));
    sim::Wait();
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{
                   "trysend with no receiver: false",
                   "tryrecv with no sender: false",
                   "trysend to a waiting receiver: true",
                   "receiver got 2",
                   "tryrecv from a waiting sender: 3",
                   "trysend into room: true",
                   "trysend when full: false",
                   "tryrecv buffered: 4",
               });
  CHECK(r.end_time == kEpoch);
}

TEST_CASE("a blocked sender's value moves into the buffer slot a receive frees", "[sim][channel]") {
  std::vector<int> got;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Channel<int> ch(1, "b");
    ch.Send(1);
    sim::Spawn("sender", [&] { ch.Send(2); });
    sim::Wait();
    got.push_back(*ch.TryRecv());
    got.push_back(static_cast<int>(ch.size()));  // 2 is buffered now, the sender released
    sim::Wait();
    got.push_back(*ch.TryRecv());
  });
  CHECK(got == std::vector<int>{1, 1, 2});
}

TEST_CASE("channels carry move-only values", "[sim][channel]") {
  int got = 0;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Channel<std::unique_ptr<int>> ch(0, "ptrs");
    sim::Spawn("sender", [&] { ch.Send(std::make_unique<int>(5)); });
    got = **ch.Recv();
  });
  CHECK(got == 5);
}

TEST_CASE("Recv with a context gives up with nullopt when the context is cancelled",
          "[sim][channel][context]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Channel<int> ch(0, "events");
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 3s);
    const std::optional<int> v = ch.Recv(ctx);
    log.push_back(fmt::format("value {} at {}: {}", v.has_value(), Since(sim::Now()),
                              sim::ContextErrorMessage(ctx.Err())));
    cancel();
    sim::Spawn("late sender", [&] { log.push_back(fmt::format("trysend {}", ch.TrySend(1))); });
  });
  CHECK(log == std::vector<std::string>{"value false at 3s: context deadline exceeded",
                                        "trysend false"});  // the receive was withdrawn
}

TEST_CASE("Send with a context gives up when cancelled and does not deliver the value",
          "[sim][channel][context]") {
  std::vector<std::string> log;
  bubble::testing::RunOnce({}, [&](sim::Bubble&) {
    sim::Channel<int> ch(0, "events");
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    sim::Spawn("canceller", [&, cancel = cancel] {
      sim::SleepFor(1s);
      cancel();
    });
    const bool sent = ch.Send(7, ctx);
    log.push_back(fmt::format("sent {} at {}: {}", sent, Since(sim::Now()),
                              sim::ContextErrorMessage(ctx.Err())));
    log.push_back(fmt::format("tryrecv {}", ch.TryRecv().has_value()));
    auto [live, stop] = sim::WithCancel(sim::Context::Background());
    sim::Spawn("receiver", [&] { log.push_back(fmt::format("received {}", *ch.Recv())); });
    log.push_back(fmt::format("sent {} with a live context", ch.Send(8, live)));
    stop();
  });
  CHECK(log == std::vector<std::string>{"sent false at 1s: context canceled", "tryrecv false",
                                        "sent true with a live context", "received 8"});
}
