// tools/src/order_coverage.h
//
// `bubble sweep --coverage`: which orders of conflicting operations a sweep explored
// (sim/access_log.h says what a run records). Per scenario variant, from the runs' order facts
// taken in seed order (OrderedResults):
//
//   pair        two sites that accessed one object in conflict, in either order
//   reversed    a pair seen in both orders (the sweep explored the race both ways)
//   one order   a pair only ever seen one way: a race the sweep never reversed
//   curve       new pairs and new orders per 1000 seeds (flat: more seeds of the same strategy
//               explore little more)
//   saturated   with --until-saturated N: the seed after which N seeds in a row brought no new
//               order; the variant stops there
//
// Everything here depends on the seeds only, never on arrival order or site numbers: the report
// and the JSON file are the same for any --jobs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "junit.h"
#include "sweep.h"

namespace bubble::cli {

// Seeds per point of the curve.
inline constexpr std::uint64_t kCoverageCurveSeeds = 1000;
// Pairs never reversed printed per variant (the JSON file has them all).
inline constexpr std::size_t kOneOrderShown = 10;

struct CoverageOrder {
  std::uint64_t seeds = 0;       // runs that saw it
  std::uint64_t first_seed = 0;  // the first run (in seed order) that saw it
};

// One pair, its sites in name order: `a` < `b`.
struct CoveragePair {
  std::string a;
  std::string b;
  std::optional<CoverageOrder> a_first;  // a ran before b
  std::optional<CoverageOrder> b_first;

  bool Reversed() const { return a_first.has_value() && b_first.has_value(); }
};

struct CoverageCurvePoint {
  std::uint64_t first_seed = 0;
  std::uint64_t last_seed = 0;
  std::uint64_t new_pairs = 0;
  std::uint64_t new_orders = 0;
};

struct GroupCoverage {
  std::uint64_t runs = 0;
  std::optional<std::uint64_t> saturated_at{};  // the seed
  std::vector<CoveragePair> pairs;              // by (a, b)
  std::vector<CoverageCurvePoint> curve;

  std::uint64_t Reversed() const;

  std::uint64_t OneOrder() const { return pairs.size() - Reversed(); }

  // The pairs seen in one order only, most seen first (then by name).
  std::vector<const CoveragePair*> OneOrderPairs() const;
};

class OrderCoverage {
 public:
  // until_saturated: 0, or N (a variant stops after N seeds in a row without a new order).
  OrderCoverage(const SweepPlan& plan, std::uint64_t until_saturated);

  // The next result of a normal group, in seed order. True: the group is saturated now.
  bool Add(const SweepItem& item, const std::vector<sim::OrderFact>& orders);

  bool Saturated(std::size_t group) const { return groups_[group].saturated_at.has_value(); }

  // What the sweep saw in group `g` (a normal group).
  GroupCoverage Group(std::size_t g) const;

 private:
  struct Seen {
    std::uint64_t seeds = 0;
    std::uint64_t first_seed = 0;
  };

  struct State {
    std::uint64_t runs = 0;
    std::uint64_t since_new = 0;  // runs in a row without a new order
    std::optional<std::uint64_t> saturated_at{};
    // Keyed by site numbers (Sites()): looked up here, sorted by name when reported.
    std::map<sim::OrderFact, Seen> orders;
    std::set<std::pair<std::uint32_t, std::uint32_t>> pairs;  // (lower, higher) site number
    std::vector<CoverageCurvePoint> curve;
  };

  const SweepPlan& plan_;
  std::uint64_t until_saturated_;
  std::vector<State> groups_;
};

// The text printed after a sweep (stdout).
std::string CoverageText(const SweepPlan& plan, const OrderCoverage& coverage,
                         std::uint64_t until_saturated);
// The JSON file of --coverage-json (one object; keys and arrays in a fixed order).
void WriteCoverageJson(std::ostream& out, const SweepPlan& plan, const OrderCoverage& coverage,
                       std::uint64_t until_saturated);
// JUnit properties of group `g`: bubble.coverage.pairs, .reversed, .one_order.
std::vector<std::pair<std::string, std::string>> CoverageProperties(const OrderCoverage& coverage,
                                                                    std::size_t g);

}  // namespace bubble::cli
