// runtime/test/cache/real_fifo_test.cc: RealFifo (docs/semantics.md §4.3, §3.7), ported from
// client-go's tools/cache/the_real_fifo_test.go plus the bubble-specific blocking behaviour.
//
// Objects are cluster-scoped ConfigMaps, so keys read like client-go's test ("foo"), and their
// resourceVersion plays the test's value: Obj("foo", "10") is mkFifoObj("foo", 10).
#include "bubble/runtime/cache/real_fifo.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/runtime/cache/errors.h>
#include <bubble/runtime/cache/indexer.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>
#include <bubble/sim/error.h>
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

std::unique_ptr<cache::Indexer> Known(std::vector<runtime::ObjectPtr> objs) {
  auto known = std::make_unique<cache::Indexer>(cache::MetaNamespaceKeyFunc);
  for (auto& o : objs) {
    REQUIRE(known->Add(std::move(o)));
  }
  return known;
}

// Pops batches until the queue is empty.
std::vector<Described> PopBatches(cache::RealFifo& f, std::vector<bool>* initial = nullptr) {
  std::vector<Described> out;
  while (f.Len() > 0) {
    auto ok = f.PopBatch([&](const cache::Deltas& batch, bool is_in_initial_list) {
      out.push_back(cache_test::Describe(batch));
      if (initial != nullptr) {
        initial->push_back(is_in_initial_list);
      }
      return runtime::Ok();
    });
    CHECK(ok);
  }
  return out;
}

sim::Duration Since(sim::TimePoint t) {
  return t - sim::Clock::Epoch();
}

}  // namespace

TEST_CASE("RealFifo requires knownObjects", "[runtime][cache]") {
  CHECK_THROWS_AS(cache::RealFifo({}), bubble::UsageError);
  CHECK_THROWS_WITH(cache::RealFifo({}), Catch::Matchers::Contains("needs known_objects"));
  cache::Indexer known;
  CHECK_THROWS_AS(cache::RealFifo({.known_objects = &known, .batch_size = 0}), bubble::UsageError);
}

TEST_CASE("RealFifo delivers every Add, Update and Delete as its own entry, in order",
          "[runtime][cache]") {
  // client-go TestRealFIFO_addUpdate and enqueueingNoLister: nothing is coalesced and a
  // Delete of an unknown object is not ignored.
  RunInBubble(1, [] {
    auto known = Known({});
    cache::RealFifo f({.known_objects = known.get()});
    REQUIRE(f.Add(Obj("foo", "10")));
    REQUIRE(f.Update(Obj("foo", "12")));
    REQUIRE(f.Delete(Obj("foo", "15")));
    REQUIRE(f.Delete(Obj("baz", "20")));  // neither queued nor known: still delivered
    CHECK(cache_test::Describe(f.List()) ==
          Described{"Added foo@10", "Updated foo@12", "Deleted foo@15", "Deleted baz@20"});
    CHECK(PopAll(f) ==
          std::vector<Described>{
              {"Added foo@10"}, {"Updated foo@12"}, {"Deleted foo@15"}, {"Deleted baz@20"}});
  });
}

