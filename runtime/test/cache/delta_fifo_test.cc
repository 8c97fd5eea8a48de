// runtime/test/cache/delta_fifo_test.cc: DeltaFifo (docs/semantics.md §4.1–§4.2, §3.7), ported from
// client-go's tools/cache/delta_fifo_test.go plus the bubble-specific blocking behaviour.
//
// Objects are cluster-scoped ConfigMaps, so keys read like client-go's test ("foo"), and their
// resourceVersion plays the test's value: Obj("foo", "10") is mkFifoObj("foo", 10).
#include "bubble/runtime/cache/delta_fifo.h"

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/runtime/cache/errors.h>
#include <bubble/runtime/cache/indexer.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "cache/cache_test_util.h"

using namespace std::chrono_literals;
namespace runtime = bubble::runtime;
namespace cache = bubble::runtime::cache;
namespace sim = bubble::sim;
using cache_test::Described;
using cache_test::Obj;
using cache_test::PopAll;
using cache_test::PopOne;
using cache_test::RunInBubble;
using Strings = std::vector<std::string>;

namespace {

// An indexer holding `objs`: the FIFO's knownObjects (client-go's literalListerGetter).
std::unique_ptr<cache::Indexer> Known(std::vector<runtime::ObjectPtr> objs) {
  auto known = std::make_unique<cache::Indexer>(cache::MetaNamespaceKeyFunc);
  for (auto& o : objs) {
    REQUIRE(known->Add(std::move(o)));
  }
  return known;
}

sim::Duration Since(sim::TimePoint t) {
  return t - sim::Clock::Epoch();
}

}  // namespace

TEST_CASE("DeltaFifo keeps each producer's order when producers interleave", "[runtime][cache]") {
  // client-go TestDeltaFIFO_basic, with fibers yielding between adds.
  const auto seed = GENERATE(range(1, 9));
  RunInBubble(seed, [] {
    cache::DeltaFifo f;
    constexpr int kAmount = 50;
    sim::WaitGroup producers;
    for (const char* prefix : {"a", "b"}) {
      producers.Go(fmt::format("producer-{}", prefix), [&f, prefix] {
        for (int i = 1; i <= kAmount; ++i) {
          CHECK(f.Add(Obj(fmt::format("{}{}", prefix, i), std::to_string(i))));
          sim::Yield();
        }
      });
    }
    int last_a = 0;
    int last_b = 0;
    for (int n = 0; n < 2 * kAmount; ++n) {
      auto popped = f.Pop(cache::PopProcessFunc{});
      REQUIRE(popped);
      REQUIRE(popped->size() == 1);
      const auto& meta = cache::ObjectOf(popped->front().object)->metadata;
      const int value = std::stoi(meta.resource_version);
      int& last = meta.name[0] == 'a' ? last_a : last_b;
      CHECK(value == last + 1);
      last = value;
    }
    producers.Wait();
    CHECK(last_a == kAmount);
    CHECK(last_b == kAmount);
  });
}

TEST_CASE("DeltaFifo keeps Added and Updated as two deltas of one queued key", "[runtime][cache]") {
  // client-go TestDeltaFIFO_addUpdate.
  RunInBubble(1, [] {
    cache::DeltaFifo f;
    REQUIRE(f.Add(Obj("foo", "10")));
    REQUIRE(f.Update(Obj("foo", "12")));
    REQUIRE(f.Delete(Obj("foo", "15")));
    CHECK(f.ListKeys() == Strings{"foo"});
    CHECK(PopOne(f) == Described{"Added foo@10", "Updated foo@12", "Deleted foo@15"});
    CHECK(f.Len() == 0);
    CHECK_FALSE(f.GetByKey("foo").has_value());
  });
}

TEST_CASE("DeltaFifo does not let a re-added key jump the line", "[runtime][cache]") {
  // client-go TestDeltaFIFO_detectLineJumpers.
  RunInBubble(1, [] {
    cache::DeltaFifo f;
    REQUIRE(f.Add(Obj("foo", "10")));
    REQUIRE(f.Add(Obj("bar", "1")));
    REQUIRE(f.Add(Obj("foo", "11")));
    REQUIRE(f.Add(Obj("foo", "13")));
    REQUIRE(f.Add(Obj("zab", "30")));
    CHECK(f.ListKeys() == Strings{"foo", "bar", "zab"});
    CHECK(PopOne(f) == Described{"Added foo@10", "Added foo@11", "Added foo@13"});
    REQUIRE(f.Add(Obj("foo", "14")));  // popped already: joins the back of the line
    CHECK(PopAll(f) == std::vector<Described>{{"Added bar@1"}, {"Added zab@30"}, {"Added foo@14"}});
  });
}

