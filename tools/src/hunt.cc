// tools/src/hunt.cc
#include "hunt.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <limits>
#include <set>
#include <thread>

#include <fmt/format.h>

namespace bubble::cli {

namespace sc = bubble::scenarios;

namespace {

constexpr std::uint64_t kNotFound = std::numeric_limits<std::uint64_t>::max();

// One cell's work: a bug, a strategy and a window of seeds.
struct HuntTask {
  std::size_t bug;
  std::size_t strategy;
  std::uint64_t window;
};

// Seeds up to and including the first failing one in `window`, or kNotFound.
std::uint64_t SeedsToFind(const sc::ResolvedRun& base, const HuntStrategy& strategy,
                          std::uint64_t first_seed, std::uint64_t size) {
  for (std::uint64_t i = 0; i < size; ++i) {
    sc::ResolvedRun run = base;
    run.seed = first_seed + i;
    if (strategy.portfolio) {
      const sc::PortfolioEntry e = sc::PortfolioFor(run.seed);
      run.strategy = e.strategy;
      run.pct_depth = e.pct_depth;
    } else {
      run.strategy = strategy.strategy;
      run.pct_depth = strategy.pct_depth;
    }
    if (!sc::RunScenario(run).Passed()) {
      return i + 1;
    }
  }
  return kNotFound;
}

std::string Count(std::uint64_t n, std::uint64_t size) {
  return n == kNotFound ? fmt::format(">{}", size) : std::to_string(n);
}

// The median of the windows (the lower middle one of an even count: a window that found nothing
// counts as more than any that did).
std::uint64_t Median(std::vector<std::uint64_t> v) {
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

}  // namespace

std::vector<HuntStrategy> HuntStrategies(const std::vector<int>& pct_depths) {
  // fifo explores nothing (no preemption at all): a bug it finds needs no interleaving.
  std::vector<HuntStrategy> out{{.name = "fifo", .strategy = sim::StrategyKind::kFifo},
                                {.name = "random", .strategy = sim::StrategyKind::kRandom}};
  std::set<int> depths(pct_depths.begin(), pct_depths.end());
  if (depths.empty()) {
    for (const sc::PortfolioEntry& e : sc::Portfolio()) {
      if (e.strategy == sim::StrategyKind::kPct) {
        depths.insert(e.pct_depth);
      }
    }
  }
  for (int d : depths) {
    out.push_back(
        {.name = fmt::format("pct d={}", d), .strategy = sim::StrategyKind::kPct, .pct_depth = d});
  }
  out.push_back({.name = "portfolio", .portfolio = true});
  return out;
}

int Hunt(const HuntSpec& spec) {
  const std::vector<HuntStrategy> strategies = HuntStrategies(spec.pct_depths);
  std::vector<sc::ResolvedRun> bases;
  for (const auto& [scenario, bug] : spec.bugs) {
    sc::RunConfig c = spec.base;
    c.bugs = {bug};
    c.trace = sim::TraceMode::kOff;  // only pass or fail matters
    c.log_level = sim::LogLevel::kOff;
    bases.push_back(sc::ResolveRun(*scenario, c));
  }
  std::vector<HuntTask> tasks;
  for (std::size_t b = 0; b < bases.size(); ++b) {
    for (std::size_t s = 0; s < strategies.size(); ++s) {
      for (std::uint64_t w = 0; w < spec.windows; ++w) {
        tasks.push_back({b, s, w});
      }
    }
  }
  // seed 1 under each strategy, per bug (the strategies' first window starts at seed 1).
  std::vector<std::uint64_t> results(tasks.size(), kNotFound);
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < tasks.size(); i = next++) {
      const HuntTask& t = tasks[i];
      results[i] = SeedsToFind(bases[t.bug], strategies[t.strategy],
                               t.window * spec.window_size + 1, spec.window_size);
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < spec.jobs; ++j) {
    threads.emplace_back(work);
  }
  work();
  for (std::thread& t : threads) {
    t.join();
  }

  std::string header = "| scenario | bug | seed 1 fails under |";
  std::string rule = "|---|---|---|";
  for (const HuntStrategy& s : strategies) {
    header += fmt::format(" {} |", s.name);
    rule += "---|";
  }
  if (spec.markdown) {
    std::fputs(fmt::format("{}\n{}\n", header, rule).c_str(), stdout);
  }
  bool all_found = true;
  std::size_t i = 0;
  for (std::size_t b = 0; b < bases.size(); ++b) {
    std::string row = fmt::format("| {} | {} |", spec.bugs[b].first->name, spec.bugs[b].second);
    std::string detail;
    std::size_t seed_one = 0;
    std::string cells;
    for (std::size_t s = 0; s < strategies.size(); ++s) {
      std::vector<std::uint64_t> found(
          results.begin() + static_cast<std::ptrdiff_t>(i),
          results.begin() + static_cast<std::ptrdiff_t>(i + spec.windows));
      i += spec.windows;
      seed_one += found.front() == 1 ? 1 : 0;
      const std::uint64_t worst = *std::max_element(found.begin(), found.end());
      if (strategies[s].portfolio && worst == kNotFound) {
        all_found = false;
      }
      cells += fmt::format(" {} / {} |", Count(Median(found), spec.window_size),
                           Count(worst, spec.window_size));
      std::string windows;
      for (std::uint64_t n : found) {
        windows += (windows.empty() ? "" : " ") + Count(n, spec.window_size);
      }
      detail += fmt::format("  {:<10} median {:>5}  worst {:>5}  windows: {}\n", strategies[s].name,
                            Count(Median(found), spec.window_size), Count(worst, spec.window_size),
                            windows);
    }
    const std::string seed_one_text = seed_one == strategies.size() ? "every strategy"
                                      : seed_one == 0
                                          ? "none"
                                          : fmt::format("{} of {}", seed_one, strategies.size());
    if (spec.markdown) {
      std::fputs(fmt::format("{} {} |{}\n", row, seed_one_text, cells).c_str(), stdout);
    } else {
      std::fputs(fmt::format("{} --bug {} (seed 1 fails under {}):\n{}", spec.bugs[b].first->name,
                             spec.bugs[b].second, seed_one_text, detail)
                     .c_str(),
                 stdout);
    }
  }
  if (spec.markdown) {
    std::fputs(fmt::format("\nmedian / worst seeds to find over {} windows of {} seeds "
                           "(window w: seeds {}w+1..{}(w+1)); >{}: not found in a window\n",
                           spec.windows, spec.window_size, spec.window_size, spec.window_size,
                           spec.window_size)
                   .c_str(),
               stdout);
  }
  return all_found ? 0 : 1;
}

}  // namespace bubble::cli
