// tools/test/seed_range_test.cc
#include "seed_range.h"

#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

namespace t = bubble::cli;

TEST_CASE("ParseSeed accepts plain decimal seeds only", "[tools][seeds]") {
  CHECK(t::ParseSeed("0") == 0u);
  CHECK(t::ParseSeed("18446744073709551615") == UINT64_MAX);
  CHECK(!t::ParseSeed(""));
  CHECK(!t::ParseSeed("-1"));
  CHECK(!t::ParseSeed("+1"));
  CHECK(!t::ParseSeed("1x"));
  CHECK(!t::ParseSeed(" 1"));
  CHECK(!t::ParseSeed("18446744073709551616"));
}

TEST_CASE("ParseSeedRange reads A..B and a single seed", "[tools][seeds]") {
  const auto r = t::ParseSeedRange("3..10");
  REQUIRE(r);
  CHECK(r->first == 3);
  CHECK(r->last == 10);
  CHECK(r->Count() == 8);
  CHECK(t::ParseSeedRange("7")->Count() == 1);
  CHECK(!t::ParseSeedRange("10..3"));
  CHECK(!t::ParseSeedRange("1..."));
  CHECK(!t::ParseSeedRange("..3"));
  CHECK(!t::ParseSeedRange("a..b"));
  CHECK(!t::ParseSeedRange("1-3"));
}

TEST_CASE("ParseShard reads I/N with I < N and splits seeds by s mod N", "[tools][seeds]") {
  const auto s = t::ParseShard("1/4");
  REQUIRE(s);
  CHECK(s->Contains(5));
  CHECK(!s->Contains(4));
  CHECK(!t::ParseShard("4/4"));
  CHECK(!t::ParseShard("0/0"));
  CHECK(!t::ParseShard("1"));
  CHECK(!t::ParseShard("a/2"));
  // Every seed is in exactly one shard.
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    int owners = 0;
    for (std::uint64_t i = 0; i < 3; ++i) {
      owners += t::Shard{i, 3}.Contains(seed) ? 1 : 0;
    }
    CHECK(owners == 1);
  }
}

TEST_CASE("the determinism check picks a fixed share of seeds", "[tools][seeds]") {
  int picked = 0;
  for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
    picked += t::SelectedForDeterminismCheck(seed, 10) ? 1 : 0;
    CHECK(t::SelectedForDeterminismCheck(seed, 10) == t::SelectedForDeterminismCheck(seed, 10));
    CHECK(t::SelectedForDeterminismCheck(seed, 100));
    CHECK(!t::SelectedForDeterminismCheck(seed, 0));
  }
  CHECK(picked > 60);
  CHECK(picked < 140);
}

TEST_CASE("SeedsInShard enumerates a shard's seeds without listing them", "[tools][seeds]") {
  // Against a plain filter over small ranges.
  for (std::uint64_t first = 0; first < 8; ++first) {
    for (std::uint64_t last = first; last < 12; ++last) {
      for (std::uint64_t n = 1; n <= 4; ++n) {
        for (std::uint64_t i = 0; i < n; ++i) {
          std::vector<std::uint64_t> want;
          for (std::uint64_t s = first; s <= last; ++s) {
            if (s % n == i) {
              want.push_back(s);
            }
          }
          const t::ShardSeeds seeds = t::SeedsInShard({first, last}, {i, n});
          std::vector<std::uint64_t> got;
          for (std::uint64_t k = 0; k < seeds.count; ++k) {
            got.push_back(seeds.At(k));
          }
          CHECK(got == want);
        }
      }
    }
  }
  // The largest ranges: counts near 2^64, no overflow.
  const t::ShardSeeds all = t::SeedsInShard({1, UINT64_MAX}, {0, 1});
  CHECK(all.count == UINT64_MAX);
  CHECK(all.At(all.count - 1) == UINT64_MAX);
  const t::ShardSeeds top = t::SeedsInShard({UINT64_MAX - 2, UINT64_MAX}, {1, 3});
  REQUIRE(top.count == 1);
  CHECK(top.At(0) % 3 == 1);
  CHECK(t::SeedsInShard({UINT64_MAX, UINT64_MAX}, {0, 2}).count == 0);  // 2^64-1 is odd
  CHECK(t::SeedsInShard({UINT64_MAX, UINT64_MAX}, {1, 2}).count == 1);
}
