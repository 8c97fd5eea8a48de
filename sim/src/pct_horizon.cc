// sim/src/pct_horizon.cc
#include "bubble/sim/pct_horizon.h"

#include <algorithm>
#include <utility>

namespace bubble::sim {

Options PctHorizonProbe(Options options) {
  options.seed = 1;
  options.strategy = StrategyKind::kFifo;
  options.custom_strategy = nullptr;
  options.replay.clear();
  options.trace = TraceMode::kFingerprint;  // records the decisions
  options.log_level = LogLevel::kOff;
  options.coverage = false;
  options.replay_command = "(measuring the pct horizon: a fifo run of seed 1)";
  return options;
}

std::uint64_t PctHorizonOf(const RunResult& probe) noexcept {
  return std::max<std::uint64_t>(probe.decisions.size(), 1);
}

}  // namespace bubble::sim