TEST_CASE("DeltaFifo collapses a tombstone followed by a real delete into the real delete",
          "[runtime][cache]") {
  RunInBubble(1, [] {
    cache::DeltaFifo f;
    REQUIRE(f.Add(Obj("foo", "1")));
    REQUIRE(f.Replace({}, "5"));  // foo is queued but not listed: a tombstone
    CHECK(f.GetByKey("foo").value().size() == 2);
    REQUIRE(f.Delete(Obj("foo", "2")));
    CHECK(PopOne(f) == Described{"Added foo@1", "Deleted foo@2"});
  });
}

TEST_CASE("DeltaFifo keeps the older of two consecutive real deletes", "[runtime][cache]") {
  RunInBubble(1, [] {
    cache::DeltaFifo f;
    REQUIRE(f.Add(Obj("foo", "1")));
    REQUIRE(f.Delete(Obj("foo", "2")));
    REQUIRE(f.Delete(Obj("foo", "3")));
    CHECK(PopOne(f) == Described{"Added foo@1", "Deleted foo@2"});
  });
}

TEST_CASE("DeltaFifo Replace deletes objects that are only in the queue", "[runtime][cache]") {
  // client-go TestDeltaFIFOW_ReplaceMakesDeletionsForObjectsOnlyInQueue, with and without
  // knownObjects (empty).
  struct Case {
    const char* name;
    bool emit_replaced;
    void (*operations)(cache::DeltaFifo&);
    Described expected;
  };

  const std::vector<Case> cases = {
      {"Added object should be deleted on Replace",
       false,
       [](cache::DeltaFifo& f) {
         REQUIRE(f.Add(Obj("foo", "2")));
         REQUIRE(f.Replace({}, "0"));
       },
       {"Added foo@2", "Deleted DFSU(foo, foo@2)"}},
      {"Replaced object should have only a single Delete",
       true,
       [](cache::DeltaFifo& f) {
         REQUIRE(f.Add(Obj("foo", "2")));
         REQUIRE(f.Replace({Obj("foo", "2")}, "0"));
         REQUIRE(f.Replace({}, "0"));
       },
       {"Added foo@2", "Replaced foo@2", "Deleted DFSU(foo, foo@2)"}},
      {"Deleted object should have only a single Delete",
       false,
       [](cache::DeltaFifo& f) {
         REQUIRE(f.Add(Obj("foo", "2")));
         REQUIRE(f.Delete(Obj("foo", "2")));
         REQUIRE(f.Replace({}, "0"));
       },
       {"Added foo@2", "Deleted foo@2"}},
      {"Synced objects should have a single delete",
       false,
       [](cache::DeltaFifo& f) {
         REQUIRE(f.Add(Obj("foo", "2")));
         REQUIRE(f.Replace({Obj("foo", "2")}, "0"));
         REQUIRE(f.Replace({Obj("foo", "2")}, "0"));
         REQUIRE(f.Replace({}, "0"));
       },
       {"Added foo@2", "Sync foo@2", "Sync foo@2", "Deleted DFSU(foo, foo@2)"}},
      {"Added objects should have a single delete on multiple Replaces",
       false,
       [](cache::DeltaFifo& f) {
         REQUIRE(f.Add(Obj("foo", "2")));
         REQUIRE(f.Replace({}, "0"));
         REQUIRE(f.Replace({}, "1"));
       },
       {"Added foo@2", "Deleted DFSU(foo, foo@2)"}},
      {"Added and deleted and added object should be deleted",
       false,
       [](cache::DeltaFifo& f) {
         REQUIRE(f.Add(Obj("foo", "2")));
         REQUIRE(f.Delete(Obj("foo", "2")));
         REQUIRE(f.Add(Obj("foo", "3")));
         REQUIRE(f.Replace({}, "0"));
       },
       {"Added foo@2", "Deleted foo@2", "Added foo@3", "Deleted DFSU(foo, foo@3)"}},
  };
  for (const Case& c : cases) {
    for (const bool with_known : {true, false}) {
      INFO(c.name << (with_known ? " (with knownObjects)" : " (without knownObjects)"));
      RunInBubble(1, [&] {
        cache::Indexer known(cache::MetaNamespaceKeyFunc);
        cache::DeltaFifo f({.known_objects = with_known ? &known : nullptr,
                            .emit_delta_type_replaced = c.emit_replaced});
        c.operations(f);
        CHECK(PopOne(f) == c.expected);
        CHECK(f.Len() == 0);
      });
    }
  }
}

