// tools/test/sweep_tally_test.cc
#include "sweep_tally.h"

#include <algorithm>
#include <sstream>

#include <catch2/catch.hpp>

#include "cut_text.h"
#include "fingerprints.h"

namespace t = bubble::cli;
namespace sc = bubble::scenarios;

namespace {

t::SweepPlan Plan(std::uint64_t last, bool with_bugs = false) {
  return t::PlanSweep({.scenarios = {&sc::GetScenario("conflicting-writers")},
                       .seeds = {1, last},
                       .with_bugs = with_bugs});
}

t::ItemResult Failed(std::size_t report_bytes) {
  return {.state = t::ItemState::kFailed,
          .fingerprint = "0123456789abcdef",
          .message = "invariant failed: lost update",
          .report = std::string(report_bytes, 'r'),
          .seconds = 0.001};
}

// Feeds every item of group 0 in `order` (a permutation of indexes).
void Feed(t::SweepTally& tally, const t::SweepPlan& plan, const std::vector<std::uint64_t>& order,
          std::size_t report_bytes) {
  for (std::uint64_t k : order) {
    tally.Add(plan.Item(0, k), Failed(report_bytes));
  }
}

std::string JUnitText(const t::SweepPlan& plan, const t::SweepTally& tally,
                      const std::string& incomplete = "") {
  std::ostringstream out;
  t::WriteJUnit(out, t::SweepJUnit(plan, tally, incomplete));
  return out.str();
}

}  // namespace

TEST_CASE("CutText keeps the head, cuts at a character boundary and says what it cut",
          "[tools][bounds]") {
  CHECK(t::CutText("short", 10, "x") == "short");
  const std::string cut = t::CutText(std::string(100, 'a'), 10, "rerun it");
  CHECK(cut == "aaaaaaaaaa [... 90 bytes cut: rerun it]");
  // "é" is two bytes: never split.
  const std::string utf8 = t::CutText("aaaa\xc3\xa9zzzz", 5, "x");
  CHECK(utf8.substr(0, 5) == "aaaa ");
}

