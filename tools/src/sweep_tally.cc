// tools/src/sweep_tally.cc
#include "sweep_tally.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace bubble::cli {

namespace {

// Slowest first; equal times by plan order, so the choice never depends on arrival order.
bool Slower(const TalliedRun& a, const TalliedRun& b) {
  return std::make_tuple(-a.seconds, a.item.group, a.item.index) <
         std::make_tuple(-b.seconds, b.item.group, b.item.index);
}

}  // namespace

std::string StrategyLabel(const SweepItem& item) {
  return item.strategy == sim::StrategyKind::kPct ? fmt::format("pct d={}", item.pct_depth)
                                                  : std::string(sim::StrategyName(item.strategy));
}

void SweepTally::Add(const SweepItem& item, ItemResult&& r) {
  GroupTally& g = groups_[item.group];
  const bool failed = r.state == ItemState::kFailed;
  ++(failed ? g.failed : g.passed);
  g.seconds += r.seconds;
  if (failed && (!g.found_at || item.seed < *g.found_at)) {
    g.found_at = item.seed;
  }
  TalliedRun run{.item = item,
                 .seconds = r.seconds,
                 .failed = failed,
                 .message = failed ? std::move(r.message) : std::string(),
                 .report = {}};

  if (slowest_.size() < kSlowestShown || Slower(run, slowest_.back())) {
    TalliedRun slow = run;
    slowest_.insert(std::upper_bound(slowest_.begin(), slowest_.end(), slow, Slower),
                    std::move(slow));
    if (slowest_.size() > kSlowestShown) {
      slowest_.pop_back();
    }
  }
  if (plan_.groups[item.group].hunt) {
    return;  // a hunt is one JUnit case and never among the "first failing seeds"
  }
  if (failed) {
    first_failures_.emplace(std::make_pair(item.group, item.index), run);
    if (first_failures_.size() > kFirstFailuresShown) {
      first_failures_.erase(std::prev(first_failures_.end()));
    }
  }
  if (item.index >= kJUnitListedRuns) {
    if (failed &&
        (!g.first_unlisted_failure || item.index < g.first_unlisted_failure->item.index)) {
      g.first_unlisted_failure = std::move(run);
    }
    return;
  }
  if (failed && (g.reports.size() < kJUnitFullReports || item.index < *g.reports.rbegin())) {
    run.report = std::move(r.report);
    g.reports.insert(item.index);
    if (g.reports.size() > kJUnitFullReports) {
      const std::uint64_t last = *g.reports.rbegin();
      g.reports.erase(last);
      g.listed.at(last).report.clear();
      g.listed.at(last).report.shrink_to_fit();
    }
  }
  g.listed.emplace(item.index, std::move(run));
}

bool SweepTally::Ok(std::size_t g) const {
  return plan_.groups[g].hunt ? groups_[g].found_at.has_value() : groups_[g].failed == 0;
}

std::vector<TalliedRun> SweepTally::FirstFailures() const {
  std::vector<TalliedRun> out;
  for (const auto& [key, run] : first_failures_) {
    out.push_back(run);
  }
  return out;
}

std::vector<TalliedRun> SweepTally::Slowest() const {
  return slowest_;
}

