// sim/src/failure_report.cc
//
// The report of a failed run (RunResult::report): what failed, where and when, the blocked
// fibers with what they wait for, what kept virtual time moving when the run hit a time bound,
// the last trace records, and the replay command.
#include <algorithm>

#include <fmt/format.h>

#include "scheduler.h"

namespace bubble::sim::detail {

namespace {

// Entries of each kind a movement report lists.
constexpr std::size_t kMovementTop = 5;

// Blocked fibers a report lists (RunResult::failure->blocked has them all): a deadlock of 100k
// fibers would otherwise print megabytes.
constexpr std::size_t kReportBlockedMax = 100;

// Bytes of a failure's message a report shows (an exception's what() may be a whole document).
constexpr std::size_t kReportMessageMax = 4096;
// Bytes of one trace record a report shows.
constexpr std::size_t kReportLineMax = 512;

}  // namespace

std::string Scheduler::DescribeMovement() const {
  if (!profile_.active || (profile_.timer_fires.empty() && profile_.fiber_runs.empty())) {
    return {};
  }
  std::string out = fmt::format("what kept virtual time moving (since +{}):\n",
                                FormatDuration(profile_.since - Clock::Epoch()));
  std::vector<std::pair<std::uint64_t, std::string>> rows;
  for (const auto& [name, fires] : profile_.timer_fires) {
    rows.emplace_back(fires, fmt::format("timer '{}' fired {} times", name, fires));
  }
  auto by_count = [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  std::sort(rows.begin(), rows.end(), by_count);
  for (std::size_t i = 0; i < rows.size() && i < kMovementTop; ++i) {
    out += "  " + rows[i].second + "\n";
  }
  rows.clear();
  for (const auto& [id, entry] : profile_.fiber_runs) {
    rows.emplace_back(entry.second,
                      fmt::format("fiber {} \"{}\" ran {} times", id, entry.first, entry.second));
  }
  std::sort(rows.begin(), rows.end(), by_count);
  for (std::size_t i = 0; i < rows.size() && i < kMovementTop; ++i) {
    out += "  " + rows[i].second + "\n";
  }
  return out;
}

std::vector<BlockedFiber> Scheduler::BlockedFibers() const {
  std::vector<BlockedFiber> out;
  for (const FiberRecord* rec : live_) {
    if (rec->state != FiberRecord::State::kBlocked) {
      continue;
    }
    std::string what(rec->block.what);
    if (!rec->block.object.empty()) {
      what += fmt::format(" '{}'", rec->block.object);
    }
    out.push_back({rec->id, rec->name, std::move(what), rec->block.holder, rec->blocked_since});
  }
  std::sort(out.begin(), out.end(),
            [](const BlockedFiber& a, const BlockedFiber& b) { return a.id < b.id; });
  return out;
}

std::string Scheduler::BuildReport() const {
  const Failure& f = *failure_;
  std::string out = fmt::format("bubble: run failed: {}\n", FailureKindName(f.kind));
  if (f.message.size() > kReportMessageMax) {
    out += fmt::format("  what:     {}... ({} more bytes cut from the report)\n",
                       std::string_view(f.message).substr(0, kReportMessageMax),
                       f.message.size() - kReportMessageMax);
  } else {
    out += fmt::format("  what:     {}\n", f.message);
  }
  out += fmt::format("  fiber:    {} \"{}\"\n", f.fiber, f.fiber_name);
  out += fmt::format("  time:     {} (+{})\n", FormatIsoTime(f.time),
                     FormatDuration(f.time - Clock::Epoch()));
  out +=
      fmt::format("  seed:     {}\n  strategy: {}", options_.seed, StrategyName(options_.strategy));
  if (options_.strategy == StrategyKind::kPct) {
    out += fmt::format(" (depth {})", options_.pct_depth);
  }
  out += fmt::format("\n  steps:    {}\n", steps_);
  if (!f.blocked.empty()) {
    out += "blocked fibers (wait-for):\n";
    for (std::size_t i = 0; i < f.blocked.size() && i < kReportBlockedMax; ++i) {
      const BlockedFiber& b = f.blocked[i];
      out += fmt::format("  fiber {} \"{}\" waits on {} since {}", b.id, b.name, b.waits_on,
                         FormatKlogTime(b.since).substr(5));
      if (b.holder != 0) {
        const FiberRecord* holder = FindLive(b.holder);
        out += fmt::format(" -> held by fiber {} \"{}\"", b.holder,
                           holder != nullptr ? holder->name : std::string("?"));
      }
      out += "\n";
    }
    if (f.blocked.size() > kReportBlockedMax) {
      out += fmt::format(
          "  ... and {} more blocked fibers (cut from the report; "
          "RunResult::failure->blocked lists them all)\n",
          f.blocked.size() - kReportBlockedMax);
    }
  }
  if (f.kind == FailureKind::kTimeLimit || f.kind == FailureKind::kTimerLoop ||
      f.kind == FailureKind::kRealTimeLimit) {
    out += DescribeMovement();
  }
  std::vector<TraceEvent> tail = trace_.Tail();
  if (!tail.empty()) {
    out += fmt::format("last {} trace events:\n", tail.size());
    for (const TraceEvent& e : tail) {
      const std::string line = FormatEvent(e, trace_.FiberNames());
      if (line.size() > kReportLineMax) {
        out += fmt::format("  {}... ({} more bytes cut)\n",
                           std::string_view(line).substr(0, kReportLineMax),
                           line.size() - kReportLineMax);
      } else {
        out += "  " + line + "\n";
      }
    }
  }
  if (!options_.replay_command.empty()) {
    out += fmt::format("replay: {}\n", options_.replay_command);
  }
  return out;
}

}  // namespace bubble::sim::detail
