// tools/src/shrink_command.cc: `bubble shrink` (shrink_command.h).
#include "shrink_command.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include <bubble/scenarios/shrink.h>
#include <bubble/sim/shell_word.h>

#include "cut_text.h"

namespace bubble::cli {

namespace sc = bubble::scenarios;

int RunShrink(const sc::RecordedRun& recorded, const ShrinkRequest& request,
              const std::function<void(std::string_view)>& print) {
  sc::CheckShrinkable(recorded);
  sc::RunConfig config = recorded.config;
  config.program = request.program;
  print(fmt::format("shrinking {} decisions of: {}\n", recorded.config.replay.size(),
                    sc::ResolveRun(*recorded.scenario, config).Command()));
  const sc::ShrunkRun shrunk = sc::ShrinkRecordedRun(recorded, request.program, request.options);
  const std::string replay =
      sim::ShellWord(request.program) + " replay " + sim::ShellWord(request.out_file);
  std::ostringstream json;
  const sc::ShrunkTrace trace = sc::WriteShrunkTrace(shrunk, replay, json);
  const sim::ScheduledRun& before = shrunk.shrink.original;
  const sim::ScheduledRun& after = shrunk.shrink.shrunk;
  if (trace.result.Passed() || !sim::SameFailure(*trace.result.failure, *before.result.failure)) {
    throw sc::ConfigError(fmt::format(
        "the shrunk schedule did not fail the same way when rerun with a full trace (the "
        "scenario is not deterministic?): {} not written",
        request.out_file));
  }
  std::ofstream out(request.out_file, std::ios::binary | std::ios::trunc);
  out << json.str();
  out.close();
  if (!out) {
    throw sc::ConfigError(fmt::format("cannot write the shrunk trace to \"{}\"", request.out_file));
  }
  print(fmt::format("failure: {}\n", FirstLine(before.result.failure->message)));
  print(fmt::format("{:<12} {:>8} {:>8}\n", "", "before", "after"));
  print(fmt::format("{:<12} {:>8} {:>8}\n", "decisions", before.result.decisions.size(),
                    after.result.decisions.size()));
  print(fmt::format("{:<12} {:>8} {:>8}\n", "preemptions", before.Preemptions(),
                    after.Preemptions()));
  print(fmt::format("{:<12} {:>8} {:>8}\n", "steps", before.result.steps, after.result.steps));
  print(fmt::format("attempts: {}{}\n", shrunk.shrink.attempts,
                    shrunk.shrink.stopped_early.empty()
                        ? std::string(" (done: no single preemption can be dropped)")
                        : "; " + shrunk.shrink.stopped_early));
  print(fmt::format("shrunk trace: {} (replay with: {})\n", request.out_file, replay));
  print("story (the shrunk run; >> marks a step out of the default order):\n");
  print(trace.story);
  return 0;
}

}  // namespace bubble::cli
