// tools/src/hunt.h
//
// `bubble hunt`: how fast each strategy finds a planted bug. For every planted bug asked for and
// strategy (fifo — which explores nothing, so a bug it finds needs no interleaving — random, PCT
// at each of the portfolio's depths, and the portfolio itself), it runs W disjoint windows of seeds
// (window w: seeds w*S+1 .. (w+1)*S) and notes in each the number of seeds up to the first failing
// one ("seeds to find"). It prints the median and the worst over the windows, and whether seed 1
// fails under every strategy (then the bug is found by the scenario's inputs, not by exploring
// schedules). scripts/bug-table renders the table of docs/benchmarks.md from it.
//
// Runs are independent bubbles on `jobs` threads; the output is a pure function of the build and
// the arguments (each cell is computed on its own, the table is written once all are done).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/run.h>

namespace bubble::cli {

struct HuntSpec {
  // (scenario, bug) pairs to hunt.
  std::vector<std::pair<const scenarios::Scenario*, std::string>> bugs;
  std::uint64_t windows = 10;
  std::uint64_t window_size = 100;
  int jobs = 1;
  bool markdown = false;
  // PCT depths measured on their own; empty: the depths the portfolio uses.
  std::vector<int> pct_depths{};
  // Applied to every run (limits, preemption points, horizon).
  scenarios::RunConfig base{};
};

// One strategy the hunt measures: a fixed strategy and depth, or the portfolio.
struct HuntStrategy {
  std::string name;  // "random", "pct d=3", "portfolio"
  bool portfolio = false;
  sim::StrategyKind strategy = sim::StrategyKind::kRandom;
  int pct_depth = 3;
};

// fifo, random, pct at each of `depths` (empty: the depths the portfolio uses), ascending, and
// the portfolio.
std::vector<HuntStrategy> HuntStrategies(const std::vector<int>& depths = {});

// Runs the hunt and prints its table on stdout. Returns 0 when every bug was found in every
// window by the portfolio, 1 otherwise.
int Hunt(const HuntSpec& spec);

}  // namespace bubble::cli
