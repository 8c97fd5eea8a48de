// Clientset::Snapshot: a copy of the store at one instant of a run, taken on the scheduler (as
// `bubble run --pause-at` does) or after the run, read from another bubble, and
// invisible to the run's fingerprint.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/fake/clientset_capture.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/timer.h>

#include "test_util.h"

namespace fake = bubble::fake;
using namespace fake::testing;
using namespace std::chrono_literals;

namespace {

// "TYPE name rv" of every event already buffered in a watch.
Events DrainWithVersions(rt::Watcher& w) {
  Events out;
  while (auto ev = w.ResultChan().TryRecv()) {
    out.push_back(fmt::format("{} {} {}", rt::WatchEventTypeName(ev->type),
                              ev->object ? ev->object->metadata.name : std::string("-"),
                              ev->object ? ev->object->metadata.resource_version : ""));
  }
  return out;
}

struct Outcome {
  sim::RunResult result;
  std::shared_ptr<fake::Clientset> cs;
  std::shared_ptr<fake::Clientset> snapshot;
  // What the store held when the hook ran.
  std::int64_t rv_at_hook = 0;
  std::vector<rt::ObjectPtr> items_at_hook;
};

// Two writers, one second apart, for five seconds: creates, updates and deletes, so the history
// holds every kind of change. The kernel's instant observer (sim::Options::observe_instant, what
// `bubble run --pause-at` uses) runs at +2.5s on the scheduler, no fiber current; with `take` it
// snapshots.
Outcome RunWriters(bool take) {
  Outcome out;
  out.cs = fake::NewClientset(Cm("ns", "a", {{"n", "0"}}));
  auto hook = [&out, take] {
    const fake::Tracker& t = out.cs->GetTracker();
    out.rv_at_hook = t.ResourceVersion(ConfigMaps());
    out.items_at_hook = t.List(ConfigMaps(), "")->items;
    if (take) {
      out.snapshot = out.cs->Snapshot();
    }
  };
  sim::Options opts;
  opts.seed = 3;
  opts.strategy = sim::StrategyKind::kRandom;
  opts.observe_instant = sim::InstantObserver{.at = sim::Clock::Epoch() + 2500ms, .observe = hook};
  sim::Bubble b(opts);
  out.result = b.Run([cs = out.cs] {
    sim::Spawn("creator", [cs] {
      auto cms = cs->ConfigMaps("ns");
      for (int i = 1; i <= 5; ++i) {
        sim::SleepFor(1s);
        REQUIRE(cms.Create(Cm("ns", fmt::format("c{}", i))).has_value());
        if (i % 2 == 0) {
          REQUIRE(cms.Delete(fmt::format("c{}", i - 1)).has_value());
        }
      }
    });
    sim::Spawn("updater", [cs] {
      auto cms = cs->ConfigMaps("ns");
      for (int i = 1; i <= 5; ++i) {
        sim::SleepFor(1s);
        REQUIRE(cms.Update(Cm("ns", "a", {{"n", std::to_string(i)}})).has_value());
      }
    });
  });
  INFO(out.result.report);
  REQUIRE(out.result.Passed());
  return out;
}

std::vector<std::string> Names(const std::vector<rt::ObjectPtr>& items) {
  std::vector<std::string> out;
  for (const rt::ObjectPtr& o : items) {
    out.push_back(fmt::format("{} rv={} uid={}", o->metadata.name, o->metadata.resource_version,
                              o->metadata.uid));
  }
  return out;
}

}  // namespace