TEST_CASE("DeltaFifo Replace keeps a queued delete ahead of the listed object",
          "[runtime][cache]") {
  // client-go TestDeltaFIFO_replaceWithDeleteDeltaIn (kubernetes#83810).
  RunInBubble(1, [] {
    auto known = Known({Obj("foo", "1")});
    cache::DeltaFifo f({.known_objects = known.get()});
    REQUIRE(f.Delete(Obj("foo", "1")));
    REQUIRE(f.Replace({Obj("foo", "2")}, ""));
    CHECK(PopOne(f) == Described{"Deleted foo@1", "Sync foo@2"});
  });
}

TEST_CASE("DeltaFifo ReplaceMakesDeletions: listed objects first, then tombstones",
          "[runtime][cache]") {
  // client-go TestDeltaFIFO_ReplaceMakesDeletions, all five scenarios. Where client-go's order
  // of several deletions is unspecified (Go map order), bubble's is fixed: queued keys in queue
  // order, then known keys in sorted order.
  auto known_three = [] { return Known({Obj("foo", "5"), Obj("bar", "6"), Obj("baz", "7")}); };

  SECTION("with a pre-existing delete") {
    RunInBubble(1, [&] {
      auto known = known_three();
      cache::DeltaFifo f({.known_objects = known.get()});
      REQUIRE(f.Delete(Obj("baz", "10")));
      REQUIRE(f.Replace({Obj("foo", "5")}, "0"));
      CHECK(PopAll(f) == std::vector<Described>{
                             {"Deleted baz@10"}, {"Sync foo@5"}, {"Deleted DFSU(bar, bar@6)"}});
    });
  }
  SECTION("starting with an add") {
    RunInBubble(1, [&] {
      auto known = known_three();
      cache::DeltaFifo f({.known_objects = known.get()});
      REQUIRE(f.Add(Obj("baz", "10")));
      REQUIRE(f.Replace({Obj("foo", "5")}, "0"));
      CHECK(PopAll(f) == std::vector<Described>{{"Added baz@10", "Deleted DFSU(baz, baz@10)"},
                                                {"Sync foo@5"},
                                                {"Deleted DFSU(bar, bar@6)"}});
    });
  }
  SECTION("deleting and recreating the object in the queue") {
    RunInBubble(1, [&] {
      auto known = known_three();
      cache::DeltaFifo f({.known_objects = known.get()});
      REQUIRE(f.Delete(Obj("bar", "6")));
      REQUIRE(f.Add(Obj("bar", "100")));
      REQUIRE(f.Replace({Obj("foo", "5")}, "0"));
      CHECK(PopAll(f) ==
            std::vector<Described>{{"Deleted bar@6", "Added bar@100", "Deleted DFSU(bar, bar@100)"},
                                   {"Sync foo@5"},
                                   {"Deleted DFSU(baz, baz@7)"}});
    });
  }
  SECTION("syncing first, so the delete carries the latest version") {
    RunInBubble(1, [&] {
      auto known = known_three();
      cache::DeltaFifo f({.known_objects = known.get()});
      REQUIRE(f.Replace({Obj("bar", "100"), Obj("foo", "5")}, "0"));
      REQUIRE(f.Replace({Obj("foo", "5")}, "0"));
      CHECK(PopAll(f) == std::vector<Described>{{"Sync bar@100", "Deleted DFSU(bar, bar@100)"},
                                                {"Sync foo@5", "Sync foo@5"},
                                                {"Deleted DFSU(baz, baz@7)"}});
    });
  }
  SECTION("without knownObjects") {
    RunInBubble(1, [&] {
      cache::DeltaFifo f;
      REQUIRE(f.Add(Obj("baz", "10")));
      REQUIRE(f.Replace({Obj("foo", "5")}, "0"));
      CHECK(PopAll(f) ==
            std::vector<Described>{{"Added baz@10", "Deleted DFSU(baz, baz@10)"}, {"Sync foo@5"}});
    });
  }
  SECTION("emitting Replaced (TestDeltaFIFO_ReplaceMakesDeletionsReplaced)") {
    RunInBubble(1, [&] {
      auto known = known_three();
      cache::DeltaFifo f({.known_objects = known.get(), .emit_delta_type_replaced = true});
      REQUIRE(f.Delete(Obj("baz", "10")));
      REQUIRE(f.Replace({Obj("foo", "6")}, "0"));
      CHECK(PopAll(f) == std::vector<Described>{
                             {"Deleted baz@10"}, {"Replaced foo@6"}, {"Deleted DFSU(bar, bar@6)"}});
    });
  }
}

