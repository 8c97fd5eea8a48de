// sim/src/schedule_story.cc: a run told as a short story (schedule_story.h).
#include "bubble/sim/schedule_story.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace bubble::sim {

namespace {

// One line of the story: steps of one fiber, or a note (a preemption, the failure).
struct Line {
  std::uint64_t fiber = 0;
  std::vector<std::string> steps;
  std::string note;
  // A run of "X ran before F" notes with the same F shares one line: F and the Xs in order.
  std::string passed_over;
  std::vector<std::string> ran_before;
};

class Teller {
 public:
  Teller(std::span<const std::string> fiber_names, std::span<const SchedulePick> picks,
         const StoryOptions& options)
      : names_(fiber_names), picks_(picks), options_(options) {}

  void Tell(std::span<const TraceEvent> events) {
    for (const TraceEvent& e : events) {
      if (e.kind == EventKind::kTimerFire) {
        timer_names_.emplace(e.arg, e.detail);
      }
    }
    const TraceEvent* previous = nullptr;
    for (const TraceEvent& e : events) {
      const std::string_view detail(e.detail);
      switch (e.kind) {
        case EventKind::kSliceBegin:
          if (detail.starts_with("api: ")) {
            Step(e.fiber, "api " + std::string(detail.substr(5)));
            open_api_[e.arg] = {lines_.size() - 1, lines_.back().steps.size() - 1};
          }
          break;
        case EventKind::kSliceEnd:
          if (const auto it = open_api_.find(e.arg); it != open_api_.end()) {
            if (!detail.empty()) {
              lines_[it->second.first].steps[it->second.second] += " -> " + e.detail;
            }
            open_api_.erase(it);
          }
          break;
        case EventKind::kInstant:
          if (detail.starts_with("cache: ") || detail.starts_with("fault: ")) {
            Step(e.fiber, e.detail);
          }
          break;
        case EventKind::kDecision:
          Decided(e, previous);
          break;
        case EventKind::kFailure:
          Note(fmt::format("FAILED ({}): {}", Name(e.fiber), detail.substr(0, detail.find('\n'))));
          return;  // what follows is the teardown
        default:
          break;
      }
      previous = &e;
    }
  }

  std::string Text() const {
    std::string out;
    std::size_t first = 0;
    if (lines_.size() > options_.max_lines) {
      first = lines_.size() - options_.max_lines;
      out += fmt::format("... {} earlier line(s)\n", first);
    }
    for (std::size_t i = first; i < lines_.size(); ++i) {
      const Line& line = lines_[i];
      if (!line.passed_over.empty()) {
        out += fmt::format(">> {} ran before {} ({} was ready first)\n",
                           fmt::join(line.ran_before, ", "), line.passed_over, line.passed_over);
        continue;
      }
      if (!line.note.empty()) {
        out += line.note + "\n";
        continue;
      }
      out += fmt::format("{}: {}\n", Name(line.fiber), Steps(line.steps));
    }
    return out;
  }

 private:
  std::string Name(std::uint64_t fiber) const {
    if (fiber == 0) {
      return "bubble";
    }
    if (fiber < names_.size() && !names_[fiber].empty()) {
      return names_[fiber];
    }
    return fmt::format("fiber {}", fiber);
  }

  std::string Describe(CandidateKind kind, std::uint64_t id) const {
    switch (kind) {
      case CandidateKind::kFiber:
        return Name(id);
      case CandidateKind::kTimer: {
        const auto it = timer_names_.find(id);
        return it != timer_names_.end() && !it->second.empty() ? fmt::format("timer {}", it->second)
                                                               : fmt::format("timer {}", id);
      }
      case CandidateKind::kSelectCase:
        return fmt::format("case {}", id);
    }
    return "?";
  }

