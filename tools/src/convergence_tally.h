// tools/src/convergence_tally.h
//
// `bubble sweep --check-convergence`: per scenario variant, the hash of each passing seed's
// normalised final server state (ItemResult::state_hash), kept as one entry per distinct hash
// (its lowest seed), so memory does not grow with the seed range. Results arrive in any order
// (--jobs); the seeds reported depend on the seeds only. On a difference the two seeds are run
// again here, in the sweep's process, to diff their full states (scenarios/convergence.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sweep.h"

namespace bubble::cli {

class ConvergenceTally {
 public:
  explicit ConvergenceTally(const SweepPlan& plan)
      : plan_(plan), hashes_(plan.groups.size()), checked_(plan.groups.size(), 0) {}

  // Takes the item's state hash (nothing for a run without one: failed, or not checked).
  void Add(const SweepItem& item, const std::string& state_hash);

  // The two seeds to compare when group `g` ended in more than one state: the lowest seed, and
  // the lowest seed whose state differs from it.
  struct Divergence {
    SweepItem a;
    SweepItem b;
    std::size_t distinct = 0;  // distinct final states
  };

  std::optional<Divergence> DivergenceOf(std::size_t g) const;

  // Whether group `g` passed the check (one final state, or not checked).
  bool Ok(std::size_t g) const { return !DivergenceOf(g).has_value(); }

  // "convergence:" lines for every checked group; for a divergent one the diff of the two seeds'
  // states with their replay commands (the two runs are repeated here).
  std::string Text() const;

 private:
  const SweepPlan& plan_;
  std::vector<std::map<std::string, SweepItem>> hashes_;  // per group: hash -> lowest seed
  std::vector<std::uint64_t> checked_;
};

}  // namespace bubble::cli
