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
// k % N (a hunt is never split, so "not found" means what it says). A group's seeds are
// arithmetic (ShardSeeds), never a list: memory does not grow with the range, and a sweep over
// 1..2^64-1 starts at once.
//
// Executor. Items are cut into batches (consecutive seeds of one group); each batch runs in a
// forked worker that sends its results to a pipe in bunches (result_wire.h: binary records, one
// write per 32 KiB or 50 ms), and the parent hands each result to a callback as it arrives
// (nothing is kept per item). If a worker dies before finishing its batch, the items it did not
// report run again in a worker that sends each result at once; when that one dies too, the
// first unfinished item is re-run alone in a fresh worker: dying alone, it is reported failed
// with the signal (or exit status); the rest of the batch is queued again.
// A worker dies with the sweep (PR_SET_PDEATHSIG), and on SIGINT/SIGTERM (InterruptWatch) the
// executor kills and reaps its workers and returns what it has.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/run.h>
#include <bubble/sim/access_log.h>

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
  std::optional<std::chrono::milliseconds> real_time_budget{};  // --real-time-budget
  bool coverage = false;  // --coverage: runs of the normal groups record order facts
  std::optional<sim::PreemptSet> preempt{};    // --preempt
  std::optional<std::uint64_t> pct_horizon{};  // --pct-horizon
  // --check-convergence: passing runs of the normal groups of convergent scenarios
  // (Scenario::convergent) report their final state's hash (scenarios/convergence.h).
  bool check_convergence = false;
};

struct SweepGroup {
  const scenarios::Scenario* scenario = nullptr;
  std::vector<std::string> bugs;
  std::vector<std::pair<std::string, std::string>> set;
  std::optional<std::string> hunt{};  // the bug this group hunts
  std::uint64_t budget = 0;           // for a hunt
  // The group resolved once (options, bugs, limits, program); items fill in seed and strategy.
  scenarios::ResolvedRun base{};
  // The group's seeds: the range in this shard, or a hunt's 1..budget.
  ShardSeeds seeds{};
  // --check-convergence on a convergent scenario's normal group: its runs report state hashes.
  bool check_convergence = false;

  // "conflicting-writers", "conflicting-writers --bug no-retry".
  std::string Label() const;
};

struct SweepItem {
  std::size_t group = 0;
  std::uint64_t index = 0;  // the item's position in its group's seeds
  std::uint64_t seed = 0;
  sim::StrategyKind strategy = sim::StrategyKind::kRandom;
  int pct_depth = 3;
  bool check_determinism = false;
};

struct SweepPlan {
  std::vector<SweepGroup> groups;  // normal groups first, then hunts
  std::optional<sim::StrategyKind> strategy{};
  int pct_depth = 3;
  int check_determinism_percent = 0;
  bool coverage = false;
  bool check_convergence = false;
  std::uint64_t runs = 0;  // items in all groups (PlanSweep refuses more than 2^64-1)

  // Item `index` of group `group` (index < groups[group].seeds.count).
  SweepItem Item(std::size_t group, std::uint64_t index) const;
};

// Validates (ConfigError) and plans.
SweepPlan PlanSweep(const SweepSpec& spec);

// The run of one item.
scenarios::ResolvedRun RunFor(const SweepPlan& plan, const SweepItem& item);
// "PROGRAM run ..." for one item.
std::string RunCommandFor(const SweepPlan& plan, const SweepItem& item);

enum class ItemState { kPending, kPassed, kFailed, kSkipped };

// What a worker sends back per item is bounded: a message over kMaxMessageBytes or a report over
// kMaxReportBytes is cut, with a note (a 100k-fiber deadlock report is megabytes; thousands of
// them filled JUnit files of 80 MB).
inline constexpr std::size_t kMaxMessageBytes = 1000;
inline constexpr std::size_t kMaxReportBytes = 16 * 1024;

struct ItemResult {
  ItemState state = ItemState::kPending;
  std::string fingerprint{};  // 16 hex digits, or empty (crashed)
  std::string message{};      // one line, for failures
  std::string report{};       // the failure report
  double seconds = 0;         // wall time of the run (for JUnit's time attribute), 0 if unknown
  // With SweepPlan::coverage: the run's order facts over Sites() (site_table.h), sorted.
  std::vector<sim::OrderFact> orders{};
  // With SweepPlan::check_convergence, a passing run of a normal group: the hash of its
  // normalised final server state (16 hex digits).
  std::string state_hash{};
};

// "invariant failed: ..." for a failed run: the kind, then the message, without repeating a kind
// the message already starts with ("exception: boom", not "exception: exception: boom").
std::string FailureLine(std::string_view kind, std::string_view message);

// Runs one item; the executor calls it inside worker processes.
using ItemRunner = std::function<ItemResult(const SweepPlan&, const SweepItem&)>;

// The scenario run (with the determinism rerun when the item asks for it).
ItemResult RunItem(const SweepPlan& plan, const SweepItem& item);

class InterruptWatch;

struct ExecuteOptions {
  int jobs = 1;
  std::uint64_t batch_size = 0;  // 0: chosen from the run count and jobs
  // Called in the parent for every finished item, in the order results arrive.
  std::function<void(const SweepItem&, ItemResult&&)> on_result{};
  // Called in the parent after every finished item.
  std::function<void(std::uint64_t done, std::uint64_t failed)> progress{};
  // Asked before a new batch starts (re-runs after a crash always start); false: wait for a
  // running worker to finish first. Bounds what a caller that orders results must hold.
  std::function<bool()> may_start{};
  // Asked before a batch of a group starts: true, the group is done (--until-saturated) and its
  // remaining items never run.
  std::function<bool(std::size_t group)> skip_group{};
  // When set and a signal arrives: kill and reap the workers and return.
  const InterruptWatch* interrupt = nullptr;
};

struct ExecuteSummary {
  std::uint64_t done = 0;
  std::uint64_t failed = 0;
  // The signal that stopped the sweep (its workers killed and reaped), or 0: every item ran (or
  // was skipped by a found hunt).
  int interrupted_by = 0;
};

// Runs every item of `plan` (hunts stop at their first failure: their later items never run).
ExecuteSummary ExecuteSweep(const SweepPlan& plan, const ItemRunner& runner,
                            const ExecuteOptions& options);

}  // namespace bubble::cli
