// testing/src/shrink_report.cc
#include "shrink_report.h"

#include <utility>

#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/schedule_story.h>
#include <bubble/sim/shrink.h>


namespace bubble::testing::detail {

std::string ShrinkFailingRun(const sim::Options& options, const Body& body,
                             std::span<const sim::Decision> decisions, const Environment& env,
                             const TestIdentity& test) {
  const sim::ShrinkResult s =
      sim::ShrinkSchedule(decisions, [&options, &body](sim::StrategyFactory strategy) {
        sim::Options o = options;
        o.trace = sim::TraceMode::kFingerprint;  // records the decisions
        o.log_level = sim::LogLevel::kOff;
        o.custom_strategy = std::move(strategy);
        sim::Bubble b(std::move(o));
        return b.Run([&b, &body] { body(b); });
      });
  if (s.original.result.Passed()) {
    return "BUBBLE_SHRINK: the failing run passed when rerun from its decisions (is the body "
           "deterministic?): nothing shrunk";
  }
  const sim::ScheduledRun& before = s.original;
  const sim::ScheduledRun& after = s.shrunk;
  std::string out = fmt::format(
      "shrunk (BUBBLE_SHRINK): decisions {} -> {}, preemptions {} -> {}, steps {} -> {} ({} "
      "attempts{})\n",
      before.result.decisions.size(), after.result.decisions.size(), before.Preemptions(),
      after.Preemptions(), before.result.steps, after.result.steps, s.attempts,
      s.stopped_early.empty() ? std::string() : "; " + s.stopped_early);

  sim::Options shrunk = options;
  shrunk.strategy = sim::StrategyKind::kReplay;
  shrunk.replay = after.result.decisions;
  shrunk.trace = sim::TraceMode::kFull;
  shrunk.log_level = sim::LogLevel::kOff;
  std::string story;
  const auto tell = [&story, &after](sim::Bubble& b, const sim::RunResult&) {
    story = sim::ScheduleStory(b.GetTrace().Events(), b.GetTrace().FiberNames(), after.picks);
  };
  if (env.trace_file.empty()) {
    sim::Bubble b(shrunk);
    const sim::RunResult r = b.Run([&b, &body] { body(b); });
    tell(b, r);
  } else {
    const std::string path = sim::ShrunkTracePath(env.trace_file);
    shrunk.replay_command = ReplayOf(options, env, test, path);
    out += "shrunk " + WriteTrace(path, shrunk, body, test, tell) + "\n";
    out += "rerun the shrunk run: " + shrunk.replay_command + "\n";
  }
  out += "story of the shrunk run (>> marks a step out of the default order):\n" + story;
  return out;
}

}  // namespace bubble::testing::detail