TEST_CASE(
    "DeltaFifo Replace queues listed keys in list order, then tombstones of known keys in "
    "sorted key order",
    "[runtime][cache]") {
  RunInBubble(1, [] {
    auto known = Known({Obj("zed", "1"), Obj("mid", "1"), Obj("alpha", "1"), Obj("kept", "1")});
    cache::DeltaFifo f({.known_objects = known.get(), .emit_delta_type_replaced = true});
    REQUIRE(f.Add(Obj("q3", "1")));
    REQUIRE(f.Add(Obj("q1", "1")));
    REQUIRE(f.Add(Obj("q2", "1")));
    REQUIRE(f.Replace({Obj("new", "2"), Obj("kept", "2")}, "9"));
    CHECK(f.ListKeys() == Strings{"q3", "q1", "q2", "new", "kept", "alpha", "mid", "zed"});
    CHECK(PopOne(f) == Described{"Added q3@1", "Deleted DFSU(q3, q3@1)"});
  });
}

TEST_CASE("DeltaFifo Replace emits Replaced when told to and Sync otherwise", "[runtime][cache]") {
  // client-go TestDeltaFIFO_ReplaceDeltaType and TestDeltaFIFO_addReplace.
  RunInBubble(1, [] {
    auto known = Known({Obj("foo", "5")});
    cache::DeltaFifo replaced({.known_objects = known.get(), .emit_delta_type_replaced = true});
    REQUIRE(replaced.Replace({Obj("foo", "5")}, "0"));
    CHECK(PopAll(replaced) == std::vector<Described>{{"Replaced foo@5"}});

    cache::DeltaFifo synced;
    REQUIRE(synced.Add(Obj("foo", "10")));
    REQUIRE(synced.Replace({Obj("foo", "15")}, "0"));
    CHECK(PopAll(synced) == std::vector<Described>{{"Added foo@10", "Sync foo@15"}});
  });
}

TEST_CASE("DeltaFifo ignores deletes of objects that are neither queued nor known",
          "[runtime][cache]") {
  // client-go TestDeltaFIFO_enqueueingNoLister / enqueueingWithLister /
  // DeleteExistingNonPropagated.
  RunInBubble(1, [] {
    cache::DeltaFifo no_lister;
    REQUIRE(no_lister.Add(Obj("foo", "10")));
    REQUIRE(no_lister.Update(Obj("bar", "15")));
    REQUIRE(no_lister.Add(Obj("qux", "17")));
    REQUIRE(no_lister.Delete(Obj("qux", "18")));
    REQUIRE(no_lister.Delete(Obj("baz", "20")));  // neither queued nor known: ignored
    CHECK(PopAll(no_lister) == std::vector<Described>{{"Added foo@10"},
                                                      {"Updated bar@15"},
                                                      {"Added qux@17", "Deleted qux@18"}});

    auto known = Known({Obj("foo", "5"), Obj("bar", "6"), Obj("baz", "7")});
    cache::DeltaFifo with_lister({.known_objects = known.get()});
    REQUIRE(with_lister.Add(Obj("foo", "10")));
    REQUIRE(with_lister.Update(Obj("bar", "15")));
    REQUIRE(with_lister.Delete(Obj("baz", "20")));   // known: enqueued
    REQUIRE(with_lister.Delete(Obj("nope", "21")));  // unknown and not queued: ignored
    CHECK(PopAll(with_lister) ==
          std::vector<Described>{{"Added foo@10"}, {"Updated bar@15"}, {"Deleted baz@20"}});

    auto empty = Known({});
    cache::DeltaFifo queued_only({.known_objects = empty.get()});
    REQUIRE(queued_only.Add(Obj("foo", "5")));
    REQUIRE(queued_only.Delete(Obj("foo", "6")));  // queued, though not known: enqueued
    CHECK(PopAll(queued_only) == std::vector<Described>{{"Added foo@5", "Deleted foo@6"}});
  });
}

