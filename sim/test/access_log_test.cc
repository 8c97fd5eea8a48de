// sim/test/access_log_test.cc: order coverage's recorder (access_log.h) — which accesses
// conflict, which fact each one gives, and that recording is off by default.
#include "bubble/sim/access_log.h"

#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/wait_group.h>

namespace sim = bubble::sim;

namespace {

// The run's facts as "first -> second" lines.
std::vector<std::string> Facts(const sim::AccessOrders& orders) {
  std::vector<std::string> out;
  for (const sim::OrderFact& f : orders.facts) {
    out.push_back(orders.sites[f.first] + " -> " + orders.sites[f.second]);
  }
  return out;
}

// Runs `steps` in order, each in its own fiber ("a", "b", ...), one after another.
sim::AccessOrders Record(std::vector<std::pair<std::string, std::function<void()>>> steps,
                         bool coverage = true) {
  sim::Options o;
  o.coverage = coverage;
  sim::Bubble b(o);
  const sim::RunResult r = b.Run([&steps] {
    for (auto& [name, fn] : steps) {
      sim::WaitGroup wg;
      wg.Go(name, fn);
      wg.Wait();
    }
  });
  REQUIRE(r.Passed());
  return b.Orders();
}

void Read(std::string_view object, std::string_view op = "get") {
  sim::NoteAccess(sim::AccessKind::kRead, object, op);
}

void Write(std::string_view object, std::string_view op = "update") {
  sim::NoteAccess(sim::AccessKind::kWrite, object, op);
}

}  // namespace

TEST_CASE("AccessLog: a read after another fiber's write, and writes in order, are facts",
          "[sim][coverage]") {
  const sim::AccessOrders orders = Record({
      {"a", [] { Write("cm"); }},
      {"b", [] { Read("cm"); }},
      {"c", [] { Write("cm"); }},
  });
  // c's write pairs with the latest conflicting access by another fiber: b's read.
  CHECK(Facts(orders) == std::vector<std::string>{"a update -> b get", "b get -> c update"});
}

TEST_CASE("AccessLog: reads do not conflict, nor accesses of one fiber, nor other objects",
          "[sim][coverage]") {
  const sim::AccessOrders orders = Record({
      {"a",
       [] {
         Read("cm");
         Write("cm");
         Read("cm");
       }},
      {"b", [] { Read("cm"); }},
      {"c", [] { Read("other"); }},
  });
  CHECK(Facts(orders) == std::vector<std::string>{"a update -> b get"});
}

TEST_CASE("AccessLog: member writes conflict with reads of the collection, not with each other",
          "[sim][coverage]") {
  const sim::AccessOrders orders = Record({
      {"a", [] { sim::NoteAccess(sim::AccessKind::kMemberWrite, "cms/*", "create"); }},
      {"b", [] { sim::NoteAccess(sim::AccessKind::kMemberWrite, "cms/*", "delete"); }},
      {"c", [] { Read("cms/*", "list"); }},
      {"d", [] { sim::NoteAccess(sim::AccessKind::kMemberWrite, "cms/*", "create"); }},
  });
  CHECK(Facts(orders) == std::vector<std::string>{"b delete -> c list", "c list -> d create"});
}

TEST_CASE("AccessLog: stores with the same keys are different objects", "[sim][coverage]") {
  int cache_a = 0;
  int cache_b = 0;
  const sim::AccessOrders orders = Record({
      {"a", [&] { sim::NoteAccess(sim::AccessKind::kWrite, "k", "add", &cache_a); }},
      {"b", [&] { sim::NoteAccess(sim::AccessKind::kRead, "k", "get", &cache_b); }},
  });
  CHECK(orders.facts.empty());
}

TEST_CASE("AccessLog: off by default, and nothing outside a bubble", "[sim][coverage]") {
  CHECK_FALSE(sim::RecordingAccesses());
  Write("cm");  // outside a bubble: nothing
  const sim::AccessOrders orders = Record(
      {
          {"a", [] { Write("cm"); }},
          {"b",
           [] {
             CHECK_FALSE(sim::RecordingAccesses());
             Read("cm");
           }},
      },
      /*coverage=*/false);
  CHECK(orders.sites.empty());
  CHECK(orders.facts.empty());
}

TEST_CASE("AccessLog: recording changes no fingerprint", "[sim][coverage]") {
  auto run = [](bool coverage) {
    sim::Options o;
    o.coverage = coverage;
    o.strategy = sim::StrategyKind::kRandom;
    o.seed = 7;
    sim::Bubble b(o);
    return b.Run([] {
      sim::WaitGroup wg;
      for (int i = 0; i < 3; ++i) {
        wg.Go("w", [] {
          Read("cm");
          sim::Yield();
          Write("cm");
        });
      }
      wg.Wait();
    });
  };
  CHECK(run(true).fingerprint == run(false).fingerprint);
}

TEST_CASE("SiteFiberName cuts per-run watch numbers only", "[sim][coverage]") {
  CHECK(sim::SiteFiberName("watch-end w12") == "watch-end w#");
  CHECK(sim::SiteFiberName("widgets/worker-1") == "widgets/worker-1");
  CHECK(sim::SiteFiberName("w") == "w");
  CHECK(sim::SiteFiberName("wx1 w3 a") == "wx1 w# a");
}
