// Each planted bug changes exactly the behaviour it names.
#include <catch2/catch.hpp>

#include <bubble/fake/clientset.h>
#include <bubble/fake/tracker.h>
#include <bubble/sim/channel.h>

#include "test_util.h"

namespace fake = bubble::fake;
using namespace fake::testing;

namespace {

// The planted bugs are client-go's fake tracker's history: plant them in it (with tombstones a
// Watch would replay real events instead, and seed-empty-rv's lists would differ).
fake::Options WithBug(std::string_view name) {
  fake::Options opts = fake::Options::ClientGoFake();
  REQUIRE(opts.bugs.Enable(name).has_value());
  return opts;
}

Events WatchFrom(fake::Tracker& t, std::string rv) {
  auto w = t.Watch(ConfigMaps(), "", {.resource_version = std::move(rv)});
  REQUIRE(w.has_value());
  return Drain(**w);
}

// TestListAndWatch's race: List, create, then Watch from the listed version.
std::vector<std::string> ListCreateWatch(const fake::Options& opts, bool start_empty,
                                         std::uint64_t* fingerprint) {
  std::vector<std::string> known;
  auto cs = start_empty ? std::make_shared<fake::Clientset>(opts)
                        : fake::NewClientset(opts, Cm("default", "cm1"));
  sim::Bubble b;
  const sim::RunResult r = b.Run([&] {
    auto cms = cs->ConfigMaps("");
    auto list = cms.List();
    REQUIRE(list.has_value());
    for (const auto& item : list->items) {
      known.push_back(item->metadata.name);
    }
    REQUIRE(cs->ConfigMaps("default").Create(Cm("default", "cm2")).has_value());
    auto w = cms.Watch({.resource_version = list->metadata.resource_version});
    REQUIRE(w.has_value());
    while (auto ev = (*w)->ResultChan().TryRecv()) {
      known.push_back(ev->object->metadata.name);
    }
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  *fingerprint = r.fingerprint;
  return known;
}

}  // namespace

TEST_CASE("planted bugs have names", "[fake][bugs]") {
  CHECK(std::vector<std::string_view>(fake::PlantedBugs::Names().begin(),
                                      fake::PlantedBugs::Names().end()) ==
        std::vector<std::string_view>{"finalizer-delete-new-state", "gc-trusts-graph",
                                      "legacy-watch", "seed-empty-rv"});
  fake::PlantedBugs bugs;
  const auto unknown = bugs.Enable("off-by-one");
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().message ==
        "unknown planted bug \"off-by-one\": the fake knows finalizer-delete-new-state, "
        "gc-trusts-graph, legacy-watch, seed-empty-rv");
  REQUIRE(bugs.Enable("seed-empty-rv").has_value());
  CHECK(bugs.EnabledNames() == std::vector<std::string>{"seed-empty-rv"});
}

TEST_CASE("legacy-watch: Watch never replays, and nothing else changes", "[fake][bugs]") {
  RunInBubble([] {
    fake::Tracker t(WithBug("legacy-watch"));
    REQUIRE(t.Add(Cm("ns", "a")).has_value());
    REQUIRE(t.Add(Cm("ns", "b")).has_value());
    CHECK(WatchFrom(t, "").empty());
    CHECK(WatchFrom(t, "0").empty());
    CHECK(WatchFrom(t, "2").empty());
    // Unchanged: versions, List, and live delivery.
    CHECK(t.List(ConfigMaps(), "")->metadata.resource_version == "3");
    auto w = t.Watch(ConfigMaps(), "", {.resource_version = "0"});
    REQUIRE(w.has_value());
    REQUIRE(t.Add(Cm("ns", "c")).has_value());
    CHECK(Drain(**w) == Events{"ADDED c"});
  });
}

TEST_CASE("legacy-watch loses the object created between List and Watch", "[fake][bugs]") {
  std::uint64_t fp1 = 0;
  std::uint64_t fp2 = 0;
  CHECK(ListCreateWatch({}, false, &fp1) == std::vector<std::string>{"cm1", "cm2"});
  const auto buggy = ListCreateWatch(WithBug("legacy-watch"), false, &fp1);
  CHECK(buggy == std::vector<std::string>{"cm1"});
  CHECK(ListCreateWatch(WithBug("legacy-watch"), false, &fp2) == buggy);
  CHECK(fp1 == fp2);
}

TEST_CASE("seed-empty-rv: a never-written collection lists at '' and Watch('') replays nothing",
          "[fake][bugs]") {
  RunInBubble([] {
    fake::Tracker t(WithBug("seed-empty-rv"));
    CHECK(t.List(ConfigMaps(), "")->metadata.resource_version == "");
    REQUIRE(t.Add(Cm("ns", "a")).has_value());
    CHECK(t.List(ConfigMaps(), "")->metadata.resource_version == "2");  // written: as HEAD
    CHECK(WatchFrom(t, "").empty());
    // Unchanged: "0" and N still replay.
    CHECK(WatchFrom(t, "0") == Events{"ADDED a"});
    CHECK(WatchFrom(t, "1") == Events{"ADDED a"});
    // A collection emptied again was written: it keeps its counter.
    REQUIRE(t.Delete(ConfigMaps(), "ns", "a").has_value());
    CHECK(t.List(ConfigMaps(), "")->metadata.resource_version == "2");
  });
}

TEST_CASE("seed-empty-rv loses the first object of a collection that starts empty",
          "[fake][bugs]") {
  std::uint64_t fp = 0;
  CHECK(ListCreateWatch({}, true, &fp) == std::vector<std::string>{"cm2"});
  CHECK(ListCreateWatch(WithBug("seed-empty-rv"), true, &fp).empty());
  // A collection that starts with an object is not affected.
  CHECK(ListCreateWatch(WithBug("seed-empty-rv"), false, &fp) ==
        std::vector<std::string>{"cm1", "cm2"});
}