TEST_CASE("DeltaFifo Resync queues Sync for known keys and skips keys with pending deltas",
          "[runtime][cache]") {
  // client-go TestDeltaFIFO_Resync, ResyncNonExisting and UpdateResyncRace.
  RunInBubble(1, [] {
    auto known = Known({Obj("foo", "5"), Obj("bar", "6")});
    cache::DeltaFifo f({.known_objects = known.get()});
    REQUIRE(f.Resync());
    CHECK(PopAll(f) == std::vector<Described>{{"Sync bar@6"}, {"Sync foo@5"}});

    REQUIRE(f.Update(Obj("foo", "7")));
    REQUIRE(f.Delete(Obj("bar", "10")));
    REQUIRE(f.Resync());  // both keys have pending deltas: nothing added
    CHECK(PopAll(f) == std::vector<Described>{{"Updated foo@7"}, {"Deleted bar@10"}});

    cache::DeltaFifo no_known;
    REQUIRE(no_known.Resync());  // no-op without knownObjects
    CHECK(no_known.Len() == 0);
  });
}

TEST_CASE("DeltaFifo runs the transformer once per object, never for tombstones or Sync",
          "[runtime][cache]") {
  // client-go TestDeltaFIFO_transformer: the transformer counts how often it saw an object in
  // its "xfrm" label; tombstones and Sync deltas must carry objects transformed exactly once.
  auto transform = [](runtime::ObjectPtr obj) -> runtime::Result<runtime::ObjectPtr> {
    auto copy = std::make_shared<runtime::ConfigMap>(
        *std::static_pointer_cast<const runtime::ConfigMap>(obj));
    auto& count = copy->metadata.labels["xfrm"];
    count = std::to_string(count.empty() ? 1 : std::stoi(count) + 1);
    return runtime::ObjectPtr(std::move(copy));
  };
  auto xfrm = [](const runtime::ObjectPtr& o) { return o->metadata.labels.at("xfrm"); };
  RunInBubble(1, [&] {
    cache::DeltaFifo f({.transformer = transform});
    REQUIRE(f.Add(Obj("foo", "10")));
    REQUIRE(f.Add(Obj("bar", "11")));
    REQUIRE(f.Update(Obj("foo", "12")));
    REQUIRE(f.Delete(Obj("foo", "15")));
    REQUIRE(f.Replace({}, ""));
    REQUIRE(f.Add(Obj("bar", "16")));
    REQUIRE(f.Replace({}, ""));
    CHECK(f.ListKeys() == Strings{"foo", "bar"});

    auto foo = f.Pop(cache::PopProcessFunc{});
    REQUIRE(foo);
    CHECK(cache_test::Describe(*foo) ==
          Described{"Added foo@10", "Updated foo@12", "Deleted foo@15"});
    for (const auto& d : *foo) {
      CHECK(xfrm(cache::ObjectOf(d.object)) == "1");
    }
    auto bar = f.Pop(cache::PopProcessFunc{});
    REQUIRE(bar);
    CHECK(cache_test::Describe(*bar) == Described{"Added bar@11", "Deleted DFSU(bar, bar@11)",
                                                  "Added bar@16", "Deleted DFSU(bar, bar@16)"});
    CHECK(xfrm(cache::ObjectOf(bar->back().object)) == "1");

    // Replace's objects are transformed even when emitted as Sync; Resync's Sync is not.
    cache::Indexer known(cache::MetaNamespaceKeyFunc);
    REQUIRE(known.Add(Obj("k", "1")));
    cache::DeltaFifo g({.known_objects = &known, .transformer = transform});
    REQUIRE(g.Replace({Obj("k", "2")}, "2"));
    auto replaced = g.Pop(cache::PopProcessFunc{});
    REQUIRE(replaced);
    CHECK(replaced->front().type == cache::DeltaType::kSync);
    CHECK(xfrm(cache::ObjectOf(replaced->front().object)) == "1");
    REQUIRE(g.Resync());
    auto resynced = g.Pop(cache::PopProcessFunc{});
    REQUIRE(resynced);
    CHECK(cache_test::Describe(*resynced) == Described{"Sync k@1"});
    CHECK_FALSE(cache::ObjectOf(resynced->front().object)->metadata.labels.contains("xfrm"));
  });
}

