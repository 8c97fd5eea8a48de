// sim/src/trace_divergence.cc
#include "bubble/sim/trace_divergence.h"

#include <algorithm>

#include <fmt/format.h>

namespace bubble::sim {

namespace {

bool SameRecord(const TraceEvent& a, const TraceEvent& b) {
  return a.time_ns == b.time_ns && a.fiber == b.fiber && a.kind == b.kind && a.arg == b.arg &&
         a.detail == b.detail;
}

}  // namespace

std::optional<std::string> FirstDivergence(const std::vector<TraceEvent>& expected,
                                           std::span<const std::string> expected_names,
                                           const std::vector<TraceEvent>& actual,
                                           std::span<const std::string> actual_names) {
  const auto& a = expected;
  const auto& b = actual;
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    if (i < a.size() && i < b.size() && SameRecord(a[i], b[i])) {
      continue;
    }
    return fmt::format("first divergence at trace record {}:\n  expected: {}\n  actual:   {}",
                       i + 1, i < a.size() ? FormatEvent(a[i], expected_names) : "(end of trace)",
                       i < b.size() ? FormatEvent(b[i], actual_names) : "(end of trace)");
  }
  return std::nullopt;
}

}  // namespace bubble::sim
