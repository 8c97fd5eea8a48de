// sim/include/bubble/sim/pct_horizon.h
//
// PCT's horizon when Options::pct_horizon is not set (docs/concepts.md, "PCT's horizon is
// measured"): the number of decisions a probe run of the same program makes. The probe is the
// program under fifo with seed 1 — independent of the seed and strategy of the run it serves, so
// every PCT seed of a sweep gets the same horizon and a replay measures the same one again.
//
//   sim::Options o = ...;                      // strategy kPct, pct_horizon 0
//   o.pct_horizon = sim::PctHorizonOf(RunMyProgram(sim::PctHorizonProbe(o)));
//
// bubble's scenario runner (scenarios::MeasurePctHorizon) and test helper (RunSeeds) do this for
// you, once per configuration.
#pragma once

#include <cstdint>

#include <bubble/sim/bubble.h>
#include <bubble/sim/options.h>

namespace bubble::sim {

// The options of the probe run for `options`: the same program and limits, under fifo with seed
// 1, decisions recorded, no log lines.
Options PctHorizonProbe(Options options);

// The horizon the probe measured: its decisions, at least 1.
std::uint64_t PctHorizonOf(const RunResult& probe) noexcept;

}  // namespace bubble::sim