  std::string Steps(const std::vector<std::string>& steps) const {
    const std::size_t max = std::max<std::size_t>(options_.max_steps_per_line, 3);
    if (steps.size() <= max) {
      return fmt::format("{}", fmt::join(steps, "; "));
    }
    const std::size_t head = max / 2;
    const std::size_t tail = max - head - 1;
    std::string out;
    for (std::size_t i = 0; i < head; ++i) {
      out += steps[i] + "; ";
    }
    out += fmt::format("... {} more ...", steps.size() - head - tail);
    for (std::size_t i = steps.size() - tail; i < steps.size(); ++i) {
      out += "; " + steps[i];
    }
    return out;
  }

  void Step(std::uint64_t fiber, std::string text) {
    last_step_[fiber] = text;
    if (lines_.empty() || !lines_.back().note.empty() || lines_.back().fiber != fiber) {
      lines_.push_back(
          {.fiber = fiber, .steps = {}, .note = {}, .passed_over = {}, .ran_before = {}});
    }
    lines_.back().steps.push_back(std::move(text));
  }

  void RanBefore(const std::string& chosen, const std::string& first) {
    if (lines_.empty() || lines_.back().passed_over != first) {
      lines_.push_back(
          {.fiber = 0, .steps = {}, .note = "ran before", .passed_over = first, .ran_before = {}});
    }
    std::vector<std::string>& names = lines_.back().ran_before;
    if (std::find(names.begin(), names.end(), chosen) == names.end()) {
      names.push_back(chosen);
    }
  }

  void Note(std::string text) {
    lines_.push_back(
        {.fiber = 0, .steps = {}, .note = std::move(text), .passed_over = {}, .ran_before = {}});
  }

  // A decision record: a note when it left the default order. `previous` is the record before it:
  // a preemption point records its access ("cache: get default/cm1") just before its decision,
  // and the access happens after it.
  void Decided(const TraceEvent& e, const TraceEvent* previous) {
    const std::size_t k = decisions_++;
    if (k >= picks_.size() || picks_[k].index == 0) {
      return;
    }
    const std::string_view kind(e.detail);
    const CandidateKind chosen_kind = kind == "timer"  ? CandidateKind::kTimer
                                      : kind == "case" ? CandidateKind::kSelectCase
                                                       : CandidateKind::kFiber;
    const std::string chosen = Describe(chosen_kind, e.arg);
    const Decision& over = picks_[k].first;
    if (chosen_kind == CandidateKind::kSelectCase) {
      Note(fmt::format(">> {}'s select took {}, not {}", Name(e.fiber), chosen,
                       Describe(over.kind, over.id)));
    } else if (over.kind == CandidateKind::kFiber && e.fiber != 0 && over.id == e.fiber) {
      const auto it = last_step_.find(e.fiber);
      const bool at = previous != nullptr && previous->kind == EventKind::kInstant &&
                      previous->fiber == e.fiber && it != last_step_.end() &&
                      previous->detail == it->second;
      Note(fmt::format(">> {} was preempted {}; {} ran", Name(e.fiber),
                       it == last_step_.end() ? std::string("before its first step")
                       : at                   ? fmt::format("at `{}` (before it)", it->second)
                                              : fmt::format("after `{}`", it->second),
                       chosen));
    } else {
      RanBefore(chosen, Describe(over.kind, over.id));
    }
  }

  std::span<const std::string> names_;
  std::span<const SchedulePick> picks_;
  const StoryOptions& options_;
  std::vector<Line> lines_;
  std::map<std::uint64_t, std::pair<std::size_t, std::size_t>> open_api_;  // span -> step
  std::map<std::uint64_t, std::string> last_step_;                         // by fiber
  std::map<std::uint64_t, std::string> timer_names_;
  std::size_t decisions_ = 0;
};

}  // namespace

std::string ScheduleStory(std::span<const TraceEvent> events,
                          std::span<const std::string> fiber_names,
                          std::span<const SchedulePick> picks, const StoryOptions& options) {
  Teller teller(fiber_names, picks, options);
  teller.Tell(events);
  return teller.Text();
}

}  // namespace bubble::sim