TEST_CASE("a DeltaFifo transformer error aborts that enqueue", "[runtime][cache]") {
  auto refuse_bad = [](runtime::ObjectPtr obj) -> runtime::Result<runtime::ObjectPtr> {
    if (obj->metadata.name == "bad") {
      return runtime::Err(cache::NewCacheError("refused"));
    }
    return obj;
  };
  RunInBubble(1, [&] {
    cache::DeltaFifo f({.transformer = refuse_bad});
    auto added = f.Add(Obj("bad", "1"));
    REQUIRE_FALSE(added);
    CHECK(added.error().message == "refused");
    CHECK(f.Len() == 0);
    auto replaced = f.Replace({Obj("good", "1"), Obj("bad", "1")}, "1");
    REQUIRE_FALSE(replaced);
    CHECK(replaced.error().message == "couldn't enqueue object: refused");
    CHECK(f.ListKeys() == Strings{"good"});
  });
}

TEST_CASE("DeltaFifo KeyOf keys tombstones by their key and objects by the key function",
          "[runtime][cache]") {
  cache::DeltaFifo f;
  CHECK(f.KeyOf(Obj("A", "1")).value() == "A");
  CHECK(f.KeyOf(Obj("A", "1", "ns")).value() == "ns/A");
  CHECK(f.KeyOf(cache::DeletedFinalStateUnknown{"B", nullptr}).value() == "B");
  auto bad = f.KeyOf(runtime::ObjectPtr{});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message ==
        "couldn't create key for object <nil>: object has no meta: object is null");
}

TEST_CASE("DeltaFifo HasSynced follows client-go's table", "[runtime][cache]") {
  // client-go TestDeltaFIFO_HasSynced, plus §3.7's rules: an Add/Update/Delete before any
  // Replace makes the queue synced, and it never goes back to false.
  struct Case {
    const char* name;
    void (*actions)(cache::DeltaFifo&);
    bool synced;
  };

  const std::vector<Case> cases = {
      {"nothing happened", [](cache::DeltaFifo&) {}, false},
      {"Add before any Replace", [](cache::DeltaFifo& f) { REQUIRE(f.Add(Obj("a", "1"))); }, true},
      {"Update before any Replace", [](cache::DeltaFifo& f) { REQUIRE(f.Update(Obj("a", "1"))); },
       true},
      {"an ignored Delete before any Replace",
       [](cache::DeltaFifo& f) { REQUIRE(f.Delete(Obj("a", "1"))); }, true},
      {"empty Replace", [](cache::DeltaFifo& f) { REQUIRE(f.Replace({}, "0")); }, true},
      {"Replace of two, nothing popped",
       [](cache::DeltaFifo& f) {
         REQUIRE(f.Replace({Obj("a", "1"), Obj("b", "2")}, "0"));
       },
       false},
      {"Replace of two, one popped",
       [](cache::DeltaFifo& f) {
         REQUIRE(f.Replace({Obj("a", "1"), Obj("b", "2")}, "0"));
         PopOne(f);
       },
       false},
      {"Replace of two, both popped",
       [](cache::DeltaFifo& f) {
         REQUIRE(f.Replace({Obj("a", "1"), Obj("b", "2")}, "0"));
         PopOne(f);
         PopOne(f);
       },
       true},
      {"Replace listing one key twice counts it once",
       [](cache::DeltaFifo& f) {
         REQUIRE(f.Replace({Obj("a", "1"), Obj("a", "2")}, "0"));
         PopOne(f);
       },
       true},
      {"Add before Replace: the Replace does not reset the count",
       [](cache::DeltaFifo& f) {
         REQUIRE(f.Add(Obj("x", "1")));
         REQUIRE(f.Replace({Obj("a", "1"), Obj("b", "2")}, "0"));
       },
       true},
      {"synced, then a second Replace: never goes back",
       [](cache::DeltaFifo& f) {
         REQUIRE(f.Replace({Obj("a", "1")}, "0"));
         PopOne(f);
         REQUIRE(f.Replace({Obj("a", "2"), Obj("b", "2")}, "1"));
       },
       true},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    RunInBubble(1, [&] {
      cache::DeltaFifo f;
      c.actions(f);
      CHECK(f.HasSynced() == c.synced);
      CHECK(f.SyncedEvent().IsSet() == c.synced);
    });
  }
}

