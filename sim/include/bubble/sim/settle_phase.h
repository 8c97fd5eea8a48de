// sim/include/bubble/sim/settle_phase.h
//
// File: a run's settle phase, the declaration a liveness oracle reads (docs/concepts.md,
// "Liveness and convergence").
//
//   sim::Options o;
//   o.settle = sim::SettlePhase{.faults_stop = 30s, .within = 60s};
//
// From `faults_stop` (virtual time since the epoch) on, the fake API servers the oracle tracks
// inject nothing (their fake::Faults are cleared: no errors, latency (unless keep_latency),
// watch ends or compactions); by faults_stop + within the system must be quiescent: no API write
// for `quiet_window`, every tracked workqueue and informer idle. A run that is not fails with
// FailureKind::kNotConverged. The kernel only carries the declaration (scenarios::Scenario::settle
// and testing::SeedSweep::settle set it); fake::Liveness (<bubble/fake/liveness.h>) enforces it.
#pragma once

#include <chrono>

#include <bubble/sim/clock.h>

namespace bubble::sim {

struct SettlePhase {
  // T: when faults stop, as virtual time since the epoch (Clock::Epoch()).
  Duration faults_stop = std::chrono::seconds(10);
  // Δ: the system must be quiescent by T + within.
  Duration within = std::chrono::seconds(60);
  // Quiescent means no API write for this long (and every tracked queue idle).
  Duration quiet_window = std::chrono::seconds(5);
  // true: the servers' latency rules stay after T (a network's latency does not stop; only the
  // injected failures do). false: every fault is cleared, latency too.
  bool keep_latency = false;
};

}  // namespace bubble::sim