TEST_CASE("RealFifo Replace deletes objects that are only in the queue", "[runtime][cache]") {
  // client-go TestRealFIFOW_ReplaceMakesDeletionsForObjectsOnlyInQueue.
  struct Case {
    const char* name;
    void (*operations)(cache::RealFifo&);
    std::vector<Described> expected;
  };

  const std::vector<Case> cases = {
      {"Added object should be deleted on Replace",
       [](cache::RealFifo& f) {
         REQUIRE(f.Add(Obj("foo", "2")));
         REQUIRE(f.Replace({}, "0"));
       },
       {{"Added foo@2"}, {"Deleted DFSU(foo, foo@2)"}}},
      {"Deleted object should have only a single Delete",
       [](cache::RealFifo& f) {
         REQUIRE(f.Add(Obj("foo", "2")));
         REQUIRE(f.Delete(Obj("foo", "2")));
         REQUIRE(f.Replace({}, "0"));
       },
       {{"Added foo@2"}, {"Deleted foo@2"}}},
      {"Synced objects should have a single delete",
       [](cache::RealFifo& f) {
         REQUIRE(f.Add(Obj("foo", "2")));
         REQUIRE(f.Replace({Obj("foo", "2")}, "0"));
         REQUIRE(f.Replace({Obj("foo", "2")}, "0"));
         REQUIRE(f.Replace({}, "0"));
       },
       {{"Added foo@2"}, {"Replaced foo@2"}, {"Replaced foo@2"}, {"Deleted DFSU(foo, foo@2)"}}},
      {"Added objects should have a single delete on multiple Replaces",
       [](cache::RealFifo& f) {
         REQUIRE(f.Add(Obj("foo", "2")));
         REQUIRE(f.Replace({}, "0"));
         REQUIRE(f.Replace({}, "1"));
       },
       {{"Added foo@2"}, {"Deleted DFSU(foo, foo@2)"}}},
      {"Added and deleted and added object should be deleted",
       [](cache::RealFifo& f) {
         REQUIRE(f.Add(Obj("foo", "2")));
         REQUIRE(f.Delete(Obj("foo", "2")));
         REQUIRE(f.Add(Obj("foo", "3")));
         REQUIRE(f.Replace({}, "0"));
       },
       {{"Added foo@2"}, {"Deleted foo@2"}, {"Added foo@3"}, {"Deleted DFSU(foo, foo@3)"}}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    RunInBubble(1, [&] {
      auto known = Known({});
      cache::RealFifo f({.known_objects = known.get()});
      c.operations(f);
      CHECK(PopAll(f) == c.expected);
    });
  }
}

TEST_CASE("RealFifo Replace queues its deletions before the replaced items", "[runtime][cache]") {
  // client-go TestRealFIFO_ReplaceMakesDeletions: the differences from DeltaFifo are that every
  // event is its own entry and that deletions come before the listed objects.
  auto known_three = [] { return Known({Obj("foo", "5"), Obj("bar", "6"), Obj("baz", "7")}); };

  SECTION("with a pre-existing delete") {
    RunInBubble(1, [&] {
      auto known = known_three();
      cache::RealFifo f({.known_objects = known.get()});
      REQUIRE(f.Delete(Obj("baz", "10")));
      REQUIRE(f.Replace({Obj("foo", "5")}, "0"));
      CHECK(PopAll(f) == std::vector<Described>{
                             {"Deleted baz@10"}, {"Deleted DFSU(bar, bar@6)"}, {"Replaced foo@5"}});
    });
  }
  SECTION("starting with an add") {
    RunInBubble(1, [&] {
      auto known = known_three();
      cache::RealFifo f({.known_objects = known.get()});
      REQUIRE(f.Add(Obj("baz", "10")));
      REQUIRE(f.Replace({Obj("foo", "5")}, "0"));
      CHECK(PopAll(f) == std::vector<Described>{{"Added baz@10"},
                                                {"Deleted DFSU(baz, baz@10)"},
                                                {"Deleted DFSU(bar, bar@6)"},
                                                {"Replaced foo@5"}});
    });
  }
  SECTION("deleting and recreating the object in the queue") {
    RunInBubble(1, [&] {
      auto known = known_three();
      cache::RealFifo f({.known_objects = known.get()});
      REQUIRE(f.Delete(Obj("bar", "6")));
      REQUIRE(f.Add(Obj("bar", "100")));
      REQUIRE(f.Replace({Obj("foo", "5")}, "0"));
      CHECK(PopAll(f) == std::vector<Described>{{"Deleted bar@6"},
                                                {"Added bar@100"},
                                                {"Deleted DFSU(bar, bar@100)"},
                                                {"Deleted DFSU(baz, baz@7)"},
                                                {"Replaced foo@5"}});
    });
  }
  SECTION("syncing first, so the delete carries the latest version") {
    RunInBubble(1, [&] {
      auto known = known_three();
      cache::RealFifo f({.known_objects = known.get()});
      REQUIRE(f.Replace({Obj("bar", "100"), Obj("foo", "5")}, "0"));
      REQUIRE(f.Replace({Obj("foo", "5")}, "0"));
      CHECK(PopAll(f) == std::vector<Described>{{"Deleted DFSU(baz, baz@7)"},
                                                {"Replaced bar@100"},
                                                {"Replaced foo@5"},
                                                {"Deleted DFSU(bar, bar@100)"},
                                                {"Replaced foo@5"}});
    });
  }
  SECTION("with empty knownObjects") {
    RunInBubble(1, [&] {
      auto known = Known({});
      cache::RealFifo f({.known_objects = known.get()});
      REQUIRE(f.Add(Obj("baz", "10")));
      REQUIRE(f.Replace({Obj("foo", "5")}, "0"));
      CHECK(PopAll(f) == std::vector<Described>{
                             {"Added baz@10"}, {"Deleted DFSU(baz, baz@10)"}, {"Replaced foo@5"}});
    });
  }
}

TEST_CASE("RealFifo Replace orders tombstones by first queue appearance, then by sorted known key",
          "[runtime][cache]") {
  RunInBubble(1, [] {
    auto known = Known({Obj("zed", "1"), Obj("alpha", "1"), Obj("kept", "1"), Obj("q1", "0")});
    cache::RealFifo f({.known_objects = known.get()});
    REQUIRE(f.Add(Obj("q3", "1")));
    REQUIRE(f.Add(Obj("q1", "1")));
    REQUIRE(f.Update(Obj("q3", "2")));
    REQUIRE(f.Add(Obj("q2", "1")));
    REQUIRE(f.Replace({Obj("kept", "2"), Obj("new", "2")}, "9"));
    CHECK(cache_test::Describe(f.List()) ==
          Described{"Added q3@1", "Added q1@1", "Updated q3@2", "Added q2@1",
                    // (1) queued keys, in order of first appearance, with their last object
                    "Deleted DFSU(q3, q3@2)", "Deleted DFSU(q1, q1@1)", "Deleted DFSU(q2, q2@1)",
                    // (2) known keys neither listed nor queued, sorted
                    "Deleted DFSU(alpha, alpha@1)", "Deleted DFSU(zed, zed@1)",
                    // (3) the list, in list order
                    "Replaced kept@2", "Replaced new@2"});
  });
}

TEST_CASE("RealFifo Resync queues Sync for known keys without queued entries", "[runtime][cache]") {
  // client-go TestRealFIFO_Resync, ResyncNonExisting and UpdateResyncRace.
  RunInBubble(1, [] {
    auto known = Known({Obj("foo", "5"), Obj("bar", "6"), Obj("baz", "7")});
    cache::RealFifo f({.known_objects = known.get()});
    REQUIRE(f.Update(Obj("foo", "6")));
    REQUIRE(f.Delete(Obj("baz", "10")));
    REQUIRE(f.Resync());
    CHECK(PopAll(f) ==
          std::vector<Described>{{"Updated foo@6"}, {"Deleted baz@10"}, {"Sync bar@6"}});
  });
}

TEST_CASE("RealFifo runs the transformer for events and lists, never for tombstones or Sync",
          "[runtime][cache]") {
  auto transform = [](runtime::ObjectPtr obj) -> runtime::Result<runtime::ObjectPtr> {
    auto copy = std::make_shared<runtime::ConfigMap>(
        *std::static_pointer_cast<const runtime::ConfigMap>(obj));
    auto& count = copy->metadata.labels["xfrm"];
    count = std::to_string(count.empty() ? 1 : std::stoi(count) + 1);
    return runtime::ObjectPtr(std::move(copy));
  };
  RunInBubble(1, [&] {
    auto known = Known({Obj("known", "1")});
    cache::RealFifo f({.known_objects = known.get(), .transformer = transform});
    REQUIRE(f.Add(Obj("foo", "10")));
    REQUIRE(f.Update(Obj("foo", "12")));
    REQUIRE(f.Delete(Obj("foo", "15")));
    REQUIRE(f.Add(Obj("bar", "11")));
    REQUIRE(f.Replace({Obj("listed", "1")}, "20"));
    REQUIRE(f.Resync());  // "known" has a queued tombstone; nothing else is known
    std::vector<std::string> seen;
    for (const cache::Delta& d : f.List()) {
      const auto& obj = cache::ObjectOf(d.object);
      auto it = obj->metadata.labels.find("xfrm");
      seen.push_back(fmt::format("{} {}", cache_test::Describe(d),
                                 it == obj->metadata.labels.end() ? "-" : it->second));
    }
    CHECK(seen == Strings{"Added foo@10 1", "Updated foo@12 1", "Deleted foo@15 1",
                          "Added bar@11 1", "Deleted DFSU(bar, bar@11) 1",
                          "Deleted DFSU(known, known@1) -", "Replaced listed@1 1"});
    PopAll(f);

    auto known2 = Known({Obj("k", "1")});
    cache::RealFifo g({.known_objects = known2.get(), .transformer = transform});
    REQUIRE(g.Resync());
    auto synced = g.Pop(cache::PopProcessFunc{});
    REQUIRE(synced);
    CHECK(cache_test::Describe(*synced) == Described{"Sync k@1"});
    CHECK_FALSE(cache::ObjectOf(synced->front().object)->metadata.labels.contains("xfrm"));
  });
}

TEST_CASE("RealFifo HasSynced follows client-go's table", "[runtime][cache]") {
  // client-go TestRealFIFO_HasSynced, plus §3.7's Add-before-Replace and never-back rules.
  struct Case {
    const char* name;
    void (*actions)(cache::RealFifo&);
    bool synced;
  };

  const std::vector<Case> cases = {
      {"nothing happened", [](cache::RealFifo&) {}, false},
      {"Add before any Replace", [](cache::RealFifo& f) { REQUIRE(f.Add(Obj("a", "1"))); }, true},
      {"Delete before any Replace", [](cache::RealFifo& f) { REQUIRE(f.Delete(Obj("a", "1"))); },
       true},
      {"empty Replace", [](cache::RealFifo& f) { REQUIRE(f.Replace({}, "0")); }, true},
      {"Replace of two, nothing popped",
       [](cache::RealFifo& f) {
         REQUIRE(f.Replace({Obj("a", "1"), Obj("b", "2")}, "0"));
       },
       false},
      {"Replace of two, one popped",
       [](cache::RealFifo& f) {
         REQUIRE(f.Replace({Obj("a", "1"), Obj("b", "2")}, "0"));
         PopOne(f);
       },
       false},
      {"Replace of two, both popped",
       [](cache::RealFifo& f) {
         REQUIRE(f.Replace({Obj("a", "1"), Obj("b", "2")}, "0"));
         PopOne(f);
         PopOne(f);
       },
       true},
      {"Replace listing one key twice needs two pops",
       [](cache::RealFifo& f) {
         REQUIRE(f.Replace({Obj("a", "1"), Obj("a", "2")}, "0"));
         PopOne(f);
         PopOne(f);
       },
       true},
      {"Replace listing one key twice, one pop",
       [](cache::RealFifo& f) {
         REQUIRE(f.Replace({Obj("a", "1"), Obj("a", "2")}, "0"));
         PopOne(f);
       },
       false},
      {"synced, then a second Replace: never goes back",
       [](cache::RealFifo& f) {
         REQUIRE(f.Replace({Obj("a", "1")}, "0"));
         PopOne(f);
         REQUIRE(f.Replace({Obj("a", "2"), Obj("b", "2")}, "1"));
       },
       true},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    RunInBubble(1, [&] {
      auto known = Known({});
      cache::RealFifo f({.known_objects = known.get()});
      c.actions(f);
      CHECK(f.HasSynced() == c.synced);
      CHECK(f.SyncedEvent().IsSet() == c.synced);
    });
  }
}

TEST_CASE("RealFifo's initial population counts everything queued at the first Replace",
          "[runtime][cache]") {
  RunInBubble(1, [] {
    auto known = Known({Obj("gone", "1")});
    cache::RealFifo f({.known_objects = known.get()});
    // Two listed objects plus one tombstone for the known key "gone".
    REQUIRE(f.Replace({Obj("a", "1"), Obj("b", "1")}, "3"));
    CHECK(f.InitialPopulationCount() == 3);
    std::vector<bool> initial;
    for (int i = 0; i < 3; ++i) {
      CHECK_FALSE(f.HasSynced());
      REQUIRE(f.Pop([&](const cache::Deltas&, bool is_in_initial_list) {
        initial.push_back(is_in_initial_list);
        return runtime::Ok();
      }));
    }
    CHECK(f.HasSynced());
    CHECK(initial == std::vector<bool>{true, true, true});
  });
}

TEST_CASE(
    "RealFifo PopBatch splits batches at duplicate keys, the initial population and the "
    "batch size",
    "[runtime][cache]") {
  // client-go TestRealFIFO_PopMultipleDeltaInBatch.
  constexpr std::size_t kUnlimited = 999999;

  struct Case {
    const char* name;
    std::vector<std::string> initial_items;
    std::vector<std::string> updates;
    std::size_t batch_size;
    std::vector<Described> expected;
  };

  const std::vector<Case> cases = {
      {"non-split: pop unique items should work",
       {"foo1", "foo2", "foo3"},
       {},
       kUnlimited,
       {{"Replaced foo1@5", "Replaced foo2@5", "Replaced foo3@5"}}},
      {"split due to initial list: initial 2 items with 2 updates should have 2 batches",
       {"foo1", "foo2"},
       {"foo3", "foo4"},
       2,
       {{"Replaced foo1@5", "Replaced foo2@5"}, {"Updated foo3@5", "Updated foo4@5"}}},
      {"split due to initial list with a large batch size",
       {"foo1", "foo2"},
       {"foo3", "foo4"},
       kUnlimited,
       {{"Replaced foo1@5", "Replaced foo2@5"}, {"Updated foo3@5", "Updated foo4@5"}}},
      {"split due to non-unique#1: update single item for multiple items should have separate "
       "batch",
       {"foo1"},
       {"foo1", "foo1"},
       kUnlimited,
       {{"Replaced foo1@5"}, {"Updated foo1@5"}, {"Updated foo1@5"}}},
      {"split due to non-unique#2: non-unique item at the end",
       {"foo1", "foo2"},
       {"foo2", "foo3"},
       kUnlimited,
       {{"Replaced foo1@5", "Replaced foo2@5"}, {"Updated foo2@5", "Updated foo3@5"}}},
      {"split due to non-unique#3: non-unique item in the middle",
       {"foo1", "foo2", "foo3"},
       {"foo2"},
       kUnlimited,
       {{"Replaced foo1@5", "Replaced foo2@5", "Replaced foo3@5"}, {"Updated foo2@5"}}},
      {"split due to non-unique#4: a repeated key ends the batch before it",
       {},
       {"foo1", "foo2", "foo1", "foo3"},
       kUnlimited,
       {{"Updated foo1@5", "Updated foo2@5"}, {"Updated foo1@5", "Updated foo3@5"}}},
      {"split due to batch size#1: batching initial list should work",
       {"foo1", "foo2", "foo3"},
       {},
       2,
       {{"Replaced foo1@5", "Replaced foo2@5"}, {"Replaced foo3@5"}}},
      {"split due to batch size#2: batching incoming non-initial deltas should work",
       {},
       {"foo1", "foo2", "foo3"},
       2,
       {{"Updated foo1@5", "Updated foo2@5"}, {"Updated foo3@5"}}},
      {"split due to batch size#3: 4 mixed initial and non-initial items, batch size 2",
       {"foo1", "foo2", "foo3"},
       {"foo4"},
       2,
       {{"Replaced foo1@5", "Replaced foo2@5"}, {"Replaced foo3@5"}, {"Updated foo4@5"}}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    RunInBubble(1, [&] {
      std::vector<runtime::ObjectPtr> initial;
      for (const auto& name : c.initial_items) {
        initial.push_back(Obj(name, "5"));
      }
      auto known = Known(initial);  // client-go: knownObjects returns the initial items
      cache::RealFifo f({.known_objects = known.get(), .batch_size = c.batch_size});
      REQUIRE(f.Replace(initial, ""));
      for (const auto& name : c.updates) {
        REQUIRE(f.Update(Obj(name, "5")));
      }
      std::vector<bool> is_initial;
      CHECK(PopBatches(f, &is_initial) == c.expected);
      // Exactly the initial items were delivered with is_in_initial_list.
      std::size_t initial_delivered = 0;
      for (std::size_t i = 0; i < c.expected.size() && i < is_initial.size(); ++i) {
        if (is_initial[i]) {
          initial_delivered += c.expected[i].size();
        }
      }
      CHECK(initial_delivered == c.initial_items.size());
      CHECK(f.HasSynced());
    });
  }
}

TEST_CASE("RealFifo PopBatch takes at most 1000 entries by default", "[runtime][cache]") {
  RunInBubble(1, [] {
    auto known = Known({});
    cache::RealFifo f({.known_objects = known.get()});
    for (int i = 0; i < 1500; ++i) {
      REQUIRE(f.Add(Obj(fmt::format("o{:04}", i), "1")));
    }
    std::vector<std::size_t> sizes;
    while (f.Len() > 0) {
      REQUIRE(f.PopBatch([&](const cache::Deltas& batch, bool) {
        sizes.push_back(batch.size());
        return runtime::Ok();
      }));
    }
    CHECK(sizes == std::vector<std::size_t>{1000, 500});
    CHECK(cache::kDefaultFifoBatchSize == 1000);
  });
}

TEST_CASE("RealFifo Pop and PopBatch block until an item arrives and report closed after Close",
          "[runtime][cache]") {
  // client-go TestRealFIFO_PopShouldUnblockWhenClosed, plus the blocking side.
  const auto seed = GENERATE(range(1, 5));
  RunInBubble(seed, [] {
    auto known = Known({Obj("foo", "5")});
    cache::RealFifo f({.known_objects = known.get()});

    sim::TimePoint popped_at;
    Described got;
    sim::WaitGroup consumer;
    consumer.Go("consumer", [&] {
      REQUIRE(f.PopBatch([&](const cache::Deltas& batch, bool) {
        got = cache_test::Describe(batch);
        return runtime::Ok();
      }));
      popped_at = sim::Now();
    });
    sim::SleepFor(2s);
    REQUIRE(f.Add(Obj("foo", "1")));
    consumer.Wait();
    CHECK(got == Described{"Added foo@1"});
    CHECK(Since(popped_at) == 2s);

    constexpr int kJobs = 10;
    int closed = 0;
    sim::WaitGroup jobs;
    for (int i = 0; i < kJobs; ++i) {
      jobs.Go(fmt::format("pop-{}", i), [&, i] {
        bool is_closed = false;
        if (i % 2 == 0) {
          auto popped = f.Pop(cache::PopProcessFunc{});
          is_closed = !popped && cache::IsFifoClosed(popped.error());
        } else {
          auto popped = f.PopBatch(cache::ProcessBatchFunc{});
          is_closed = !popped && cache::IsFifoClosed(popped.error());
        }
        if (is_closed) {
          ++closed;
        }
      });
    }
    sim::Wait();
    f.Close();
    jobs.Wait();
    CHECK(closed == kJobs);
  });
}

TEST_CASE("RealFifo PopBatch with a context gives up when the context ends", "[runtime][cache]") {
  RunInBubble(1, [] {
    auto known = Known({});
    cache::RealFifo f({.known_objects = known.get()});
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup canceller;
    canceller.Go("canceller", [&, cancel = cancel] {
      sim::SleepFor(7s);
      cancel();
    });
    auto popped = f.PopBatch(ctx, cache::ProcessBatchFunc{});
    REQUIRE_FALSE(popped);
    CHECK(runtime::IsContextCanceled(popped.error()));
    CHECK(Since(sim::Now()) == 7s);
    canceller.Wait();
  });
}

TEST_CASE("RealFifo runs PopBatch's process under its lock and publishes synced afterwards",
          "[runtime][cache]") {
  const auto seed = GENERATE(range(1, 9));
  RunInBubble(seed, [] {
    auto known = Known({});
    cache::RealFifo f({.known_objects = known.get()});
    REQUIRE(f.Replace({Obj("a", "1"), Obj("b", "1")}, "1"));
    std::vector<std::string> events;
    sim::WaitGroup fibers;
    fibers.Go("waiter", [&] {
      f.SyncedEvent().Wait();
      events.push_back("synced");
    });
    fibers.Go("consumer", [&] {
      REQUIRE(f.PopBatch([&](const cache::Deltas& batch, bool initial) {
        events.push_back(
            fmt::format("batch of {} initial={} synced={}", batch.size(), initial, f.HasSynced()));
        sim::SleepFor(1s);  // a slow handler: the writer below must wait
        events.push_back("batch done");
        return runtime::Ok();
      }));
    });
    fibers.Go("writer", [&] {
      sim::SleepFor(100ms);
      REQUIRE(f.Add(Obj("c", "1")));
      events.push_back(fmt::format(
          "add returned at {}ms",
          std::chrono::duration_cast<std::chrono::milliseconds>(Since(sim::Now())).count()));
    });
    fibers.Wait();
    // The waiter and the writer both become runnable when the batch is done; their order is the
    // strategy's choice, so compare the first three events and the set of the last two.
    REQUIRE(events.size() == 4);
    CHECK(events[0] == "batch of 2 initial=true synced=false");
    CHECK(events[1] == "batch done");
    std::vector<std::string> tail(events.begin() + 2, events.end());
    std::sort(tail.begin(), tail.end());
    CHECK(tail == Strings{"add returned at 1000ms", "synced"});
    CHECK(cache_test::Describe(f.List()) == Described{"Added c@1"});
  });
}

TEST_CASE("the RealFifo example of docs/informers.md fills an indexer and syncs without time",
          "[runtime][cache]") {
  RunInBubble(1, [] {
    cache::Indexer indexer;
    cache::RealFifo fifo({.known_objects = &indexer});
    sim::WaitGroup fibers;
    int batches = 0;
    fibers.Go("controller", [&] {
      while (true) {
        auto popped = fifo.PopBatch([&](const cache::Deltas& batch, bool) {
          ++batches;
          for (const cache::Delta& d : batch) {
            if (d.type == cache::DeltaType::kDeleted) {
              CHECK(indexer.Delete(d.object));
            } else {
              CHECK(indexer.Update(cache::ObjectOf(d.object)));
            }
          }
          return runtime::Ok();
        });
        if (!popped && cache::IsFifoClosed(popped.error())) {
          return;
        }
      }
    });
    REQUIRE(fifo.Replace({Obj("a", "1", "default"), Obj("b", "1", "default")}, "10"));
    fifo.SyncedEvent().Wait();
    CHECK(indexer.ListKeys() == Strings{"default/a", "default/b"});
    CHECK(batches == 1);
    CHECK(sim::Now() == sim::Clock::Epoch());
    fifo.Close();
    fibers.Wait();
  });
}
