// scenarios/test/informer_scenarios_test.cc
//
// S04-S07, the informer-level scenarios: each correct variant passes every seed under random and
// pct, with both FIFOs, deterministically (equal fingerprints on a rerun); each planted bug is
// found within its documented seed budget under the default portfolio, and its failing seed fails
// again with the same fingerprint and message.
#include <optional>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/run.h>

#include "scenario_checks.h"

namespace sc = bubble::scenarios;
namespace sim = bubble::sim;

using bubble::scenarios::testing::CheckBugs;

namespace {

constexpr std::uint64_t kCorrectSeeds = 120;  // per strategy: 240 seeds per scenario

// Both FIFOs across the sweep.
void CheckCorrect(const std::string& name) {
  bubble::scenarios::testing::CheckCorrect(name, kCorrectSeeds, [](std::uint64_t seed) {
    return std::vector<std::pair<std::string, std::string>>{
        {"fifo", seed % 3 == 0 ? "delta" : "real"}};
  });
}

}  // namespace

TEST_CASE("relist-with-queued-events: the correct consumer leaks nothing, on every seed",
          "[scenarios][s04]") {
  CheckCorrect("relist-with-queued-events");
}

TEST_CASE("relist-with-queued-events: each planted bug is found within its seed budget",
          "[scenarios][s04]") {
  CheckBugs("relist-with-queued-events");
}

TEST_CASE("missed-delete-tombstone: the correct consumer unwraps every tombstone, on every seed",
          "[scenarios][s05]") {
  CheckCorrect("missed-delete-tombstone");
}

TEST_CASE("missed-delete-tombstone: each planted bug is found within its seed budget",
          "[scenarios][s05]") {
  CheckBugs("missed-delete-tombstone");
}

TEST_CASE("relist-swallowed-update: the consumer sees every change, on every seed",
          "[scenarios][s06]") {
  CheckCorrect("relist-swallowed-update");
}

TEST_CASE("relist-swallowed-update: each planted bug is found within its seed budget",
          "[scenarios][s06]") {
  CheckBugs("relist-swallowed-update");
}

TEST_CASE("gone-and-bookmarks: bookmarks keep the informer from relisting, on every seed",
          "[scenarios][s07]") {
  CheckCorrect("gone-and-bookmarks");
}

TEST_CASE("gone-and-bookmarks: each planted bug is found within its seed budget",
          "[scenarios][s07]") {
  CheckBugs("gone-and-bookmarks");
}
