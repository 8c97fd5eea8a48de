// sim/src/strategy.cc
#include "bubble/sim/strategy.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include <bubble/sim/error.h>
#include <bubble/sim/rng.h>

namespace bubble::sim {

std::string_view StrategyName(StrategyKind kind) noexcept {
  switch (kind) {
    case StrategyKind::kFifo:
      return "fifo";
    case StrategyKind::kRandom:
      return "random";
    case StrategyKind::kPct:
      return "pct";
    case StrategyKind::kReplay:
      return "replay";
  }
  return "?";
}

std::optional<StrategyKind> ParseStrategy(std::string_view name) noexcept {
  for (StrategyKind k :
       {StrategyKind::kFifo, StrategyKind::kRandom, StrategyKind::kPct, StrategyKind::kReplay}) {
    if (StrategyName(k) == name) {
      return k;
    }
  }
  return std::nullopt;
}

std::string_view CandidateKindName(CandidateKind kind) noexcept {
  switch (kind) {
    case CandidateKind::kFiber:
      return "fiber";
    case CandidateKind::kTimer:
      return "timer";
    case CandidateKind::kSelectCase:
      return "case";
  }
  return "?";
}

namespace {

char KindLetter(CandidateKind kind) {
  switch (kind) {
    case CandidateKind::kFiber:
      return 'f';
    case CandidateKind::kTimer:
      return 't';
    case CandidateKind::kSelectCase:
      return 'c';
  }
  return '?';
}

class FifoStrategy final : public Strategy {
 public:
  StrategyKind Kind() const noexcept override { return StrategyKind::kFifo; }

  bool NeedsCandidates() const noexcept override { return false; }

  std::optional<std::size_t> Pick(std::size_t, std::span<const Candidate>) override { return 0; }
};

class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(std::uint64_t seed) : rng_(seed, /*stream=*/1) {}

  StrategyKind Kind() const noexcept override { return StrategyKind::kRandom; }

  bool NeedsCandidates() const noexcept override { return false; }

  std::optional<std::size_t> Pick(std::size_t count, std::span<const Candidate>) override {
    return static_cast<std::size_t>(rng_.Uniform(count));
  }

 private:
  Rng rng_;
};

// PCT: priorities live in the candidates' own slots. Initial priorities are drawn above
// `depth`; at change point i (1-based) the candidate about to run is demoted to priority
// depth - i, below every initial priority, and the pick is made again. Ties (practically
// impossible with 62 random bits) go to the candidate that became ready first.
class PctStrategy final : public Strategy {
 public:
  PctStrategy(std::uint64_t seed, int depth, std::uint64_t horizon)
      : rng_(seed, /*stream=*/1), depth_(std::max(depth, 1)) {
    const std::uint64_t k = std::max<std::uint64_t>(horizon, 1);
    for (int i = 1; i < depth_; ++i) {
      change_points_.push_back(1 + rng_.Uniform(k));
    }
    std::sort(change_points_.begin(), change_points_.end());
  }

  StrategyKind Kind() const noexcept override { return StrategyKind::kPct; }

  std::uint64_t InitialPriority() override {
    return static_cast<std::uint64_t>(depth_) + (rng_.Next() >> 2);
  }

  std::optional<std::size_t> Pick(std::size_t count,
                                  std::span<const Candidate> candidates) override {
    ++step_;
    if (candidates.front().priority == nullptr) {  // select cases carry no priority
      return static_cast<std::size_t>(rng_.Uniform(count));
    }
    std::size_t best = Highest(candidates);
    while (next_change_ < change_points_.size() && change_points_[next_change_] <= step_) {
      ++next_change_;
      *candidates[best].priority = static_cast<std::uint64_t>(depth_) - next_change_;
      best = Highest(candidates);
    }
    return best;
  }

 private:
  static std::size_t Highest(std::span<const Candidate> candidates) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < candidates.size(); ++i) {
      if (*candidates[i].priority > *candidates[best].priority) {
        best = i;
      }
    }
    return best;
  }

  Rng rng_;
  int depth_;
  std::vector<std::uint64_t> change_points_;
  std::size_t next_change_ = 0;
  std::uint64_t step_ = 0;
};

class ReplayStrategy final : public Strategy {
 public:
  explicit ReplayStrategy(std::vector<Decision> decisions) : decisions_(std::move(decisions)) {}

  StrategyKind Kind() const noexcept override { return StrategyKind::kReplay; }

  std::optional<std::size_t> Pick(std::size_t, std::span<const Candidate> candidates) override {
    if (next_ >= decisions_.size()) {
      divergence_ = fmt::format(
          "replay diverged at decision {}: the recording has only {} decisions but the run has "
          "another choice among {}",
          next_ + 1, decisions_.size(), Describe(candidates));
      return std::nullopt;
    }
    const Decision& d = decisions_[next_];
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i].kind == d.kind && candidates[i].id == d.id) {
        ++next_;
        return i;
      }
    }
    divergence_ = fmt::format(
        "replay diverged at decision {}: the recording picks {} {} but the candidates are {}",
        next_ + 1, CandidateKindName(d.kind), d.id, Describe(candidates));
    return std::nullopt;
  }

  std::string Divergence() const override { return divergence_; }

 private:
  static std::string Describe(std::span<const Candidate> candidates) {
    std::string out;
    for (const Candidate& c : candidates) {
      out += fmt::format("{}{}{}", out.empty() ? "" : " ", KindLetter(c.kind), c.id);
    }
    return "[" + out + "]";
  }

  std::vector<Decision> decisions_;
  std::size_t next_ = 0;
  std::string divergence_;
};

}  // namespace

std::string FormatDecisions(std::span<const Decision> decisions) {
  std::string out;
  out.reserve(decisions.size() * 4);
  for (const Decision& d : decisions) {
    if (!out.empty()) {
      out += ' ';
    }
    out += KindLetter(d.kind);
    out += std::to_string(d.id);
  }
  return out;
}

std::optional<std::vector<Decision>> ParseDecisions(std::string_view text) {
  std::vector<Decision> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    CandidateKind kind;
    switch (text[i]) {
      case 'f':
        kind = CandidateKind::kFiber;
        break;
      case 't':
        kind = CandidateKind::kTimer;
        break;
      case 'c':
        kind = CandidateKind::kSelectCase;
        break;
      default:
        return std::nullopt;
    }
    ++i;
    std::uint64_t id = 0;
    auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + text.size(), id);
    if (ec != std::errc() || ptr == text.data() + i) {
      return std::nullopt;
    }
    i = static_cast<std::size_t>(ptr - text.data());
    if (i < text.size() && text[i] != ' ') {
      return std::nullopt;
    }
    out.push_back({kind, id});
  }
  return out;
}

std::unique_ptr<Strategy> MakeStrategy(const StrategyOptions& options) {
  switch (options.kind) {
    case StrategyKind::kFifo:
      return std::make_unique<FifoStrategy>();
    case StrategyKind::kRandom:
      return std::make_unique<RandomStrategy>(options.seed);
    case StrategyKind::kPct:
      BUBBLE_EXPECT(options.pct_depth >= 1, "pct depth {} is invalid: use a depth of 1 or more",
                    options.pct_depth);
      return std::make_unique<PctStrategy>(options.seed, options.pct_depth, options.pct_horizon);
    case StrategyKind::kReplay:
      return std::make_unique<ReplayStrategy>(options.replay);
  }
  BUBBLE_EXPECT(false, "unknown strategy kind {}", static_cast<int>(options.kind));
  return nullptr;
}

}  // namespace bubble::sim
