// tools/src/sweep_tally.h
//
// What a sweep keeps of its results, bounded whatever the number of runs: per scenario variant
// the counts and time, the first kJUnitListedRuns runs (by seed) for JUnit, the reports of its
// first kJUnitFullReports failures; across the sweep the first failing seeds and the slowest runs.
// Results arrive in any order (--jobs); every choice here depends on the seeds only, so what is
// kept is the same for any --jobs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "junit.h"
#include "sweep.h"

namespace bubble::cli {

// JUnit lists the first kJUnitListedRuns runs of each scenario variant one by one (5000: CI's
// 1..5000 sweep is listed whole; a 50k-seed sweep's file stays a few MB) and sums up the rest in
// one test case; it carries the report of the first kJUnitFullReports failures of each variant
// (each report at most kMaxReportBytes), the others have their message and replay command.
inline constexpr std::uint64_t kJUnitListedRuns = 5000;
inline constexpr std::size_t kJUnitFullReports = 50;
// Printed at the end of a sweep.
inline constexpr std::size_t kFirstFailuresShown = 5;
inline constexpr std::size_t kSlowestShown = 5;

struct TalliedRun {
  SweepItem item;
  double seconds = 0;
  bool failed = false;
  std::string message;
  std::string report;  // empty unless among the variant's first kJUnitFullReports failures
};

struct GroupTally {
  std::uint64_t passed = 0;
  std::uint64_t failed = 0;
  double seconds = 0;
  std::optional<std::uint64_t> found_at{};     // the lowest failing seed
  std::map<std::uint64_t, TalliedRun> listed;  // by index, index < kJUnitListedRuns
  std::set<std::uint64_t> reports;             // indexes of listed runs that keep their report
  std::optional<TalliedRun> first_unlisted_failure{};
};

class SweepTally {
 public:
  explicit SweepTally(const SweepPlan& plan) : plan_(plan), groups_(plan.groups.size()) {}

  void Add(const SweepItem& item, ItemResult&& r);

  const GroupTally& Group(std::size_t g) const { return groups_[g]; }

  // Whether the variant passed: every seed passed; for a hunt, the bug was found.
  bool Ok(std::size_t g) const;
  // The first failing runs of the normal variants, in plan order.
  std::vector<TalliedRun> FirstFailures() const;
  // The slowest runs, slowest first (informational: wall time never decides a result).
  std::vector<TalliedRun> Slowest() const;

 private:
  const SweepPlan& plan_;
  std::vector<GroupTally> groups_;
  std::map<std::pair<std::size_t, std::uint64_t>, TalliedRun> first_failures_;
  std::vector<TalliedRun> slowest_;  // at most kSlowestShown, slowest first
};

// "random", "pct d=2".
std::string StrategyLabel(const SweepItem& item);

// The JUnit suites of a sweep. `incomplete`: why the sweep stopped early ("interrupted by SIGTERM
// after 37 of 1000 runs"), or empty.
std::vector<JUnitSuite> SweepJUnit(const SweepPlan& plan, const SweepTally& tally,
                                   const std::string& incomplete);

}  // namespace bubble::cli
