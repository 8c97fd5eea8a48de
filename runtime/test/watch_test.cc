#include "bubble/runtime/watch.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/runtime/config_map.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/timer.h>

namespace rt = bubble::runtime;
namespace sim = bubble::sim;
using namespace std::chrono_literals;

namespace {

rt::ObjectPtr Cm(std::string name) {
  return std::make_shared<const rt::ConfigMap>(rt::ObjectMeta{.name = std::move(name)});
}

}  // namespace

TEST_CASE("an unbuffered channel watcher hands each event to the consumer", "[runtime][watch]") {
  auto run = [] {
    sim::Bubble b;
    std::vector<std::string> seen;
    auto r = b.Run([&] {
      auto w = std::make_shared<rt::ChannelWatcher>(0, "fake watch");
      sim::Spawn("producer", [w] {
        CHECK(w->Add(Cm("a")));
        CHECK(w->Modify(Cm("a")));
        CHECK(w->Delete(Cm("a")));
        w->Stop();
      });
      while (auto ev = w->ResultChan().Recv()) {
        seen.push_back(fmt::format("{}", *ev));
      }
    });
    CHECK(seen == std::vector<std::string>{"ADDED ConfigMap a", "MODIFIED ConfigMap a",
                                           "DELETED ConfigMap a"});
    return r;
  };
  auto r1 = run();
  auto r2 = run();
  INFO(r1.report);
  REQUIRE(r1.Passed());
  CHECK(r1.fingerprint == r2.fingerprint);
}

TEST_CASE("Stop wakes a blocked producer and drops later events", "[runtime][watch]") {
  sim::Bubble b;
  bool sent = true;
  auto r = b.Run([&] {
    auto w = std::make_shared<rt::ChannelWatcher>(0);
    sim::Spawn("producer", [w, &sent] { sent = w->Add(Cm("a")); });
    sim::SleepFor(1s);  // the producer blocks: nobody reads
    w->Stop();
    sim::Wait();
    CHECK(w->ResultChan().Closed());
    CHECK_FALSE(w->Add(Cm("b")));
    CHECK(w->TrySend({rt::WatchEventType::kAdded, Cm("c"), nullptr}) ==
          rt::ChannelWatcher::SendResult::kStopped);
    w->Stop();  // idempotent
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK_FALSE(sent);
}

TEST_CASE("a buffered channel watcher reports a full buffer without blocking", "[runtime][watch]") {
  rt::ChannelWatcher w(2);
  CHECK(w.TrySend({rt::WatchEventType::kAdded, Cm("a"), nullptr}) ==
        rt::ChannelWatcher::SendResult::kSent);
  CHECK(w.TrySend({rt::WatchEventType::kAdded, Cm("b"), nullptr}) ==
        rt::ChannelWatcher::SendResult::kSent);
  CHECK(w.TrySend({rt::WatchEventType::kAdded, Cm("c"), nullptr}) ==
        rt::ChannelWatcher::SendResult::kFull);
  w.Stop();
  // Buffered events survive the close.
  auto first = w.ResultChan().TryRecv();
  REQUIRE(first.has_value());
  CHECK(first->object->metadata.name == "a");
}

TEST_CASE("watch events format with their type", "[runtime][watch]") {
  CHECK(fmt::format("{}", rt::WatchEvent{rt::WatchEventType::kBookmark, Cm("x"), nullptr}) ==
        "BOOKMARK ConfigMap x");
  CHECK(fmt::format("{}", rt::WatchEvent{rt::WatchEventType::kError, nullptr,
                                         std::make_shared<const rt::Status>(rt::NewResourceExpired(
                                             "too old resource version: 1 (5)"))}) ==
        "ERROR 410 Expired: too old resource version: 1 (5)");
}