TEST_CASE("ValidUtf8 keeps valid text and replaces every stray byte with U+FFFD",
          "[tools][bounds]") {
  CHECK(t::ValidUtf8("plain") == "plain");
  CHECK(t::ValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82") ==
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82");
  const std::string fffd = "\xef\xbf\xbd";
  CHECK(t::ValidUtf8("a\xff"
                     "b") == "a" + fffd + "b");
  CHECK(t::ValidUtf8("\xc3") == fffd);                        // cut short
  CHECK(t::ValidUtf8("\xc0\xaf") == fffd + fffd);             // overlong
  CHECK(t::ValidUtf8("\xed\xa0\x80") == fffd + fffd + fffd);  // a surrogate
}

TEST_CASE("JUnit of a failing 50k-seed sweep stays small and says what it left out",
          "[tools][junit][bounds]") {
  const t::SweepPlan plan = Plan(50'000);
  t::SweepTally tally(plan);
  std::vector<std::uint64_t> order(50'000);
  for (std::uint64_t k = 0; k < order.size(); ++k) {
    order[k] = order.size() - 1 - k;  // the last seeds first: arrival order must not matter
  }
  Feed(tally, plan, order, t::kMaxReportBytes);
  const std::string xml = JUnitText(plan, tally);
  // Uncapped this was 50k failures x 16 KiB = 800 MB.
  CHECK(xml.size() < 5'000'000);
  CHECK_THAT(xml, Catch::Matchers::Contains("tests=\"5001\" failures=\"5001\""));
  CHECK_THAT(xml, Catch::Matchers::Contains("45000 more runs (seeds past the first 5000"));
  CHECK_THAT(xml, Catch::Matchers::Contains("45000 of them failed; the first, seed 5001"));
  CHECK_THAT(xml, Catch::Matchers::Contains("<system-out>bubble: JUnit lists the first 5000 runs"));
  CHECK_THAT(xml, Catch::Matchers::Contains("failure reports past the first 50 failures"));
  // The first 50 failures (by seed, whatever the arrival order) keep their report.
  CHECK_THAT(xml, Catch::Matchers::Contains("name=\"seed 50 (random)\""));
  const auto seed50 = xml.find("name=\"seed 50 (");
  const auto seed51 = xml.find("name=\"seed 51 (");
  CHECK(xml.find(std::string(100, 'r'), seed50) < seed51);
  CHECK(xml.find("report left out", seed51) != std::string::npos);
  CHECK(xml.find("report left out") > seed50);
  CHECK_FALSE(tally.Ok(0));
  const auto first = tally.FirstFailures();
  REQUIRE(first.size() == t::kFirstFailuresShown);
  CHECK(first[0].item.seed == 1);
  CHECK(first[4].item.seed == 5);
}

TEST_CASE("JUnit of an interrupted sweep says it is incomplete", "[tools][junit][signals]") {
  const t::SweepPlan plan = Plan(100, /*with_bugs=*/true);
  t::SweepTally tally(plan);
  tally.Add(plan.Item(0, 0), {.state = t::ItemState::kPassed, .seconds = 0.5});
  const std::string xml = JUnitText(plan, tally, "interrupted by SIGTERM after 1 of 160 runs");
  CHECK_THAT(xml, Catch::Matchers::Contains(
                      "<property name=\"bubble.incomplete\" value=\"interrupted by SIGTERM after "
                      "1 of 160 runs\"/>"));
  CHECK_THAT(xml, Catch::Matchers::Contains("<system-err>bubble: the sweep was interrupted"));
  CHECK_THAT(xml, Catch::Matchers::Contains("was not found in the 0 of its"));
}

TEST_CASE("The slowest runs: kept whatever the arrival order, and listed in JUnit",
          "[tools][sweep]") {
  const t::SweepPlan plan = Plan(10'000);
  t::SweepTally tally(plan);
  for (std::uint64_t k = 0; k < 10'000; ++k) {
    const double s = k == 9'000 ? 9.0 : (k == 17 ? 5.0 : 0.001 * static_cast<double>(k % 7));
    tally.Add(plan.Item(0, k), {.state = t::ItemState::kPassed, .seconds = s});
  }
  const auto slowest = tally.Slowest();
  REQUIRE(slowest.size() == t::kSlowestShown);
  CHECK(slowest[0].item.seed == 9'001);
  CHECK(slowest[1].item.seed == 18);
  // Seed 9001 is past the listed runs, and still has its own test case with its time.
  const std::string xml = JUnitText(plan, tally);
  CHECK_THAT(xml, Catch::Matchers::Contains("name=\"seed 9001 (pct d=2)\" time=\"9.000\""));
  CHECK(tally.Ok(0));
}

TEST_CASE("Fingerprint lines come in plan order whatever order results arrive in",
          "[tools][fingerprints]") {
  const t::SweepPlan plan = t::PlanSweep({.scenarios = {&sc::GetScenario("conflicting-writers")},
                                          .bugs = {"no-retry"},
                                          .seeds = {1, 5},
                                          .with_bugs = true});
  std::ostringstream a;
  std::ostringstream b;
  t::FingerprintFile fa(plan, a);
  t::FingerprintFile fb(plan, b);
  for (std::uint64_t k = 0; k < 5; ++k) {
    fa.Add(plan.Item(0, k), k == 2 ? "" : "fp" + std::to_string(k));
    fb.Add(plan.Item(0, 4 - k), 4 - k == 2 ? "" : "fp" + std::to_string(4 - k));
    fb.Add(plan.Item(1, 0), "hunt");  // hunts are left out
  }
  CHECK(a.str() ==
        "conflicting-writers no-retry 1 fp0\n"
        "conflicting-writers no-retry 2 fp1\n"
        "conflicting-writers no-retry 3 crashed\n"
        "conflicting-writers no-retry 4 fp3\n"
        "conflicting-writers no-retry 5 fp4\n");
  CHECK(b.str() == a.str());
}
