// sim/src/preempt.cc
//
// Preemption points (preempt.h): the running fiber is a candidate next to everything ready, at
// index 0, so the default order (fifo, and a strategy picking index 0) is "go on", and a
// preemption is a decision that picks anything else.
#include "bubble/sim/preempt.h"

#include <array>
#include <utility>

#include <bubble/sim/error.h>

#include "scheduler.h"

namespace bubble::sim {

namespace {

// Preemption points a fiber may pass without leaving the processor while others are ready.
constexpr std::uint32_t kPreemptionSlice = 1000;

struct KindWord {
  PreemptKind kind;
  std::string_view word;
};

constexpr std::array<KindWord, 4> kKindWords{{
    {PreemptKind::kApi, "api"},
    {PreemptKind::kCache, "cache"},
    {PreemptKind::kLocks, "locks"},
    {PreemptKind::kQueue, "queue"},
}};

}  // namespace

std::string FormatPreemptSet(PreemptSet set) {
  std::string out;
  for (const KindWord& k : kKindWords) {
    if (set.Has(k.kind)) {
      out += out.empty() ? "" : ",";
      out += k.word;
    }
  }
  return out.empty() ? "none" : out;
}

std::optional<PreemptSet> ParsePreemptSet(std::string_view text) {
  if (text == "all") {
    return PreemptSet::All();
  }
  if (text == "none") {
    return PreemptSet::None();
  }
  PreemptSet set = PreemptSet::None();
  bool any = false;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view word = text.substr(0, comma);
    bool known = false;
    for (const KindWord& k : kKindWords) {
      if (k.word == word) {
        set = set.With(k.kind);
        known = true;
      }
    }
    if (!known) {
      return std::nullopt;
    }
    any = true;
    if (comma == std::string_view::npos) {
      break;
    }
    text.remove_prefix(comma + 1);
    if (text.empty()) {
      return std::nullopt;  // a trailing comma
    }
  }
  return any ? std::optional<PreemptSet>(set) : std::nullopt;
}

void PreemptionPoint(PreemptKind kind, std::string_view what, std::string_view object) {
  detail::Scheduler* s = detail::Scheduler::Current();
  if (s != nullptr) {
    s->Preempt(kind, what, object);
  }
}

void ReleasePoint(PreemptKind kind) {
  detail::Scheduler* s = detail::Scheduler::Current();
  if (s != nullptr) {
    s->Preempt(kind, {}, {}, /*unwind_on_resume=*/false);
  }
}

NoPreemption::NoPreemption() noexcept {
  detail::Scheduler* s = detail::Scheduler::Current();
  fiber_ = s != nullptr ? s->Running() : nullptr;
  if (fiber_ != nullptr) {
    ++fiber_->no_preemption;
  }
}

NoPreemption::~NoPreemption() {
  if (fiber_ != nullptr) {
    --fiber_->no_preemption;
  }
}

namespace detail {

void Scheduler::Preempt(PreemptKind kind, std::string_view what, std::string_view object,
                        bool unwind_on_resume) {
  FiberRecord* rec = current_;
  if (tearing_down_) [[unlikely]] {
    // A fiber that went on after a release point (see below) and now only passes points, never
    // blocking (a loop polling a cache), must still unwind: as a time slice does in a live run.
    if (rec != nullptr && rec->unwinding && unwind_on_resume &&
        ++rec->points_in_slice > kPreemptionSlice) {
      rec->points_in_slice = 0;
      BlockWhileTearingDown("preemption point");
    }
    return;
  }
  if (rec == nullptr || rec->no_preemption > 0 || !options_.preempt.Has(kind)) {
    return;
  }
  if (!what.empty()) {
    Record(EventKind::kInstant, 0, what, object);
  }
  if (ready_.empty()) {
    return;
  }
  if (++rec->points_in_slice > kPreemptionSlice) {
    // A fiber that keeps running (a loop polling the API or a cache under fifo) gives way, as
    // the Go runtime preempts a goroutine after its time slice: others make progress and a
    // livelock reaches the step limit instead of spinning.
    Yield();
    return;
  }
  const std::size_t n = ready_.size() + 1;
  candidates_.clear();
  if (needs_candidates_) {
    candidates_.push_back({CandidateKind::kFiber, rec->id, &rec->priority});
    for (std::size_t i = 0; i + 1 < n; ++i) {
      candidates_.push_back(ready_[i].AsCandidate());
    }
  }
  const std::optional<std::size_t> pick = strategy_->Pick(n, candidates_);
  if (!pick) {
    FailRun(FailureKind::kReplayDiverged, strategy_->Divergence(), rec);
    throw FiberUnwind{};  // the run is over; unwind this fiber now
  }
  RecordDecision(*pick == 0 ? Decision{CandidateKind::kFiber, rec->id}
                            : ready_[*pick - 1].AsDecision());
  if (*pick == 0) {
    return;
  }
  // Preempted: the chosen candidate runs now, and this fiber, which was running before anything
  // else was ready, goes back at the head of the queue.
  chosen_next_ = ready_.erase(*pick - 1);
  Record(EventKind::kYield, 0, {});
  rec->state = FiberRecord::State::kRunnable;
  ready_.push_front({rec, nullptr});
  SwitchOut(*rec);
  if (rec->unwinding && unwind_on_resume) {
    throw FiberUnwind{};
  }
}

}  // namespace detail

}  // namespace bubble::sim
