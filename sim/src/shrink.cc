// sim/src/shrink.cc: schedule shrinking (shrink.h).
#include "bubble/sim/shrink.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include <bubble/sim/duration_text.h>

namespace bubble::sim {

std::string FailureSignature(const Failure& failure) {
  const std::string_view message(failure.message);
  const std::string_view first = message.substr(0, message.find('\n'));
  std::string out(FailureKindName(failure.kind));
  out += ": ";
  bool in_digits = false;
  for (const char c : first) {
    const bool digit = std::isdigit(static_cast<unsigned char>(c)) != 0;
    if (digit && !in_digits) {
      out += '#';
    } else if (!digit) {
      out += c;
    }
    in_digits = digit;
  }
  return out;
}

bool SameFailure(const Failure& a, const Failure& b) {
  return a.kind == b.kind && FailureSignature(a) == FailureSignature(b);
}

namespace {

// The key a preemption is matched by: candidate 0 and how often it was candidate 0 before.
using PickKey = std::tuple<CandidateKind, std::uint64_t, std::uint64_t>;

// The lenient replay: follows the schedule where it can, the default order everywhere else.
class ScheduleStrategy final : public Strategy {
 public:
  ScheduleStrategy(Schedule schedule, std::vector<SchedulePick>* picks)
      : follow_(std::move(schedule.follow)), picks_(picks) {
    for (const Preemption& p : schedule.preemptions) {
      preemptions_.emplace(PickKey{p.first.kind, p.first.id, p.occurrence}, p.chosen);
    }
  }

  StrategyKind Kind() const noexcept override { return StrategyKind::kReplay; }

  std::optional<std::size_t> Pick(std::size_t, std::span<const Candidate> candidates) override {
    const std::size_t step = next_++;
    const Decision first{candidates.front().kind, candidates.front().id};
    const std::uint64_t occurrence = seen_[{first.kind, first.id}]++;
    std::optional<Decision> want;
    if (step < follow_.size()) {
      want = follow_[step];  // nothing: candidate 0
    } else if (const auto it = preemptions_.find({first.kind, first.id, occurrence});
               it != preemptions_.end()) {
      want = it->second;
    }
    std::size_t index = 0;
    for (std::size_t i = 0; want && i < candidates.size(); ++i) {
      if (candidates[i].kind == want->kind && candidates[i].id == want->id) {
        index = i;
        break;
      }
    }
    picks_->push_back({.index = index, .first = first, .occurrence = occurrence});
    return index;
  }

 private:
  std::vector<std::optional<Decision>> follow_;
  std::map<PickKey, Decision> preemptions_;
  std::map<std::pair<CandidateKind, std::uint64_t>, std::uint64_t> seen_;
  std::vector<SchedulePick>* picks_;
  std::size_t next_ = 0;
};

ScheduledRun RunSchedule(const Schedule& schedule, const Rerun& rerun) {
  ScheduledRun run;
  // The strategy writes into a vector the rerun cannot outlive: the bubble is gone when rerun
  // returns.
  auto picks = std::make_shared<std::vector<SchedulePick>>();
  run.result = rerun([schedule, picks]() -> std::unique_ptr<Strategy> {
    picks->clear();
    return MakeScheduleStrategy(schedule, picks.get());
  });
  run.picks = std::move(*picks);
  return run;
}

// Smaller first in preemptions, then decisions, then steps.
bool Smaller(const ScheduledRun& a, const ScheduledRun& b) {
  return std::make_tuple(a.Preemptions(), a.result.decisions.size(), a.result.steps) <
         std::make_tuple(b.Preemptions(), b.result.decisions.size(), b.result.steps);
}

// The search: the best run so far, and the budgets.
class Shrinker {
 public:
  Shrinker(const Rerun& rerun, const ShrinkOptions& options, ShrinkResult& result,
           std::chrono::steady_clock::time_point start)
      : rerun_(rerun), options_(options), result_(result), start_(start) {}

  // Whether the budgets allow another rerun (and, when not, says why once).
  bool MayContinue() {
    if (!result_.stopped_early.empty()) {
      return false;
    }
    if (result_.attempts >= options_.max_attempts) {
      result_.stopped_early = fmt::format(
          "stopped after {} attempts (the attempt budget): the schedule may shrink "
          "further",
          result_.attempts);
      return false;
    }
    // Real time bounds the search only; it decides nothing about a schedule.
    if (options_.time_budget.count() > 0 &&
        std::chrono::steady_clock::now() - start_ >=  // determinism-ok: ends the search only
            options_.time_budget) {
      result_.stopped_early = fmt::format(
          "stopped after {} attempts: the time budget of {} ran out; the schedule may shrink "
          "further",
          result_.attempts, FormatExactDuration(options_.time_budget));
      return false;
    }
    return true;
  }