TEST_CASE("a snapshot taken on the scheduler holds the store of that instant", "[fake][snapshot]") {
  const Outcome run = RunWriters(true);
  REQUIRE(run.snapshot != nullptr);
  const fake::Tracker& source = run.cs->GetTracker();
  const fake::Tracker& snap = run.snapshot->GetTracker();

  // The hook ran mid-run: writes came after it, and none of them is in the snapshot.
  CHECK(run.rv_at_hook > 1);
  CHECK(source.ResourceVersion(ConfigMaps()) > run.rv_at_hook);
  CHECK(snap.ResourceVersion(ConfigMaps()) == run.rv_at_hook);
  const rt::ObjectList listed = *snap.List(ConfigMaps(), "");
  CHECK(listed.metadata.resource_version == std::to_string(run.rv_at_hook));
  CHECK(Names(listed.items) == Names(run.items_at_hook));
  CHECK(Names(listed.items) != Names(source.List(ConfigMaps(), "")->items));
  // At +2.5s the writes of +1s and +2s are in: c1 created and deleted, c2 created, a updated
  // twice (seeded at rv 2; five changes since, a delete taking a version of its own).
  CHECK(run.rv_at_hook == 7);
  REQUIRE(listed.items.size() == 2);
  CHECK(listed.items[0]->metadata.name == "a");
  CHECK(dynamic_cast<const rt::ConfigMap&>(*listed.items[0]).data.at("n") == "2");
  CHECK(listed.items[1]->metadata.name == "c2");
  for (std::size_t i = 0; i < listed.items.size(); ++i) {
    CHECK(listed.items[i] == run.items_at_hook[i]);  // shared, not cloned
  }

  // The same options and scheme; nothing of the run's clientset but its store.
  CHECK(run.snapshot->GetOptions().fidelity.EnabledNames() ==
        run.cs->GetOptions().fidelity.EnabledNames());
  CHECK(run.snapshot->GetOptions().watch_buffer == run.cs->GetOptions().watch_buffer);
  CHECK(run.snapshot->GetScheme().ResourceFor(rt::ConfigMap::StaticKind()) == ConfigMaps());
  CHECK(run.snapshot->Actions().empty());
  CHECK_FALSE(run.cs->Actions().empty());
  CHECK(run.snapshot->Writes().Records().empty());
  CHECK(snap.WatchCount(ConfigMaps()) == 0);
}

TEST_CASE("a snapshot answers Get, List and Watch from another bubble as the run did then",
          "[fake][snapshot]") {
  const Outcome run = RunWriters(true);
  REQUIRE(run.snapshot != nullptr);
  const std::int64_t at = run.rv_at_hook;

  // What a watch of the run's store from rv=2 replays, cut at the snapshot's instant.
  Events expected;
  {
    auto w = run.cs->GetTracker().Watch(ConfigMaps(), "ns", {.resource_version = "2"});
    REQUIRE(w.has_value());
    for (const std::string& e : DrainWithVersions(**w)) {
      if (std::stoll(e.substr(e.rfind(' ') + 1)) <= at) {
        expected.push_back(e);
      }
    }
  }
  REQUIRE(expected.size() >= 3);

  // A bubble of its own, as the server's: the snapshot was taken in another one.
  sim::Bubble reader_bubble;
  const sim::RunResult r = reader_bubble.Run([&] {
    sim::Spawn("reader", [&] {
      auto cms = run.snapshot->ConfigMaps("ns");
      const auto a = cms.Get("a");
      REQUIRE(a.has_value());
      for (const rt::ObjectPtr& o : run.items_at_hook) {
        if (o->metadata.name == "a") {
          CHECK((*a)->metadata.resource_version == o->metadata.resource_version);
          CHECK((*a)->data == dynamic_cast<const rt::ConfigMap&>(*o).data);
        }
      }
      const auto list = cms.List();
      REQUIRE(list.has_value());
      CHECK(list->metadata.resource_version == std::to_string(at));
      CHECK(list->items.size() == run.items_at_hook.size());

      auto w = cms.Watch({.resource_version = "2"});
      REQUIRE(w.has_value());
      CHECK(DrainWithVersions(**w) == expected);
      (*w)->Stop();
    });
  });
  INFO(r.report);
  CHECK(r.Passed());
}

TEST_CASE("taking a snapshot does not change the run's fingerprint", "[fake][snapshot]") {
  const Outcome with = RunWriters(true);
  const Outcome without = RunWriters(false);
  REQUIRE(with.snapshot != nullptr);
  CHECK(with.result.fingerprint == without.result.fingerprint);
  CHECK(with.result.steps == without.result.steps);
  CHECK(with.rv_at_hook == without.rv_at_hook);
}

