// tools/src/sweep.h
//
// `bubble sweep`: the plan (which scenario variants, seeds and strategies run in this shard) and
// the executor (J worker processes; a seed that crashes its worker is re-run alone and reported
// with its signal, and the sweep goes on).
//
// Plan. A group is one scenario variant: the correct variant (or the bugs given with --bug), or,
// with --with-bugs, a hunt for one planted bug. Seeds of a normal group come from the range, and
// seed s belongs to shard s % N. A hunt runs seeds 1..budget under the default portfolio, stops
// at the first failing seed (the bug is found) and fails when none fails; hunt k belongs to shard
// k % N (a hunt is never split, so "not found" means what it says).
//
// Executor. Items are cut into batches; each batch runs in a forked worker that writes one JSON
// line per finished item to a pipe. If a worker dies before finishing its batch, the first
// unfinished item is re-run alone in a fresh worker: dying alone, it is reported failed with the
// signal (or exit status); the rest of the batch is queued again.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/run.h>

#include "seed_range.h"

namespace bubble::cli {

struct SweepSpec {
  std::vector<const scenarios::Scenario*> scenarios;
  std::vector<std::string> bugs{};  // planted in every normal group
  std::vector<std::pair<std::string, std::string>> set{};
  SeedRange seeds{1, 100};
  std::optional<sim::StrategyKind> strategy{};  // nullopt: the portfolio
  int pct_depth = 3;                            // with a fixed --strategy pct
  Shard shard{};
  int check_determinism_percent = 0;
  bool with_bugs = false;                     // add a hunt per planted bug of every scenario
  std::string program = "bubble";             // named by printed commands
  std::optional<std::uint64_t> step_limit{};  // --step-limit (else each scenario's)
  std::optional<sim::Duration> time_limit{};  // --time-limit
};

struct SweepGroup {
  const scenarios::Scenario* scenario = nullptr;
  std::vector<std::string> bugs;
  std::vector<std::pair<std::string, std::string>> set;
  std::optional<std::string> hunt{};  // the bug this group hunts
  std::uint64_t budget = 0;           // for a hunt
  // The group resolved once (options, bugs, limits, program); items fill in seed and strategy.
  scenarios::ResolvedRun base{};

  // "conflicting-writers", "conflicting-writers --bug no-retry".
  std::string Label() const;
};

struct SweepItem {
  std::size_t group = 0;
  std::uint64_t seed = 0;
  sim::StrategyKind strategy = sim::StrategyKind::kRandom;
  int pct_depth = 3;
  bool check_determinism = false;
};

struct SweepPlan {
  std::vector<SweepGroup> groups;
  std::vector<SweepItem> items;  // grouped, seeds ascending within a group
};

// Validates (ConfigError) and plans.
SweepPlan PlanSweep(const SweepSpec& spec);

// The run of one item.
scenarios::ResolvedRun RunFor(const SweepPlan& plan, const SweepItem& item);
// "PROGRAM run ..." for one item.
std::string RunCommandFor(const SweepPlan& plan, const SweepItem& item);

enum class ItemState { kPending, kPassed, kFailed, kSkipped };

struct ItemResult {
  ItemState state = ItemState::kPending;
  std::string fingerprint;  // 16 hex digits, or empty (crashed)
  std::string message;      // one line, for failures
  std::string report;       // the failure report
  double seconds = 0;       // wall time of the run (for JUnit's time attribute), 0 if unknown
};

// Runs one item; the executor calls it inside worker processes.
using ItemRunner = std::function<ItemResult(const SweepPlan&, const SweepItem&)>;

// The scenario run (with the determinism rerun when the item asks for it).
ItemResult RunItem(const SweepPlan& plan, const SweepItem& item);

struct ExecuteOptions {
  int jobs = 1;
  std::size_t batch_size = 0;  // 0: chosen from the item count and jobs
  // Called in the parent after every finished item.
  std::function<void(std::size_t done, std::size_t failed)> progress{};
};

// Runs every item of `plan` (hunts stop at their first failure: the rest are kSkipped).
std::vector<ItemResult> ExecuteSweep(const SweepPlan& plan, const ItemRunner& runner,
                                     const ExecuteOptions& options);

// The outcome of a group: for a normal group, whether every seed passed; for a hunt, the seed
// that found the bug, if any.
struct GroupOutcome {
  std::size_t passed = 0;
  std::size_t failed = 0;
  std::optional<std::uint64_t> found_at{};
  bool ok = true;
};

std::vector<GroupOutcome> Summarize(const SweepPlan& plan, const std::vector<ItemResult>& results);

}  // namespace bubble::cli
