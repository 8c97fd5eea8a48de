// scenarios/include/bubble/scenarios/shrink.h
//
// File: shrinking a scenario run's schedule (sim/shrink.h) and writing the shrunk run as a trace
// that `bubble replay` runs: what `bubble shrink TRACE` does.
//
//   const scenarios::RecordedRun rec = scenarios::ParseTrace(text);
//   scenarios::ShrunkRun s = scenarios::ShrinkRecordedRun(rec, "bubble", {});
//   std::ofstream out("fail.shrunk.json");
//   scenarios::WriteShrunkTrace(s, "bubble replay fail.shrunk.json", out);
#pragma once

#include <iosfwd>
#include <string>

#include <bubble/scenarios/run.h>
#include <bubble/sim/shrink.h>

namespace bubble::scenarios {

// The recorded run a trace holds, rerun by the shrinker under its strategies.
sim::Rerun RerunOf(const ResolvedRun& run);

struct ShrunkRun {
  ResolvedRun run;  // the recorded run (its `replay` the recorded decisions)
  sim::ShrinkResult shrink;
};

// ConfigError when `recorded` is a passing run (nothing to shrink) or failed on its real-time
// budget (real time is no schedule's doing).
void CheckShrinkable(const RecordedRun& recorded);

// Shrinks the failing run `recorded` holds; `program` names the program in replay commands.
// ConfigError when there is nothing to shrink: the trace records a passing run, its failure is the
// real-time budget's (real time is no schedule's doing), or its rerun does not fail.
ShrunkRun ShrinkRecordedRun(const RecordedRun& recorded, const std::string& program,
                            const sim::ShrinkOptions& options);

// Reruns the shrunk schedule with a full trace and writes it to `out` as a trace file (strategy
// "replay", the shrunk decisions; `replay_command` is the command the trace says reruns it).
// Returns the run and its story (sim/schedule_story.h).
struct ShrunkTrace {
  sim::RunResult result;
  std::string story;
};

ShrunkTrace WriteShrunkTrace(const ShrunkRun& shrunk, const std::string& replay_command,
                             std::ostream& out);

}  // namespace bubble::scenarios