TEST_CASE("a snapshot after the run holds the final store", "[fake][snapshot]") {
  const Outcome run = RunWriters(false);
  const std::shared_ptr<fake::Clientset> snap = run.cs->Snapshot();
  const fake::Tracker& source = run.cs->GetTracker();
  CHECK(snap->GetTracker().ResourceVersion(ConfigMaps()) == source.ResourceVersion(ConfigMaps()));
  CHECK(Names(snap->GetTracker().List(ConfigMaps(), "")->items) ==
        Names(source.List(ConfigMaps(), "")->items));
  // Independent from then on: a write to either is not in the other.
  REQUIRE(run.cs->GetTracker().Create(ConfigMaps(), Cm("ns", "later"), "ns").has_value());
  CHECK(rt::IsNotFound(snap->GetTracker().Get(ConfigMaps(), "ns", "later").error()));
  REQUIRE(snap->GetTracker().Create(ConfigMaps(), Cm("ns", "mine"), "ns").has_value());
  CHECK(rt::IsNotFound(source.Get(ConfigMaps(), "ns", "mine").error()));
}

TEST_CASE("a snapshot has no API servers and copies a compacted history's floor",
          "[fake][snapshot]") {
  fake::Options opts;
  opts.api_servers.push_back({});
  fake::Clientset cs(opts);
  REQUIRE(cs.GetTracker().Create(ConfigMaps(), Cm("ns", "a"), "ns").has_value());
  REQUIRE(cs.GetTracker().Create(ConfigMaps(), Cm("ns", "b"), "ns").has_value());
  cs.GetTracker().Compact(ConfigMaps());
  REQUIRE(cs.GetTracker().Create(ConfigMaps(), Cm("ns", "c"), "ns").has_value());
  const std::shared_ptr<fake::Clientset> snap = cs.Snapshot();
  CHECK(snap->GetOptions().api_servers.empty());
  // A watch from before the compaction is 410 on both; from after it replays the same.
  for (fake::Tracker* t : {&cs.GetTracker(), &snap->GetTracker()}) {
    auto old = t->Watch(ConfigMaps(), "ns", {.resource_version = "1"});
    REQUIRE(old.has_value());
    CHECK(Drain(**old) == Events{"ERROR 410"});
    auto recent = t->Watch(ConfigMaps(), "ns", {.resource_version = "3"});
    REQUIRE(recent.has_value());
    CHECK(Drain(**recent) == Events{"ADDED c"});
  }
}

TEST_CASE(
    "a capture keeps every clientset of a run: alive ones as they are, dead ones as they "
    "died",
    "[snapshot][capture]") {
  std::vector<std::shared_ptr<fake::Clientset>> taken;
  sim::RunResult plain;
  sim::RunResult captured;
  for (const bool capture_on : {false, true}) {
    std::optional<fake::ClientsetCapture> capture;
    if (capture_on) {
      capture.emplace();
    }
    sim::Options opts{.seed = 5, .strategy = sim::StrategyKind::kRandom};
    if (capture_on) {
      // At the end of the run, before its fibers are unwound: what `bubble run --serve` does.
      opts.observe_instant = sim::InstantObserver{
          .at = sim::TimePoint::max(), .observe = [&capture, &taken] { taken = capture->Take(); }};
    }
    sim::Bubble b(opts);
    auto kept = fake::NewClientset(Cm("ns", "kept", {{"n", "0"}}));
    const sim::RunResult r = b.Run([kept] {
      {
        // Made, written and dropped inside the run: its state when it died is what is served.
        auto temporary = fake::NewClientset();
        REQUIRE(temporary->ConfigMaps("ns").Create(Cm("ns", "gone-with-it", {})).has_value());
      }
      sim::SleepFor(1s);
      REQUIRE(kept->ConfigMaps("ns").Create(Cm("ns", "later", {})).has_value());
    });
    (capture_on ? captured : plain) = r;
  }
  REQUIRE(plain.Passed());
  REQUIRE(captured.Passed());
  CHECK(plain.fingerprint == captured.fingerprint);
  REQUIRE(taken.size() == 2);  // creation order: `kept`, then the temporary one
  CHECK(taken[0]->GetTracker().List(ConfigMaps(), "")->items.size() == 2);
  REQUIRE(taken[1]->GetTracker().List(ConfigMaps(), "")->items.size() == 1);
  CHECK(taken[1]->GetTracker().List(ConfigMaps(), "")->items[0]->metadata.name == "gone-with-it");
}

TEST_CASE("one capture at a time on a thread", "[snapshot][capture]") {
  fake::ClientsetCapture first;
  CHECK_THROWS_AS(fake::ClientsetCapture(), bubble::UsageError);
  CHECK(first.Take().empty());
}
