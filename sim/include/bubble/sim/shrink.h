// sim/include/bubble/sim/shrink.h
//
// File: schedule shrinking. A failing run's decisions are reduced to a schedule with the fewest
// preemptions (decisions that do not pick candidate 0, the default order fifo follows) that still
// fails the same way, then the fewest decisions and steps. The program is rerun through a
// callback, so the same algorithm serves scenarios (`bubble shrink`) and tests (BUBBLE_SHRINK).
//
//   sim::ShrinkResult s = sim::ShrinkSchedule(failing.decisions, [&](sim::StrategyFactory f) {
//     sim::Options o = options;
//     o.custom_strategy = std::move(f);
//     sim::Bubble b(o);
//     return b.Run(body);
//   });
//   // s.shrunk.result.decisions replay (StrategyKind::kReplay) to the same failure.
//
// How: every attempt reruns the program under a lenient replay (MakeScheduleStrategy). The first
// follows the input decisions one by one and records, for every pick, its index and candidate 0;
// a pick of another index is a preemption, kept as "at the n-th pick whose candidate 0 is X, pick
// Y" (Preemption). Later attempts apply a subset of those: where a preemption's key comes up and
// its candidate is present it is picked, anywhere else (a dropped preemption, a missing
// candidate) candidate 0 is. Keyed so rather than by position, a preemption keeps its place when
// an earlier one is dropped and the decisions in between shift (by position, 34 preemptions of a
// torn-cache-read run shrank to 18; keyed, to 6). The preemptions are removed delta-debugging
// style: all of them, then chunks of halves, quarters ... down to single ones (the last chunk
// first: the first tried is the tail), until no single removal keeps the failure; then each
// single preemption is dropped once more while every other decision of the best run is followed
// by position (a neighbour the keyed removal does not reach), and after any success the keyed
// removal runs again. An attempt is kept when its run fails the same way (SameFailure) with fewer
// preemptions, or as many and fewer decisions, or as many and fewer steps; its actual picks become
// the schedule.
//
// Determinism: attempts depend only on the runs' outcomes, so the same input gives the same output
// whenever the budgets do not stop it. Real time only bounds the search (ShrinkOptions).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/sim/bubble.h>
#include <bubble/sim/strategy.h>

namespace bubble::sim {

// What a failure is for the shrinker: its kind and its message's first line with every run of
// digits masked ("update of default/cm# at resourceVersion # lost"), so a resourceVersion, a time
// or a count that moves with the schedule does not make it another failure.
std::string FailureSignature(const Failure& failure);
bool SameFailure(const Failure& a, const Failure& b);

// One pick of a rerun under a schedule: the index picked among the candidates, candidate 0 (the
// default order's pick: the running fiber at a preemption point, else the first ready), and how
// many earlier picks had that same candidate 0.
struct SchedulePick {
  std::size_t index = 0;
  Decision first{};
  std::uint64_t occurrence = 0;
  friend bool operator==(const SchedulePick&, const SchedulePick&) = default;
};

// A preemption of a schedule: at the `occurrence`-th pick (from 0) whose candidate 0 is `first`,
// pick `chosen` instead. Keyed so, a preemption stays where it was when an earlier one is dropped
// and the decisions in between shift (keyed by position it would land elsewhere).
struct Preemption {
  Decision first{};
  std::uint64_t occurrence = 0;
  Decision chosen{};
  friend bool operator==(const Preemption&, const Preemption&) = default;
};

// A schedule: `follow` is taken decision by decision (whatever is named and present; nothing:
// candidate 0); after it, `preemptions` apply where their key matches; everything else is the
// default order (candidate 0).
struct Schedule {
  std::vector<std::optional<Decision>> follow;  // nothing: candidate 0 at that position
  std::vector<Preemption> preemptions;
};

// The lenient replay strategy over `schedule`; `picks` (kept alive by the caller) receives every
// pick in order.
std::unique_ptr<Strategy> MakeScheduleStrategy(Schedule schedule, std::vector<SchedulePick>* picks);

// Makes a fresh strategy for one run (sim::Options::custom_strategy's type).
using StrategyFactory = std::function<std::unique_ptr<Strategy>()>;

// Reruns the program with Options::custom_strategy = the factory (and decisions recorded: a trace
// mode other than kOff) and returns the run's result.
using Rerun = std::function<RunResult(StrategyFactory)>;

struct ShrinkOptions {
  // Reruns allowed after the first (which reproduces the input); 0: none.
  std::uint64_t max_attempts = 5000;
  // Real time the search may take; 0: no bound. Checked between reruns.
  std::chrono::milliseconds time_budget{60'000};
};

// A run under a schedule, as the shrinker measures it.
struct ScheduledRun {
  RunResult result;
  std::vector<SchedulePick> picks;  // one per decision of result.decisions

  std::size_t Preemptions() const noexcept;
  // The preemptions that reproduce this run (with the default order elsewhere), in order.
  std::vector<Preemption> AsPreemptions() const;
};

struct ShrinkResult {
  ScheduledRun original;       // the input decisions rerun
  ScheduledRun shrunk;         // the smallest run that fails the same way (original if none)
  std::uint64_t attempts = 0;  // reruns after the first
  // Why the search stopped before it was done ("the time budget of 60s ran out"); empty when it
  // finished (no single preemption can be removed).
  std::string stopped_early;
};

// Shrinks the run whose recorded decisions are `decisions`. The first rerun follows them all; if
// it passes, ShrinkResult::original.result says so and nothing is shrunk (callers reject it).
ShrinkResult ShrinkSchedule(std::span<const Decision> decisions, const Rerun& rerun,
                            const ShrinkOptions& options = {});

// Where a shrunk trace of `trace` goes by default: a trailing ".json" replaced by ".shrunk.json"
// (appended when `trace` does not end in ".json"). `bubble shrink` and BUBBLE_SHRINK use it.
std::string ShrunkTracePath(std::string_view trace);

}  // namespace bubble::sim
