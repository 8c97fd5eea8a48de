// The replay matrix of docs/semantics.md §1.4 (HEAD column), and client-go's TestListAndWatch.
#include <catch2/catch.hpp>

#include <bubble/fake/clientset.h>
#include <bubble/fake/tracker.h>
#include <bubble/sim/channel.h>

#include "test_util.h"

namespace fake = bubble::fake;
using namespace fake::testing;

namespace {

// cm-a (rv 2), cm-b (rv 3) in ns1, cm-c (rv 4) in ns2, cm-d (rv 5) in ns1; then cm-b modified
// (rv 6) and cm-c deleted (no bump).
void Populate(fake::Tracker& t) {
  REQUIRE(t.Add(Cm("ns1", "cm-a")).has_value());
  REQUIRE(t.Add(Cm("ns1", "cm-b")).has_value());
  REQUIRE(t.Add(Cm("ns2", "cm-c")).has_value());
  REQUIRE(t.Add(Cm("ns1", "cm-d")).has_value());
  REQUIRE(t.Update(ConfigMaps(), Cm("ns1", "cm-b", {{"k", "v"}}), "ns1").has_value());
  REQUIRE(t.Delete(ConfigMaps(), "ns2", "cm-c").has_value());
  REQUIRE(t.ResourceVersion(ConfigMaps()) == 6);
}

Events Replay(fake::Tracker& t, std::string_view ns, const rt::ListOptions* opts) {
  auto w = opts != nullptr ? t.Watch(ConfigMaps(), ns, *opts) : t.Watch(ConfigMaps(), ns);
  REQUIRE(w.has_value());
  return Drain(**w);
}

}  // namespace

TEST_CASE("watch replay follows the HEAD matrix for every option case", "[fake][watch][replay]") {
  RunTwice([] {
    sim::Bubble b;
    return b.Run([] {
      fake::Tracker t(fake::Options::ClientGoFake());  // the matrix is client-go's fake tracker's
      Populate(t);
      const Events all{"ADDED cm-a", "ADDED cm-b", "ADDED cm-d"};  // (namespace, name) order
      const rt::ListOptions empty_rv{};
      const rt::ListOptions zero{.resource_version = "0"};
      const rt::ListOptions rv2{.resource_version = "2"};
      const rt::ListOptions rv4{.resource_version = "4"};
      const rt::ListOptions rv6{.resource_version = "6"};
      const rt::ListOptions future{.resource_version = "100"};
      {  // no options argument: legacy, nothing replayed
        CHECK(Replay(t, "", nullptr).empty());
        CHECK(Replay(t, "ns1", nullptr).empty());
      }
      {  // options with resourceVersion "": every current object
        CHECK(Replay(t, "", &empty_rv) == all);
      }
      {  // resourceVersion "0": every current object
        CHECK(Replay(t, "", &zero) == all);
      }
      {  // resourceVersion N: objects stored after N, as ADDED, in (namespace, name) order
        // cm-d was created at 5 and cm-b modified at 6: both ADDED, in name order (not version
        // order); cm-a (2) is not newer.
        CHECK(Replay(t, "", &rv2) == Events{"ADDED cm-b", "ADDED cm-d"});
        CHECK(Replay(t, "", &rv4) == Events{"ADDED cm-b", "ADDED cm-d"});
        CHECK(Replay(t, "", &rv6).empty());
        CHECK(Replay(t, "", &future).empty());
      }
      {  // deletes after N are not reported (no tombstones)
        const rt::ListOptions rv3{.resource_version = "3"};
        const Events seen = Replay(t, "", &rv3);
        CHECK(std::find(seen.begin(), seen.end(), "DELETED cm-c") == seen.end());
      }
      {  // replay is scoped to the watched namespace
        CHECK(Replay(t, "ns1", &zero) == all);
        CHECK(Replay(t, "ns2", &zero).empty());
        CHECK(Replay(t, "ns1", &rv4) == Events{"ADDED cm-b", "ADDED cm-d"});
      }
    });
  });
}

TEST_CASE("nothing written after the replay is lost or delivered twice", "[fake][watch][replay]") {
  RunInBubble([] {
    fake::Tracker t;
    REQUIRE(t.Add(Cm("ns", "a")).has_value());
    auto w = t.Watch(ConfigMaps(), "", {.resource_version = "1"});
    REQUIRE(w.has_value());
    REQUIRE(t.Add(Cm("ns", "b")).has_value());
    REQUIRE(t.Update(ConfigMaps(), Cm("ns", "a", {{"x", "y"}}), "ns").has_value());
    CHECK(Drain(**w) == Events{"ADDED a", "ADDED b", "MODIFIED a"});
  });
}

namespace {

// client-go's TestListAndWatch (testing/internal/listandwatch_test.go), written against the
// client interface: List, create a second object while the Watch is delayed, then Watch from
// the listed resourceVersion. Returns the names the watcher ends up knowing.
sim::RunResult ListAndWatch(fake::Options options, bool start_empty,
                            std::vector<std::string>* known, std::string* listed_rv) {
  auto cs = start_empty ? std::make_shared<fake::Clientset>(std::move(options))
                        : fake::NewClientset(std::move(options), Cm("default", "cm1"));
  sim::Bubble b;
  return b.Run([&] {
    auto cms = cs->ConfigMaps("");
    auto list = cms.List();
    REQUIRE(list.has_value());
    *listed_rv = list->metadata.resource_version;
    for (const auto& item : list->items) {
      known->push_back(item->metadata.name);
    }
    sim::Channel<sim::Unit> create_done(0, "createDone");
    sim::Spawn("watcher", [&] {
      create_done.Recv();  // "Delaying Watch..."
      auto w = cms.Watch({.resource_version = list->metadata.resource_version});
      REQUIRE(w.has_value());
      while (auto ev = (*w)->ResultChan().TryRecv()) {
        known->push_back(ev->object->metadata.name);
      }
    });
    REQUIRE(cs->ConfigMaps("default").Create(Cm("default", "cm2")).has_value());
    create_done.Close();
    sim::Wait();
  });
}

}  // namespace

TEST_CASE("List then Watch from the listed version sees an object created in between",
          "[fake][watch][replay][listandwatch]") {
  std::vector<std::string> known;
  std::string rv;
  RunTwice([&] {
    known.clear();
    return ListAndWatch({}, /*start_empty=*/false, &known, &rv);
  });
  CHECK(rv == "2");
  CHECK(known == std::vector<std::string>{"cm1", "cm2"});
}

TEST_CASE("List then Watch works for a collection that starts empty",
          "[fake][watch][replay][listandwatch]") {
  std::vector<std::string> known;
  std::string rv;
  RunTwice([&] {
    known.clear();
    return ListAndWatch({}, /*start_empty=*/true, &known, &rv);
  });
  CHECK(rv == "1");
  CHECK(known == std::vector<std::string>{"cm2"});
}
