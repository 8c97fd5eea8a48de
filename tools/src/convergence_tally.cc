// tools/src/convergence_tally.cc
#include "convergence_tally.h"

#include <fmt/format.h>

#include <bubble/scenarios/convergence.h>

namespace bubble::cli {

void ConvergenceTally::Add(const SweepItem& item, const std::string& state_hash) {
  if (state_hash.empty()) {
    return;
  }
  ++checked_[item.group];
  auto [it, inserted] = hashes_[item.group].try_emplace(state_hash, item);
  if (!inserted && item.seed < it->second.seed) {
    it->second = item;
  }
}

std::optional<ConvergenceTally::Divergence> ConvergenceTally::DivergenceOf(std::size_t g) const {
  const auto& hashes = hashes_[g];
  if (hashes.size() < 2) {
    return std::nullopt;
  }
  const SweepItem* lowest = nullptr;
  for (const auto& [hash, item] : hashes) {
    if (lowest == nullptr || item.seed < lowest->seed) {
      lowest = &item;
    }
  }
  const SweepItem* other = nullptr;
  for (const auto& [hash, item] : hashes) {
    if (&item != lowest && (other == nullptr || item.seed < other->seed)) {
      other = &item;
    }
  }
  return Divergence{.a = *lowest, .b = *other, .distinct = hashes.size()};
}

std::string ConvergenceTally::Text() const {
  std::string out;
  for (std::size_t g = 0; g < plan_.groups.size(); ++g) {
    const SweepGroup& group = plan_.groups[g];
    if (!group.check_convergence) {
      continue;
    }
    const std::optional<Divergence> d = DivergenceOf(g);
    if (!d) {
      out += fmt::format("convergence: {}: {} passing seed(s), one final state\n", group.Label(),
                         checked_[g]);
      continue;
    }
    out += fmt::format(
        "convergence: {}: NOT CONVERGENT: {} distinct final states in {} passing "
        "seeds\n",
        group.Label(), d->distinct, checked_[g]);
    const scenarios::ResolvedRun a_run = RunFor(plan_, d->a);
    const scenarios::ResolvedRun b_run = RunFor(plan_, d->b);
    const scenarios::FinalState a = scenarios::RunForFinalState(a_run);
    const scenarios::FinalState b = scenarios::RunForFinalState(b_run);
    out += scenarios::ConvergenceDiff(a_run, a, b_run, b);
  }
  return out;
}

}  // namespace bubble::cli
