// sim/include/bubble/sim/trace_divergence.h
//
// File: where two traces of what should be the same run part ways, for determinism checks and
// replays whose fingerprint does not match.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include <bubble/sim/trace.h>

namespace bubble::sim {

// The first record where two traces differ ("first divergence at trace record N:\n  expected:
// ...\n  actual:   ..."), or nullopt if they are identical.
std::optional<std::string> FirstDivergence(const std::vector<TraceEvent>& expected,
                                           std::span<const std::string> expected_names,
                                           const std::vector<TraceEvent>& actual,
                                           std::span<const std::string> actual_names);

}  // namespace bubble::sim
