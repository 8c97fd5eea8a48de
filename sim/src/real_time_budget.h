// sim/src/real_time_budget.h
//
// The real time a run may take (Options::real_time_budget). Real time decides nothing in a run:
// the scheduler only asks, every few thousand steps, whether the budget is half spent (start
// counting what keeps virtual time moving, for the report) or spent (end the run). A run that
// passes never learns the time, so its fingerprint is the same on any machine.
#pragma once

#include <chrono>

namespace bubble::sim::detail {

class RealTimeBudget {
 public:
  enum class State { kFresh, kHalfSpent, kSpent };

  explicit RealTimeBudget(std::chrono::milliseconds budget);

  State Check() const;

  std::chrono::milliseconds Budget() const noexcept { return budget_; }

 private:
  std::chrono::milliseconds budget_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace bubble::sim::detail
