// sim/include/bubble/sim/strategy.h
//
// Scheduling strategies: the policy half of the scheduler. At every step where more than one
// thing could happen next (several runnable fibers, several timers due at one instant, several
// ready cases of a select), the scheduler asks its strategy to pick one and records the pick as
// a Decision. Where there is only one candidate nothing is asked and nothing is recorded.
//
//   fifo    the plain event loop: the candidate that became ready first. Explores nothing.
//   random  uniform among the candidates, from the seed.
//   pct     probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010): every fiber and
//           timer gets a random priority, the highest runs; at d-1 change points drawn from the
//           seed the candidate about to run is demoted below all others. Finds a bug of depth d
//           with probability at least 1/(n * k^(d-1)).
//   replay  drives the scheduler from a recorded list of decisions.
//
// Determinism: candidates are presented in a fixed order (the order they became ready); a
// strategy must be a pure function of its seed and the calls it receives.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bubble::sim {

enum class StrategyKind { kFifo, kRandom, kPct, kReplay };

// "fifo", "random", "pct", "replay".
std::string_view StrategyName(StrategyKind kind) noexcept;

// Parses a strategy name; nullopt if unknown.
std::optional<StrategyKind> ParseStrategy(std::string_view name) noexcept;

// What a decision chose between.
enum class CandidateKind : std::uint8_t { kFiber, kTimer, kSelectCase };

std::string_view CandidateKindName(CandidateKind kind) noexcept;

// One thing the scheduler could do next. `priority` points at a per-candidate slot the
// strategy may use (PCT keeps its priorities there); it is null for select cases.
struct Candidate {
  CandidateKind kind;
  std::uint64_t id;  // fiber id, timer id, or select case index
  std::uint64_t* priority;
};

// A recorded choice: which candidate was picked. Replaying the same list of decisions against
// the same program reproduces the run, even if the seed-to-decision mapping changes.
struct Decision {
  CandidateKind kind;
  std::uint64_t id;
  friend bool operator==(const Decision&, const Decision&) = default;
};

// Formats a decision list compactly ("f3 t7 c1 ..."), and parses it back.
std::string FormatDecisions(std::span<const Decision> decisions);
std::optional<std::vector<Decision>> ParseDecisions(std::string_view text);

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual StrategyKind Kind() const noexcept = 0;

  // The priority a new fiber or timer starts with (only PCT uses it).
  virtual std::uint64_t InitialPriority() { return 0; }

  // Whether Pick needs the candidates themselves or only their number (fifo and random do not:
  // the scheduler then skips building the list on its hot path).
  virtual bool NeedsCandidates() const noexcept { return true; }

  // Picks one of `count` candidates (count >= 2); `candidates` holds them when NeedsCandidates().
  // Returns the index, or nullopt if the strategy cannot continue (replay: the recording ran out
  // or names a candidate that is not there).
  virtual std::optional<std::size_t> Pick(std::size_t count,
                                          std::span<const Candidate> candidates) = 0;

  // A human-readable reason for the last nullopt from Pick.
  virtual std::string Divergence() const { return {}; }
};

struct StrategyOptions {
  StrategyKind kind = StrategyKind::kFifo;
  std::uint64_t seed = 1;
  int pct_depth = 3;                // d: number of priority change points + 1
  std::uint64_t pct_horizon = 100;  // k: change points are drawn in [1, k] decisions
  std::vector<Decision> replay;     // for kReplay
};

std::unique_ptr<Strategy> MakeStrategy(const StrategyOptions& options);

}  // namespace bubble::sim
