// testing/src/shrink_report.h
//
// File: BUBBLE_SHRINK=1 — a failing run of a test body shrunk to the fewest preemptions that fail
// the same way (sim/shrink.h), told as a story, and written as a trace BUBBLE_REPLAY reruns.
#pragma once

#include <span>
#include <string>

#include <bubble/sim/options.h>
#include <bubble/sim/strategy.h>
#include <bubble/testing/seed_sweep.h>

#include "environment.h"
#include "sweep_runner.h"

namespace bubble::testing::detail {

// Shrinks the failing run of `body` under `options` that took `decisions`. When BUBBLE_TRACE
// names a file, the shrunk run's trace goes to sim::ShrunkTracePath of it. Returns what the
// failure message adds: before/after (decisions, preemptions, steps), how the search ended, where
// the trace went and the command that reruns it, and the story of the shrunk run.
std::string ShrinkFailingRun(const sim::Options& options, const Body& body,
                             std::span<const sim::Decision> decisions, const Environment& env,
                             const TestIdentity& test);

}  // namespace bubble::testing::detail