TEST_CASE("DeltaFifo counts Replace's tombstones in the initial population", "[runtime][cache]") {
  // client-go TestDeltaFIFO_HasSyncedCorrectOnDeletion.
  RunInBubble(1, [] {
    auto known = Known({Obj("foo", "5"), Obj("bar", "6"), Obj("baz", "7")});
    cache::DeltaFifo f({.known_objects = known.get()});
    REQUIRE(f.Replace({Obj("foo", "5")}, "0"));
    CHECK(f.InitialPopulationCount() == 3);
    const std::vector<Described> expected = {
        {"Sync foo@5"}, {"Deleted DFSU(bar, bar@6)"}, {"Deleted DFSU(baz, baz@7)"}};
    for (const Described& want : expected) {
      CHECK_FALSE(f.HasSynced());
      bool initial = false;
      auto popped = f.Pop([&](const cache::Deltas&, bool is_in_initial_list) {
        initial = is_in_initial_list;
        return runtime::Ok();
      });
      REQUIRE(popped);
      CHECK(cache_test::Describe(*popped) == want);
      CHECK(initial);
    }
    CHECK(f.HasSynced());
    REQUIRE(f.Add(Obj("later", "8")));
    bool initial = true;
    REQUIRE(f.Pop([&](const cache::Deltas&, bool is_in_initial_list) {
      initial = is_in_initial_list;
      return runtime::Ok();
    }));
    CHECK_FALSE(initial);
  });
}

TEST_CASE("DeltaFifo Pop blocks until an item arrives", "[runtime][cache]") {
  const auto seed = GENERATE(range(1, 5));
  RunInBubble(seed, [] {
    cache::DeltaFifo f;
    sim::TimePoint popped_at;
    Described got;
    sim::WaitGroup consumer;
    consumer.Go("consumer", [&] {
      got = PopOne(f);
      popped_at = sim::Now();
    });
    sim::SleepFor(3s);
    REQUIRE(f.Add(Obj("foo", "1")));
    consumer.Wait();
    CHECK(got == Described{"Added foo@1"});
    CHECK(Since(popped_at) == 3s);
  });
}

TEST_CASE("DeltaFifo Pop returns the closed error to every waiter after Close",
          "[runtime][cache]") {
  // client-go TestDeltaFIFO_PopShouldUnblockWhenClosed.
  const auto seed = GENERATE(range(1, 5));
  RunInBubble(seed, [] {
    auto known = Known({Obj("foo", "5")});
    cache::DeltaFifo f({.known_objects = known.get()});
    constexpr int kJobs = 10;
    int closed = 0;
    sim::WaitGroup jobs;
    for (int i = 0; i < kJobs; ++i) {
      jobs.Go(fmt::format("pop-{}", i), [&] {
        auto popped = f.Pop(cache::PopProcessFunc{});
        if (!popped && cache::IsFifoClosed(popped.error())) {
          ++closed;
        }
      });
    }
    sim::Wait();  // every job is blocked in Pop
    CHECK_FALSE(f.IsClosed());
    f.Close();
    jobs.Wait();
    CHECK(closed == kJobs);
    CHECK(f.IsClosed());
  });
}