  // Reruns `preemptions`; keeps the run when it fails the same way and is smaller.
  bool Try(std::vector<Preemption> preemptions) {
    return Try(Schedule{.follow = {}, .preemptions = std::move(preemptions)});
  }

  bool Try(const Schedule& schedule) {
    if (!MayContinue()) {
      return false;
    }
    ++result_.attempts;
    ScheduledRun run = RunSchedule(schedule, rerun_);
    const Failure& target = *result_.original.result.failure;
    if (run.result.Passed() || !SameFailure(*run.result.failure, target) ||
        run.picks.size() != run.result.decisions.size() || !Smaller(run, result_.shrunk)) {
      return false;
    }
    result_.shrunk = std::move(run);
    return true;
  }

  // Delta debugging over the preemptions of the best run: drop chunks of them (last chunk
  // first, so the first tried is the tail), halving the chunks when none can go.
  // Drops single preemptions while following every other decision of the best run by position
  // (a neighbour the keyed removal does not reach: what ran after the dropped one stays).
  bool DropFollowingTheRest() {
    bool any = false;
    for (std::size_t i = result_.shrunk.picks.size(); i-- > 0 && MayContinue();) {
      if (i >= result_.shrunk.picks.size() || result_.shrunk.picks[i].index == 0) {
        continue;
      }
      Schedule schedule;
      const std::vector<Decision>& d = result_.shrunk.result.decisions;
      schedule.follow.assign(d.begin(), d.end());
      schedule.follow[i].reset();
      any = Try(schedule) || any;
    }
    return any;
  }

  void Search() {
    RemovePreemptions();
    while (MayContinue() && result_.shrunk.Preemptions() > 0 && DropFollowingTheRest()) {
      RemovePreemptions();
    }
  }

  void RemovePreemptions() {
    if (Try(std::vector<Preemption>{})) {  // the default order alone
      return;
    }
    std::size_t chunks = 2;
    while (MayContinue()) {
      const std::vector<Preemption> current = result_.shrunk.AsPreemptions();
      const std::size_t k = current.size();
      if (k == 0) {
        return;
      }
      chunks = std::min(chunks, k);
      const std::size_t size = (k + chunks - 1) / chunks;
      bool removed = false;
      for (std::size_t c = chunks; c-- > 0 && !removed;) {
        const std::size_t begin = c * size;
        if (begin >= k) {
          continue;
        }
        std::vector<Preemption> fewer(current.begin(), current.begin() + begin);
        fewer.insert(fewer.end(), current.begin() + std::min(k, begin + size), current.end());
        removed = Try(std::move(fewer));
      }
      if (removed) {
        chunks = std::max<std::size_t>(chunks - 1, 2);
      } else if (chunks >= k) {
        return;  // no single preemption can go: 1-minimal
      } else {
        chunks = std::min(chunks * 2, k);
      }
    }
  }

 private:
  const Rerun& rerun_;
  const ShrinkOptions& options_;
  ShrinkResult& result_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

std::unique_ptr<Strategy> MakeScheduleStrategy(Schedule schedule,
                                               std::vector<SchedulePick>* picks) {
  return std::make_unique<ScheduleStrategy>(std::move(schedule), picks);
}

std::size_t ScheduledRun::Preemptions() const noexcept {
  return static_cast<std::size_t>(std::count_if(
      picks.begin(), picks.end(), [](const SchedulePick& p) { return p.index != 0; }));
}

std::vector<Preemption> ScheduledRun::AsPreemptions() const {
  std::vector<Preemption> out;
  for (std::size_t i = 0; i < picks.size() && i < result.decisions.size(); ++i) {
    if (picks[i].index != 0) {
      out.push_back({.first = picks[i].first,
                     .occurrence = picks[i].occurrence,
                     .chosen = result.decisions[i]});
    }
  }
  return out;
}

ShrinkResult ShrinkSchedule(std::span<const Decision> decisions, const Rerun& rerun,
                            const ShrinkOptions& options) {
  // The time budget ends the search (and says so); no run sees it.
  const auto start = std::chrono::steady_clock::now();  // determinism-ok: bounds the search
  ShrinkResult result;
  result.original = RunSchedule(
      {.follow = std::vector<std::optional<Decision>>(decisions.begin(), decisions.end()),
       .preemptions = {}},
      rerun);
  result.shrunk = result.original;
  if (result.original.result.Passed()) {
    return result;
  }
  Shrinker(rerun, options, result, start).Search();
  return result;
}

std::string ShrunkTracePath(std::string_view trace) {
  constexpr std::string_view kJson = ".json";
  if (trace.ends_with(kJson) && trace.size() > kJson.size()) {
    trace.remove_suffix(kJson.size());
  }
  return std::string(trace) + ".shrunk.json";
}

}  // namespace bubble::sim
