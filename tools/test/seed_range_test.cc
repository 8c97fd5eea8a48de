// tools/test/seed_range_test.cc
#include "seed_range.h"

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