TEST_CASE("DeltaFifo hands out queued items after Close, then reports closed", "[runtime][cache]") {
  RunInBubble(1, [] {
    cache::DeltaFifo f;
    REQUIRE(f.Add(Obj("foo", "1")));
    f.Close();
    CHECK(PopOne(f) == Described{"Added foo@1"});
    auto popped = f.Pop(cache::PopProcessFunc{});
    REQUIRE_FALSE(popped);
    CHECK(cache::IsFifoClosed(popped.error()));
    CHECK(popped.error().message == "DeltaFIFO: manipulating with closed queue");
  });
}

TEST_CASE("DeltaFifo Pop with a context gives up when the context ends", "[runtime][cache]") {
  RunInBubble(1, [] {
    cache::DeltaFifo f;
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 5s);
    auto popped = f.Pop(ctx, cache::PopProcessFunc{});
    REQUIRE_FALSE(popped);
    CHECK(runtime::IsDeadlineExceeded(popped.error()));
    CHECK(Since(sim::Now()) == 5s);
    cancel();

    // An item that is already there is popped even with a done context.
    REQUIRE(f.Add(Obj("foo", "1")));
    auto popped2 = f.Pop(ctx, cache::PopProcessFunc{});
    REQUIRE(popped2);
    CHECK(cache_test::Describe(*popped2) == Described{"Added foo@1"});
  });
}

TEST_CASE("DeltaFifo runs process under its lock: writers wait until it returns",
          "[runtime][cache]") {
  const auto seed = GENERATE(range(1, 9));
  RunInBubble(seed, [] {
    cache::DeltaFifo f;
    REQUIRE(f.Add(Obj("foo", "1")));
    std::vector<std::string> events;
    sim::WaitGroup fibers;
    fibers.Go("consumer", [&] {
      auto popped = f.Pop([&](const cache::Deltas&, bool) {
        events.push_back("process start");
        sim::SleepFor(1s);  // a slow handler
        events.push_back("process end");
        return runtime::Ok();
      });
      CHECK(popped);
    });
    fibers.Go("writer", [&] {
      sim::SleepFor(500ms);  // while process runs
      REQUIRE(f.Add(Obj("bar", "1")));
      events.push_back(fmt::format(
          "add returned at {}ms",
          std::chrono::duration_cast<std::chrono::milliseconds>(Since(sim::Now())).count()));
    });
    fibers.Wait();
    CHECK(events == Strings{"process start", "process end", "add returned at 1000ms"});
    CHECK(f.ListKeys() == Strings{"bar"});
  });
}

TEST_CASE("DeltaFifo returns the error of process and does not requeue the item",
          "[runtime][cache]") {
  RunInBubble(1, [] {
    cache::DeltaFifo f;
    REQUIRE(f.Add(Obj("foo", "1")));
    auto popped = f.Pop([](const cache::Deltas&, bool) -> runtime::Result<void> {
      return runtime::Err(cache::NewCacheError("handler failed"));
    });
    REQUIRE_FALSE(popped);
    CHECK(popped.error().message == "handler failed");
    CHECK(f.Len() == 0);
  });
}

TEST_CASE("DeltaFifo sets its synced event only after the last initial item was processed",
          "[runtime][cache]") {
  const auto seed = GENERATE(range(1, 9));
  RunInBubble(seed, [] {
    cache::DeltaFifo f;
    REQUIRE(f.Replace({Obj("a", "1"), Obj("b", "1")}, "1"));
    std::vector<std::string> events;
    sim::WaitGroup fibers;
    fibers.Go("waiter", [&] {
      f.SyncedEvent().Wait();
      events.push_back("synced");
    });
    fibers.Go("consumer", [&] {
      for (int i = 0; i < 2; ++i) {
        REQUIRE(f.Pop([&](const cache::Deltas& d, bool initial) {
          events.push_back(fmt::format("process {} initial={} synced={}",
                                       cache::ObjectOf(d.front().object)->metadata.name, initial,
                                       f.HasSynced()));
          sim::Yield();  // let the waiter run if it could
          return runtime::Ok();
        }));
      }
    });
    fibers.Wait();
    CHECK(events == Strings{"process a initial=true synced=false",
                            "process b initial=true synced=false", "synced"});
    CHECK(f.HasSynced());
    CHECK(sim::Now() == sim::Clock::Epoch());  // no virtual time passed
  });
}