std::vector<JUnitSuite> SweepJUnit(const SweepPlan& plan, const SweepTally& tally,
                                   const std::string& incomplete) {
  std::vector<JUnitSuite> suites;
  const std::vector<TalliedRun> slowest = tally.Slowest();
  for (std::size_t gi = 0; gi < plan.groups.size(); ++gi) {
    const SweepGroup& group = plan.groups[gi];
    const GroupTally& t = tally.Group(gi);
    JUnitSuite suite{
        .name = group.hunt ? group.scenario->name + " --bug " + *group.hunt : group.Label(),
        .cases = {}};
    if (!incomplete.empty()) {
      suite.properties.emplace_back("bubble.incomplete", incomplete);
      suite.system_err = fmt::format(
          "bubble: the sweep was {}: this file holds only the runs that finished before\n",
          incomplete);
    }
    const std::string classname = "bubble." + group.scenario->name;
    if (group.hunt) {
      JUnitCase c{
          .classname = classname,
          .name = fmt::format("finds planted bug {} within {} seeds", *group.hunt, group.budget),
          .time_seconds = t.seconds};
      if (!t.found_at) {
        c.failure_message =
            incomplete.empty() || t.passed + t.failed >= group.budget
                ? fmt::format("planted bug {} was not found within its budget of {} seeds",
                              *group.hunt, group.budget)
                : fmt::format(
                      "planted bug {} was not found in the {} of its {} seeds that ran "
                      "before the sweep was {}",
                      *group.hunt, t.passed + t.failed, group.budget, incomplete);
      }
      suite.cases.push_back(std::move(c));
      suites.push_back(std::move(suite));
      continue;
    }
    auto to_case = [&](const TalliedRun& run) {
      JUnitCase c{.classname = classname,
                  .name = fmt::format("seed {} ({})", run.item.seed, StrategyLabel(run.item)),
                  .time_seconds = run.seconds};
      if (run.failed) {
        c.failure_message = run.message;
        c.failure_text =
            (run.report.empty()
                 ? fmt::format("(report left out: JUnit keeps the reports of the first {} "
                               "failures of each scenario variant; rerun the seed for it)\n",
                               kJUnitFullReports)
                 : run.report) +
            "replay: " + RunCommandFor(plan, run.item);
      }
      return c;
    };
    std::uint64_t listed_failed = 0;
    double listed_seconds = 0;
    for (const auto& [index, run] : t.listed) {
      suite.cases.push_back(to_case(run));
      listed_failed += run.failed ? 1 : 0;
      listed_seconds += run.seconds;
    }
    // The sweep's slowest runs appear with their times even past the listed ones.
    std::uint64_t extra = 0;
    std::vector<const TalliedRun*> extras;
    for (const TalliedRun& run : slowest) {
      if (run.item.group == gi && run.item.index >= kJUnitListedRuns) {
        extras.push_back(&run);
      }
    }
    std::sort(extras.begin(), extras.end(), [](const TalliedRun* a, const TalliedRun* b) {
      return a->item.index < b->item.index;
    });
    for (const TalliedRun* run : extras) {
      suite.cases.push_back(to_case(*run));
      ++extra;
      listed_failed += run->failed ? 1 : 0;
      listed_seconds += run->seconds;
    }
    const std::uint64_t runs = t.passed + t.failed;
    const std::uint64_t unlisted = runs - t.listed.size() - extra;
    if (unlisted > 0) {
      const std::uint64_t unlisted_failed = t.failed - listed_failed;
      JUnitCase c{.classname = classname,
                  .name = fmt::format("{} more runs (seeds past the first {} of this variant, not "
                                      "listed one by one)",
                                      unlisted, kJUnitListedRuns),
                  .time_seconds = std::max(0.0, t.seconds - listed_seconds)};
      if (unlisted_failed > 0 && t.first_unlisted_failure) {
        const TalliedRun& first = *t.first_unlisted_failure;
        c.failure_message = fmt::format("{} of them failed; the first, seed {}: {}",
                                        unlisted_failed, first.item.seed, first.message);
        c.failure_text = "replay: " + RunCommandFor(plan, first.item);
      }
      suite.cases.push_back(std::move(c));
    }
    std::string cut;
    if (unlisted > 0) {
      cut += fmt::format(
          "bubble: JUnit lists the first {} runs of each scenario variant; {} more runs of this "
          "variant are summed up in one test case.\n",
          kJUnitListedRuns, unlisted);
    }
    if (t.failed > kJUnitFullReports) {
      cut += fmt::format(
          "bubble: the failure reports past the first {} failures are left out (each report is "
          "cut at {} bytes); rerun a seed with its replay command for its report.\n",
          kJUnitFullReports, kMaxReportBytes);
    }
    suite.system_out = std::move(cut);
    suites.push_back(std::move(suite));
  }
  return suites;
}

}  // namespace bubble::cli
