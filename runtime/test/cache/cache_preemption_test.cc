// runtime/test/cache/cache_preemption_test.cc: reads of an informer's cache are preemption points
// (sim/include/bubble/sim/preempt.h, kind `cache`), and a FIFO's steps stay atomic.
#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include <bubble/runtime/cache/indexer.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/wait_group.h>

#include "cache/cache_test_util.h"

namespace sim = bubble::sim;
namespace cache = bubble::runtime::cache;
using cache_test::Obj;

namespace {

// A reader gets "ns/app" twice while a writer updates it once: the two reads differ only if the
// strategy preempts the reader between them.
bool ReadsDiffer(std::uint64_t seed, sim::PreemptSet preempt) {
  bool differ = false;
  sim::Bubble b({.seed = seed, .strategy = sim::StrategyKind::kRandom, .preempt = preempt});
  const sim::RunResult r = b.Run([&differ] {
    cache::Indexer store;
    REQUIRE(store.Add(Obj("app", "1", "ns")));
    sim::WaitGroup wg;
    wg.Go("reader", [&] {
      const auto first = store.GetByKey("ns/app");
      const auto second = store.GetByKey("ns/app");
      differ = first != second;
    });
    wg.Go("writer", [&] { REQUIRE(store.Update(Obj("app", "2", "ns"))); });
    wg.Wait();
  });
  REQUIRE(r.Passed());
  return differ;
}

}  // namespace

TEST_CASE("an update can land between two reads of the cache, and only at a cache point",
          "[runtime][cache]") {
  int with_cache = 0;
  int without_cache = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    with_cache += ReadsDiffer(seed, sim::PreemptSet::All()) ? 1 : 0;
    without_cache +=
        ReadsDiffer(seed, sim::PreemptSet::All().Without(sim::PreemptKind::kCache)) ? 1 : 0;
  }
  CHECK(with_cache > 0);
  CHECK(without_cache == 0);
}

TEST_CASE("a cache read records what it read in the trace", "[runtime][cache]") {
  sim::Bubble b({.trace = sim::TraceMode::kFull});
  const sim::RunResult r = b.Run([] {
    cache::Indexer store;
    REQUIRE(store.Add(Obj("app", "1", "ns")));
    (void)store.GetByKey("ns/app");
    (void)store.List();
  });
  REQUIRE(r.Passed());
  int gets = 0;
  int lists = 0;
  for (const sim::TraceEvent& e : b.GetTrace().Events()) {
    gets += e.kind == sim::EventKind::kInstant && e.detail == "cache: get ns/app" ? 1 : 0;
    lists += e.kind == sim::EventKind::kInstant && e.detail == "cache: list" ? 1 : 0;
  }
  CHECK(gets == 1);
  CHECK(lists == 1);
}
