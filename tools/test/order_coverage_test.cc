// tools/test/order_coverage_test.cc: `sweep --coverage` (order_coverage.h, ordered_results.h).
#include "order_coverage.h"

#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ordered_results.h"
#include "site_table.h"

namespace t = bubble::cli;
namespace sc = bubble::scenarios;
namespace sim = bubble::sim;

namespace {

t::SweepPlan Plan(std::uint64_t last_seed, bool coverage = true) {
  return t::PlanSweep(t::SweepSpec{.scenarios = {&sc::GetScenario("conflicting-writers")},
                                   .seeds = {1, last_seed},
                                   .coverage = coverage});
}

sim::OrderFact Fact(std::string_view first, std::string_view second) {
  return {t::Sites().Intern(first), t::Sites().Intern(second)};
}

}  // namespace

TEST_CASE("OrderedResults hands results on in seed order and drops a stopped group's later ones",
          "[tools][coverage]") {
  const t::SweepPlan plan = Plan(6);
  std::vector<std::uint64_t> seen;
  std::optional<t::OrderedResults> ordered;
  ordered.emplace(plan, [&](const t::SweepItem& item, t::ItemResult&&) {
    seen.push_back(item.seed);
    if (item.seed == 4) {
      ordered->Stop(item.group);
    }
  });
  for (const std::uint64_t index : {2, 1, 0, 5, 3, 4}) {
    ordered->Add(plan.Item(0, index), t::ItemResult{.state = t::ItemState::kPassed});
  }
  CHECK(seen == std::vector<std::uint64_t>{1, 2, 3, 4});
  CHECK(ordered->Stopped(0));
  CHECK_FALSE(ordered->HoldingTooMany());
}

TEST_CASE("OrderedResults: after an interrupt, what is held past a gap is handed on",
          "[tools][coverage]") {
  const t::SweepPlan plan = Plan(6);
  std::vector<std::uint64_t> seen;
  t::OrderedResults ordered(
      plan, [&](const t::SweepItem& item, t::ItemResult&&) { seen.push_back(item.seed); });
  for (const std::uint64_t index : {0, 4, 2}) {  // seeds 2 and 4 never finished
    ordered.Add(plan.Item(0, index), t::ItemResult{.state = t::ItemState::kPassed});
  }
  CHECK(seen == std::vector<std::uint64_t>{1});
  ordered.Flush();
  CHECK(seen == std::vector<std::uint64_t>{1, 3, 5});
}

TEST_CASE("OrderCoverage counts pairs, reversals and new pairs per 1000 seeds",
          "[tools][coverage]") {
  const t::SweepPlan plan = Plan(2500);
  t::OrderCoverage cov(plan, 0);
  const sim::OrderFact ab = Fact("cov-a update x", "cov-b get x");
  const sim::OrderFact ba = Fact("cov-b get x", "cov-a update x");
  const sim::OrderFact ac = Fact("cov-a update x", "cov-c update x");
  for (std::uint64_t i = 0; i < 2500; ++i) {
    std::vector<sim::OrderFact> facts{ab};
    if (i == 10) {
      facts.push_back(ba);
    }
    if (i == 1500) {
      facts.push_back(ac);
    }
    std::sort(facts.begin(), facts.end());
    CHECK_FALSE(cov.Add(plan.Item(0, i), facts));
  }
  const t::GroupCoverage g = cov.Group(0);
  CHECK(g.runs == 2500);
  CHECK(g.pairs.size() == 2);
  CHECK(g.Reversed() == 1);
  CHECK(g.OneOrder() == 1);
  REQUIRE(g.curve.size() == 3);
  CHECK(g.curve[0].new_pairs == 1);
  CHECK(g.curve[0].new_orders == 2);
  CHECK(g.curve[1].new_pairs == 1);
  CHECK(g.curve[1].first_seed == 1001);
  CHECK(g.curve[2].new_pairs == 0);
  CHECK(g.curve[2].last_seed == 2500);
  const auto one = g.OneOrderPairs();
  REQUIRE(one.size() == 1);
  CHECK(one[0]->a == "cov-a update x");
  CHECK(one[0]->b == "cov-c update x");
  CHECK(one[0]->a_first->seeds == 1);
  CHECK(one[0]->a_first->first_seed == 1501);
  const std::string text = t::CoverageText(plan, cov, 0);
  CHECK_THAT(text, Catch::Matchers::Contains("2 pairs, 1 seen in both orders, 1 in one order"));
  CHECK_THAT(text, Catch::Matchers::Contains("cov-a update x -> cov-c update x  (1 runs)"));
}

TEST_CASE("OrderCoverage: --until-saturated stops after N seeds in a row without a new order",
          "[tools][coverage]") {
  const t::SweepPlan plan = Plan(100);
  t::OrderCoverage cov(plan, 5);
  const sim::OrderFact ab = Fact("cov-a update x", "cov-b get x");
  const sim::OrderFact ba = Fact("cov-b get x", "cov-a update x");
  std::uint64_t stopped_at = 0;
  for (std::uint64_t i = 0; i < 100 && stopped_at == 0; ++i) {
    // New orders at seeds 1 and 4; seeds 5..9 bring nothing new.
    const std::vector<sim::OrderFact> facts = i == 3 ? std::vector{ba} : std::vector{ab};
    if (cov.Add(plan.Item(0, i), facts)) {
      stopped_at = plan.Item(0, i).seed;
    }
  }
  CHECK(stopped_at == 9);
  CHECK(cov.Saturated(0));
  CHECK(cov.Group(0).saturated_at == 9);
  std::ostringstream json;
  t::WriteCoverageJson(json, plan, cov, 5);
  const nlohmann::json j = nlohmann::json::parse(json.str());
  CHECK(j.at("variants").at(0).at("saturated_at_seed") == 9);
  CHECK(j.at("variants").at(0).at("reversed") == 1);
  CHECK(j.at("variants").at(0).at("runs") == 9);
}

TEST_CASE("RunItem with coverage: conflicting-writers shows its writers' race in both orders",
          "[tools][coverage]") {
  const t::SweepPlan plan = Plan(40);
  t::OrderCoverage cov(plan, 0);
  for (std::uint64_t i = 0; i < plan.runs; ++i) {
    const t::SweepItem item = plan.Item(0, i);
    const t::ItemResult r = t::RunItem(plan, item);
    REQUIRE(r.state == t::ItemState::kPassed);
    cov.Add(item, r.orders);
  }
  const t::GroupCoverage g = cov.Group(0);
  bool writers_reversed = false;
  for (const t::CoveragePair& p : g.pairs) {
    writers_reversed |=
        p.a == "writer-0 update configmaps" && p.b == "writer-1 update configmaps" && p.Reversed();
  }
  CHECK(writers_reversed);
  // Without --coverage a run records nothing.
  const t::SweepPlan off = Plan(1, false);
  CHECK(t::RunItem(off, off.Item(0, 0)).orders.empty());
}
