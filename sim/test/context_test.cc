// sim/test/context_test.cc: cancellation, deadlines and their propagation (Go's context).
#include "bubble/sim/context.h"

#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/timer.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;

namespace {

const sim::TimePoint kEpoch = sim::Clock::Epoch();

std::string Since(sim::TimePoint t) {
  return sim::FormatDuration(t - kEpoch);
}

}  // namespace

TEST_CASE("context errors read as Go's", "[sim][context]") {
  CHECK(sim::ContextErrorMessage(sim::ContextError::kNone).empty());
  CHECK(sim::ContextErrorMessage(sim::ContextError::kCanceled) == "context canceled");
  CHECK(sim::ContextErrorMessage(sim::ContextError::kDeadlineExceeded) ==
        "context deadline exceeded");
}

TEST_CASE("a background context is never done and has no deadline", "[sim][context]") {
  const sim::Context bg = sim::Context::Background();
  CHECK(bg.Err() == sim::ContextError::kNone);
  CHECK_FALSE(bg.IsDone());
  CHECK_FALSE(bg.Deadline().has_value());
  CHECK_FALSE(bg.Done().Closed());
}

TEST_CASE("cancelling a context cancels its children and grandchildren, not its parent",
          "[sim][context]") {
  const sim::Context root = sim::Context::Background();
  auto [parent, cancel_parent] = sim::WithCancel(root);
  auto [child, cancel_child] = sim::WithCancel(parent);
  auto [sibling, cancel_sibling] = sim::WithCancel(parent);
  auto [grandchild, cancel_grandchild] = sim::WithCancel(child);

  cancel_child();
  CHECK(child.Err() == sim::ContextError::kCanceled);
  CHECK(child.Done().Closed());
  CHECK(grandchild.Err() == sim::ContextError::kCanceled);
  CHECK(grandchild.Done().Closed());
  CHECK(parent.Err() == sim::ContextError::kNone);  // a child never cancels its parent
  CHECK_FALSE(parent.Done().Closed());
  CHECK(sibling.Err() == sim::ContextError::kNone);

  cancel_parent();
  CHECK(parent.Err() == sim::ContextError::kCanceled);
  CHECK(sibling.Err() == sim::ContextError::kCanceled);
  CHECK(sibling.Done().Closed());
  CHECK(root.Err() == sim::ContextError::kNone);

  cancel_parent();  // idempotent
  cancel_grandchild();
  CHECK(parent.Err() == sim::ContextError::kCanceled);
}

TEST_CASE("a context derived from a cancelled parent starts cancelled", "[sim][context]") {
  auto [parent, cancel] = sim::WithCancel(sim::Context::Background());
  cancel();
  auto [child, cancel_child] = sim::WithCancel(parent);
  CHECK(child.Err() == sim::ContextError::kCanceled);
  CHECK(child.Done().Closed());
  cancel_child();
}

TEST_CASE("cancellation wakes every fiber blocked on Done()", "[sim][context]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    auto [parent, cancel] = sim::WithCancel(sim::Context::Background());
    auto [child, cancel_child] = sim::WithCancel(parent);
    sim::Spawn("on parent", [&, parent = parent] {
      parent.Done().Recv();
      log.push_back(fmt::format("parent done at {}", Since(sim::Now())));
    });
    sim::Spawn("on child", [&, child = child] {
      child.Done().Recv();
      log.push_back(fmt::format("child done at {}: {}", Since(sim::Now()),
                                sim::ContextErrorMessage(child.Err())));
    });
    sim::SleepFor(5s);
    cancel();
    sim::Wait();
    cancel_child();
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"parent done at 5s", "child done at 5s: context canceled"});
}

TEST_CASE("WithTimeout cancels at the exact virtual instant with deadline exceeded",
          "[sim][context]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    sim::SleepFor(1s);
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 5s);
    log.push_back(fmt::format("deadline {} err '{}'", Since(*ctx.Deadline()),
                              sim::ContextErrorMessage(ctx.Err())));
    ctx.Done().Recv();
    log.push_back(
        fmt::format("done at {}: {}", Since(sim::Now()), sim::ContextErrorMessage(ctx.Err())));
    cancel();  // after the timeout: the reason stays
    log.push_back(std::string(sim::ContextErrorMessage(ctx.Err())));
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{"deadline 6s err ''",
                                        "done at 6s: context deadline exceeded",
                                        "context deadline exceeded"});
  CHECK(r.end_time == kEpoch + 6s);
}

TEST_CASE("cancelling before the deadline stops the deadline timer", "[sim][context]") {
  sim::Bubble b;
  sim::ContextError err = sim::ContextError::kNone;
  auto r = b.Run([&] {
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 1h);
    sim::SleepFor(1s);
    cancel();
    err = ctx.Err();
  });
  REQUIRE(r.Passed());
  CHECK(err == sim::ContextError::kCanceled);
  CHECK(r.end_time == kEpoch + 1s);  // no timer left to move the clock to 1h
}

TEST_CASE("a child's deadline is capped by its parent's earlier deadline", "[sim][context]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    auto [parent, cancel_parent] = sim::WithTimeout(sim::Context::Background(), 2s);
    auto [late, cancel_late] = sim::WithTimeout(parent, 10s);
    auto [early, cancel_early] = sim::WithDeadline(parent, kEpoch + 1s);
    log.push_back(fmt::format("late deadline {}, early deadline {}", Since(*late.Deadline()),
                              Since(*early.Deadline())));
    early.Done().Recv();
    log.push_back(fmt::format("early done at {}: {}; parent err '{}'", Since(sim::Now()),
                              sim::ContextErrorMessage(early.Err()),
                              sim::ContextErrorMessage(parent.Err())));
    late.Done().Recv();
    log.push_back(fmt::format("late done at {}: {}", Since(sim::Now()),
                              sim::ContextErrorMessage(late.Err())));
    cancel_early();
    cancel_late();
    cancel_parent();
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log == std::vector<std::string>{
                   "late deadline 2s, early deadline 1s",
                   "early done at 1s: context deadline exceeded; parent err ''",
                   "late done at 2s: context deadline exceeded",
               });
}

TEST_CASE("a deadline that has already passed gives a context that is done at once",
          "[sim][context]") {
  sim::Bubble b;
  std::vector<std::string> log;
  auto r = b.Run([&] {
    sim::SleepFor(3s);
    auto [past, cancel_past] = sim::WithDeadline(sim::Context::Background(), kEpoch + 1s);
    auto [zero, cancel_zero] = sim::WithTimeout(sim::Context::Background(), 0s);
    log.push_back(fmt::format("{} / {} at {}", sim::ContextErrorMessage(past.Err()),
                              sim::ContextErrorMessage(zero.Err()), Since(sim::Now())));
    cancel_past();
    cancel_zero();
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(log ==
        std::vector<std::string>{"context deadline exceeded / context deadline exceeded at 3s"});
}

TEST_CASE("WithTimeout outside a running bubble is a usage error", "[sim][context]") {
  CHECK_THROWS_AS(sim::WithTimeout(sim::Context::Background(), 1s), bubble::UsageError);
  CHECK_THROWS_WITH(sim::WithTimeout(sim::Context::Background(), 1s),
                    Contains("WithDeadline/WithTimeout outside a running bubble"));
}
