// sim/include/bubble/sim/schedule_story.h
//
// File: a run told as a short story a person reads: which fiber made which API call (trace spans
// of category "api"), read what from a cache (instants "cache: ..."), met which injected fault
// (instants "fault: ..."), where the schedule left the default order, and the failure it ends in.
// `bubble shrink` and BUBBLE_SHRINK print it for a shrunk schedule:
//
//   writer-1: api get configmaps default/counter -> ok rv=5
//   writer-2: api get configmaps default/counter -> ok rv=5; api update ... -> ok rv=6
//   >> writer-2 ran before writer-1 (writer-1 was ready first)
//   ...
//   FAILED (main): lost update: counter is 9, want 10
//
// Consecutive steps of one fiber share a line (a long run of them keeps its first and last
// steps); only the last StoryOptions::max_lines lines before the failure are shown.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include <bubble/sim/shrink.h>
#include <bubble/sim/trace.h>

namespace bubble::sim {

struct StoryOptions {
  std::size_t max_lines = 40;          // lines shown (the last ones); earlier ones are counted
  std::size_t max_steps_per_line = 6;  // steps of one fiber on one line before eliding
};

// Tells the run recorded by `events` (a kFull trace) whose decisions were taken as `picks` (one
// per decision record, in order; empty: no preemption is marked). Each line ends with '\n'.
std::string ScheduleStory(std::span<const TraceEvent> events,
                          std::span<const std::string> fiber_names,
                          std::span<const SchedulePick> picks, const StoryOptions& options = {});

}  // namespace bubble::sim
