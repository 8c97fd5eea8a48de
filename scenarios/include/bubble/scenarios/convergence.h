// scenarios/include/bubble/scenarios/convergence.h
//
// File: the convergence check of `bubble sweep --check-convergence` (docs/concepts.md, "Liveness
// and convergence"). A scenario that declares Scenario::convergent (its inputs do not depend on
// the schedule) must end every seed in the same server state: the normalised state
// (<bubble/fake/server_state.h>) of the clientsets it tracked with ctx.Liveness().Track.
//
//   scenarios::FinalState a = scenarios::RunForFinalState(run_seed_1);
//   scenarios::FinalState b = scenarios::RunForFinalState(run_seed_7);
//   if (a.hash != b.hash) std::cout << scenarios::ConvergenceDiff(run_seed_1, a, run_seed_7, b);
//
// A sweep keeps only a hash per seed (and per distinct hash the lowest seed); on a difference it
// reruns the two seeds to diff their states.
#pragma once

#include <cstdint>
#include <string>

#include <bubble/fake/server_state.h>
#include <bubble/scenarios/run.h>

namespace bubble::scenarios {

struct FinalState {
  sim::RunResult result;
  fake::ServerState state;  // empty when the run failed
  std::uint64_t hash = 0;   // fake::StateHash(state)
};

// Empty when `scenario` may be checked for convergence; otherwise the one-line usage error
// ("... is not convergent ...").
std::string ConvergenceUsage(const Scenario& scenario);

// Runs `run` and takes the normalised final state of the clientsets its body tracked. A run
// that tracked none fails with a message saying so (there is nothing to compare).
FinalState RunForFinalState(const ResolvedRun& run);

// "final server states differ between seed A and seed B", both replay commands, then the diff
// (fake::DiffStates, bounded).
std::string ConvergenceDiff(const ResolvedRun& a_run, const FinalState& a, const ResolvedRun& b_run,
                            const FinalState& b);

}  // namespace bubble::scenarios
