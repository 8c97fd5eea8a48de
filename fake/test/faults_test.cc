// Faults and latency: drawn from the bubble's generator, recorded in the trace, replayable.
#include <catch2/catch.hpp>

#include <bubble/fake/clientset.h>
#include <bubble/sim/context.h>
#include <bubble/sim/timer.h>

#include "test_util.h"

namespace fake = bubble::fake;
using namespace fake::testing;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> TraceDetails(sim::Bubble& b, std::string_view prefix) {
  std::vector<std::string> out;
  for (const sim::TraceEvent& e : b.GetTrace().Events()) {
    if (e.detail.starts_with(prefix)) {
      out.push_back(e.detail);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("an error rule with probability 1 fails matching requests before the server",
          "[fake][faults]") {
  fake::Options opts;
  opts.faults.errors.push_back({.verb = "create",
                                .resource = "configmaps",
                                .probability = 1,
                                .error = rt::NewServerTimeout({"", "configmaps"}, "create", 1)});
  auto cs = std::make_shared<fake::Clientset>(opts);
  sim::Bubble b({.trace = sim::TraceMode::kFull});
  const auto r = b.Run([&] {
    auto cms = cs->ConfigMaps("ns");
    const auto created = cms.Create(Cm("ns", "a"));
    REQUIRE_FALSE(created.has_value());
    CHECK(rt::IsServerTimeout(created.error()));
    CHECK(rt::IsNotFound(cms.Get("a").error()));  // never reached the server
    CHECK(cs->Secrets("ns").Create(rt::Secret({.name = "s"})).has_value());  // other resource
  });
  REQUIRE(r.Passed());
  CHECK(TraceDetails(b, "fault:") ==
        std::vector<std::string>{
            "fault: create v1/configmaps ns/a: 500 ServerTimeout: The create operation against "
            "configmaps could not be completed at this time, please try again."});
  CHECK(cs->Actions().size() == 2);  // the failed create never reached the reactors
}

TEST_CASE("an after-apply fault loses the response of a write that happened", "[fake][faults]") {
  fake::Options opts;
  opts.faults.errors.push_back({.verb = "update",
                                .probability = 1,
                                .error = rt::NewInternalError("lost"),
                                .after_apply = true});
  RunInBubble([&] {
    auto cs = fake::NewClientset(opts, Cm("ns", "a"));
    auto cms = cs->ConfigMaps("ns");
    const auto updated = cms.Update(Cm("ns", "a", {{"k", "v"}}));
    REQUIRE_FALSE(updated.has_value());
    CHECK(updated.error().message == "Internal error occurred: lost");
    CHECK((*cms.Get("a"))->data.at("k") == "v");  // applied all the same
  });
}

TEST_CASE("error draws come from the seed: same seed, same faults", "[fake][faults]") {
  auto pattern = [](std::uint64_t seed) {
    std::string outcome;
    fake::Options opts;
    opts.faults.errors.push_back({.verb = "get", .probability = 0.5});
    auto cs = fake::NewClientset(opts, Cm("ns", "a"));
    sim::Bubble b({.seed = seed});
    const auto r = b.Run([&] {
      for (int i = 0; i < 32; ++i) {
        outcome += cs->ConfigMaps("ns").Get("a").has_value() ? '.' : 'x';
      }
    });
    REQUIRE(r.Passed());
    return std::pair{outcome, r.fingerprint};
  };
  const auto a = pattern(7);
  CHECK(a == pattern(7));
  CHECK(a.first.find('x') != std::string::npos);
  CHECK(a.first.find('.') != std::string::npos);
  CHECK(pattern(8).first != a.first);
}

TEST_CASE("latency is virtual time and lets other fibers run", "[fake][faults][latency]") {
  fake::Options opts;
  opts.faults.latency.push_back({.verb = "create", .min = 10ms, .max = 10ms});
  RunTwice([&] {
    auto local = std::make_shared<fake::Clientset>(opts);
    sim::Bubble b;
    return b.Run([local] {
      std::vector<std::string> order;
      auto w = local->ConfigMaps("").Watch({.resource_version = "0"});
      REQUIRE(w.has_value());
      sim::Spawn("reader", [&] {
        while (auto ev = (*w)->ResultChan().Recv()) {
          order.push_back(fmt::format("saw {} at {}", ev->object->metadata.name,
                                      sim::FormatDuration(sim::Now() - sim::Clock::Epoch())));
        }
      });
      REQUIRE(local->ConfigMaps("ns").Create(Cm("ns", "a")).has_value());
      order.push_back(fmt::format("create returned at {}",
                                  sim::FormatDuration(sim::Now() - sim::Clock::Epoch())));
      (*w)->Stop();
      sim::Wait();
      // Request latency 10ms, the write, the watcher sees it while the response is in flight.
      CHECK(order == std::vector<std::string>{"saw a at 10ms", "create returned at 20ms"});
    });
  });
}

TEST_CASE("a context deadline cuts a slow request short", "[fake][faults][latency]") {
  fake::Options opts;
  opts.faults.latency.push_back({.min = 5s, .max = 5s});
  RunInBubble([&] {
    auto cs = std::make_shared<fake::Clientset>(opts);
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 7s);
    // Request latency 5s, applied, then the response needs 5s more: the deadline at 7s wins.
    const auto created = cs->ConfigMaps("ns").Create(ctx, Cm("ns", "a"), {});
    cancel();
    REQUIRE_FALSE(created.has_value());
    CHECK(rt::IsDeadlineExceeded(created.error()));
    CHECK(sim::Now() == sim::Clock::Epoch() + 7s);
    CHECK(cs->GetTracker().Get(ConfigMaps(), "ns", "a").has_value());  // the write happened

    auto [done, cancel_done] = sim::WithCancel(sim::Context::Background());
    cancel_done();
    CHECK(rt::IsContextCanceled(cs->ConfigMaps("ns").Get(done, "a", {}).error()));
  });
}

TEST_CASE("watch streams can end early", "[fake][faults][watch]") {
  fake::Options opts;
  opts.faults.watch_end_probability = 1;
  RunInBubble([&] {
    auto cs = std::make_shared<fake::Clientset>(opts);
    auto w = cs->ConfigMaps("").Watch();
    REQUIRE(w.has_value());
    REQUIRE(cs->ConfigMaps("ns").Create(Cm("ns", "a")).has_value());
    REQUIRE(cs->ConfigMaps("ns").Create(Cm("ns", "b")).has_value());
    CHECK(Drain(**w) == Events{"ADDED a"});  // the stream ended after one event
    CHECK((*w)->ResultChan().Closed());
  });
}

TEST_CASE("watches can have a random lifetime", "[fake][faults][watch]") {
  fake::Options opts;
  opts.faults.watch_max_lifetime = 60s;
  RunTwice([&] {
    auto cs = std::make_shared<fake::Clientset>(opts);
    sim::Bubble b({.seed = 3});
    return b.Run([cs] {
      auto w = cs->ConfigMaps("").Watch();
      REQUIRE(w.has_value());
      CHECK_FALSE((*w)->ResultChan().Recv().has_value());  // closed by the server
      CHECK(sim::Now() > sim::Clock::Epoch());
      CHECK(sim::Now() <= sim::Clock::Epoch() + 60s);
    });
  });
}

TEST_CASE("compaction faults force 410 on a watch from an older version", "[fake][faults][410]") {
  fake::Options opts;
  opts.faults.compaction_probability = 1;
  RunInBubble([&] {
    auto cs = fake::NewClientset(opts, Cm("ns", "a"), Cm("ns", "b"));
    auto cms = cs->ConfigMaps("");
    auto old = cms.Watch({.resource_version = "2"});
    REQUIRE(old.has_value());
    CHECK(Drain(**old) == Events{"ERROR 410"});
    auto current = cms.Watch({.resource_version = "3"});
    CHECK(Drain(**current).empty());  // nothing was missed: no 410
    auto from_zero = cms.Watch({.resource_version = "0"});
    CHECK(Drain(**from_zero).size() == 2);
  });
}

TEST_CASE("faults can be changed during a run", "[fake][faults]") {
  RunInBubble([&] {
    auto cs = fake::NewClientset(Cm("ns", "a"));
    CHECK(cs->ConfigMaps("ns").Get("a").has_value());
    cs->MutableFaults().errors.push_back({.probability = 1});
    CHECK(rt::IsInternalError(cs->ConfigMaps("ns").Get("a").error()));
    cs->MutableFaults().errors.clear();
    CHECK(cs->ConfigMaps("ns").Get("a").has_value());
  });
}
