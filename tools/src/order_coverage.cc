// tools/src/order_coverage.cc
#include "order_coverage.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "site_table.h"

namespace bubble::cli {

std::uint64_t GroupCoverage::Reversed() const {
  return static_cast<std::uint64_t>(std::count_if(
      pairs.begin(), pairs.end(), [](const CoveragePair& p) { return p.Reversed(); }));
}

std::vector<const CoveragePair*> GroupCoverage::OneOrderPairs() const {
  std::vector<const CoveragePair*> out;
  for (const CoveragePair& p : pairs) {
    if (!p.Reversed()) {
      out.push_back(&p);
    }
  }
  auto seeds = [](const CoveragePair* p) { return (p->a_first ? p->a_first : p->b_first)->seeds; };
  std::stable_sort(out.begin(), out.end(), [&](const CoveragePair* x, const CoveragePair* y) {
    return seeds(x) > seeds(y);  // stable: equal counts stay in name order
  });
  return out;
}

OrderCoverage::OrderCoverage(const SweepPlan& plan, std::uint64_t until_saturated)
    : plan_(plan), until_saturated_(until_saturated), groups_(plan.groups.size()) {}

bool OrderCoverage::Add(const SweepItem& item, const std::vector<sim::OrderFact>& orders) {
  State& g = groups_[item.group];
  if (g.saturated_at) {
    return true;
  }
  const std::uint64_t point = item.index / kCoverageCurveSeeds;
  if (g.curve.size() <= point) {
    const ShardSeeds& seeds = plan_.groups[item.group].seeds;
    const std::uint64_t first = point * kCoverageCurveSeeds;
    const std::uint64_t last = std::min(first + kCoverageCurveSeeds, seeds.count) - 1;
    g.curve.push_back({.first_seed = seeds.At(first), .last_seed = seeds.At(last)});
  }
  CoverageCurvePoint& c = g.curve.back();
  bool any_new = false;
  for (const sim::OrderFact& f : orders) {
    auto [it, inserted] = g.orders.try_emplace(f, Seen{.seeds = 0, .first_seed = item.seed});
    ++it->second.seeds;
    if (inserted) {
      any_new = true;
      ++c.new_orders;
      if (g.pairs.emplace(std::min(f.first, f.second), std::max(f.first, f.second)).second) {
        ++c.new_pairs;
      }
    }
  }
  ++g.runs;
  g.since_new = any_new ? 0 : g.since_new + 1;
  if (until_saturated_ > 0 && g.since_new >= until_saturated_) {
    g.saturated_at = item.seed;
    return true;
  }
  return false;
}

GroupCoverage OrderCoverage::Group(std::size_t gi) const {
  const State& g = groups_[gi];
  GroupCoverage out{.runs = g.runs, .saturated_at = g.saturated_at, .pairs = {}, .curve = g.curve};
  std::map<std::pair<std::string, std::string>, CoveragePair> by_name;
  for (const auto& [fact, seen] : g.orders) {
    const std::string& first = Sites().Name(fact.first);
    const std::string& second = Sites().Name(fact.second);
    const bool in_order = first < second;
    CoveragePair& p =
        by_name[in_order ? std::make_pair(first, second) : std::make_pair(second, first)];
    p.a = in_order ? first : second;
    p.b = in_order ? second : first;
    (in_order ? p.a_first : p.b_first) =
        CoverageOrder{.seeds = seen.seeds, .first_seed = seen.first_seed};
  }
  for (auto& [key, pair] : by_name) {
    out.pairs.push_back(std::move(pair));
  }
  return out;
}

namespace {

// "first -> second" of a pair seen in one order.
std::pair<const std::string*, const std::string*> OneOrderSites(const CoveragePair& p) {
  return p.a_first ? std::make_pair(&p.a, &p.b) : std::make_pair(&p.b, &p.a);
}

const CoverageOrder& OneOrderSeen(const CoveragePair& p) {
  return p.a_first ? *p.a_first : *p.b_first;
}

}  // namespace

std::string CoverageText(const SweepPlan& plan, const OrderCoverage& coverage,
                         std::uint64_t until_saturated) {
  std::string out =
      "order coverage (pairs of operations by two fibers on one object, one of them a write):\n";
  for (std::size_t gi = 0; gi < plan.groups.size(); ++gi) {
    if (plan.groups[gi].hunt) {
      continue;
    }
    const GroupCoverage g = coverage.Group(gi);
    out += fmt::format("  {}: {} pairs, {} seen in both orders, {} in one order only ({} runs",
                       plan.groups[gi].Label(), g.pairs.size(), g.Reversed(), g.OneOrder(), g.runs);
    if (g.saturated_at) {
      out += fmt::format("; saturated: no new order in the {} seeds up to seed {}", until_saturated,
                         *g.saturated_at);
    } else if (until_saturated > 0) {
      out += fmt::format("; not saturated: a new order within the last {} seeds", until_saturated);
    }
    out += ")\n";
    if (g.pairs.empty()) {
      continue;
    }
    std::string curve;
    for (const CoverageCurvePoint& c : g.curve) {
      curve += fmt::format("{}{}", curve.empty() ? "" : ", ", c.new_pairs);
    }
    out += fmt::format("    new pairs per {} seeds: {}\n", kCoverageCurveSeeds, curve);
    const std::vector<const CoveragePair*> one = g.OneOrderPairs();
    if (one.empty()) {
      continue;
    }
    out += "    never reversed (first -> second; in how many runs):\n";
    for (std::size_t i = 0; i < one.size() && i < kOneOrderShown; ++i) {
      const auto [first, second] = OneOrderSites(*one[i]);
      out +=
          fmt::format("      {} -> {}  ({} runs)\n", *first, *second, OneOrderSeen(*one[i]).seeds);
    }
    if (one.size() > kOneOrderShown) {
      out += fmt::format("      ... and {} more (--coverage-json FILE lists them all)\n",
                         one.size() - kOneOrderShown);
    }
  }
  return out;
}

void WriteCoverageJson(std::ostream& out, const SweepPlan& plan, const OrderCoverage& coverage,
                       std::uint64_t until_saturated) {
  using nlohmann::ordered_json;
  ordered_json groups = ordered_json::array();
  for (std::size_t gi = 0; gi < plan.groups.size(); ++gi) {
    const SweepGroup& group = plan.groups[gi];
    if (group.hunt) {
      continue;
    }
    const GroupCoverage g = coverage.Group(gi);
    ordered_json curve = ordered_json::array();
    for (const CoverageCurvePoint& c : g.curve) {
      curve.push_back({{"first_seed", c.first_seed},
                       {"last_seed", c.last_seed},
                       {"new_pairs", c.new_pairs},
                       {"new_orders", c.new_orders}});
    }
    ordered_json one = ordered_json::array();
    for (const CoveragePair* p : g.OneOrderPairs()) {
      const auto [first, second] = OneOrderSites(*p);
      const CoverageOrder& seen = OneOrderSeen(*p);
      one.push_back({{"first", *first},
                     {"second", *second},
                     {"runs", seen.seeds},
                     {"first_seed", seen.first_seed}});
    }
    ordered_json both = ordered_json::array();
    for (const CoveragePair& p : g.pairs) {
      if (p.Reversed()) {
        both.push_back({{"a", p.a},
                        {"b", p.b},
                        {"a_first_runs", p.a_first->seeds},
                        {"b_first_runs", p.b_first->seeds},
                        {"a_first_seed", p.a_first->first_seed},
                        {"b_first_seed", p.b_first->first_seed}});
      }
    }
    ordered_json j = {{"variant", group.Label()},
                      {"scenario", group.scenario->name},
                      {"bugs", group.bugs},
                      {"runs", g.runs},
                      {"saturated_at_seed", nullptr},
                      {"pairs", g.pairs.size()},
                      {"reversed", g.Reversed()},
                      {"one_order", g.OneOrder()},
                      {"new_per_1000_seeds", std::move(curve)},
                      {"one_order_pairs", std::move(one)},
                      {"reversed_pairs", std::move(both)}};
    if (g.saturated_at) {
      j["saturated_at_seed"] = *g.saturated_at;
    }
    groups.push_back(std::move(j));
  }
  const ordered_json doc = {{"bubble_order_coverage", 1},
                            {"until_saturated", until_saturated},
                            {"variants", std::move(groups)}};
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

std::vector<std::pair<std::string, std::string>> CoverageProperties(const OrderCoverage& coverage,
                                                                    std::size_t g) {
  const GroupCoverage c = coverage.Group(g);
  return {{"bubble.coverage.pairs", std::to_string(c.pairs.size())},
          {"bubble.coverage.reversed", std::to_string(c.Reversed())},
          {"bubble.coverage.one_order", std::to_string(c.OneOrder())}};
}

}  // namespace bubble::cli
