// sim/src/real_time_budget.cc
//
// determinism-ok: this file reads real time to end a run that takes too long; what it returns
// never feeds a run's schedule, trace or fingerprint unless the run is failing for that reason.
#include "real_time_budget.h"

namespace bubble::sim::detail {

RealTimeBudget::RealTimeBudget(std::chrono::milliseconds budget)
    : budget_(budget), start_(std::chrono::steady_clock::now()) {}  // determinism-ok: see above

RealTimeBudget::State RealTimeBudget::Check() const {
  const auto elapsed = std::chrono::steady_clock::now() - start_;  // determinism-ok: see above
  if (elapsed >= budget_) {
    return State::kSpent;
  }
  return elapsed >= budget_ / 2 ? State::kHalfSpent : State::kFresh;
}

}  // namespace bubble::sim::detail
