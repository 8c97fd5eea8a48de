// scenarios/src/convergence.cc
#include "bubble/scenarios/convergence.h"

#include <fmt/format.h>

namespace bubble::scenarios {

std::string ConvergenceUsage(const Scenario& scenario) {
  if (scenario.convergent) {
    return {};
  }
  return fmt::format(
      "--check-convergence: scenario \"{}\" is not convergent (its final state may depend on "
      "the schedule); check only scenarios that declare Scenario::convergent",
      scenario.name);
}

FinalState RunForFinalState(const ResolvedRun& run) {
  FinalState out;
  bool tracked = true;
  out.result = RunScenarioInContext(
      run, [&](sim::Bubble&, const sim::RunResult& r, const ScenarioContext& ctx) {
        tracked = !ctx.Liveness().Clientsets().empty();
        if (r.Passed() && tracked) {
          out.state = fake::NormalizedState(ctx.Liveness().Clientsets());
        }
      });
  if (out.result.Passed() && !tracked) {
    out.result.failure = sim::Failure{
        .kind = sim::FailureKind::kNotConverged,
        .message = fmt::format("scenario \"{}\" declares itself convergent but tracked no "
                               "clientset (ctx.Liveness().Track(cs)): no state to compare",
                               run.scenario->name),
        .fiber = 0,
        .fiber_name = "bubble",
        .time = out.result.end_time,
        .blocked = {}};
    out.result.report = out.result.failure->message + "\n";
  }
  out.hash = fake::StateHash(out.state);
  return out;
}

std::string ConvergenceDiff(const ResolvedRun& a_run, const FinalState& a, const ResolvedRun& b_run,
                            const FinalState& b) {
  return fmt::format(
      "final server states differ between seed {} and seed {} (the inputs do not depend on the "
      "schedule, so every seed must end in the same state):\n  seed {}: {}\n  seed {}: {}\n{}",
      a_run.seed, b_run.seed, a_run.seed, a_run.Command(), b_run.seed, b_run.Command(),
      fake::DiffStates(a.state, b.state, fmt::format("seed {}", a_run.seed),
                       fmt::format("seed {}", b_run.seed)));
}

}  // namespace bubble::scenarios
