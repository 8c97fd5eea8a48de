// sim/demo/kernel_demo.cc
//
// bubble's kernel in one page: a lost-update race, found by seeded exploration, replayed byte
// for byte from its seed, drawn as a timeline, and shown fixed.
//
// Two "controllers" each read a shared counter, make a call that lets other fibers run (an API
// call, say), then write back counter + 1. Under the plain event loop
// (fifo) the race never shows; the random and pct strategies find seeds where both read the
// same value and one increment is lost. The fixed version holds a bubble Mutex across the
// read-modify-write.
//
//   bubble_sim_demo [--seeds N] [--trace FILE]
//   bubble_sim_demo --replay SEED STRATEGY      (one run, its log and report)
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/mutex.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

namespace sim = bubble::sim;
using namespace std::chrono_literals;

namespace {

// The program under test. `locked` selects the fixed version.
void Program(bool locked) {
  int counter = 0;
  sim::Mutex mu("counter");
  sim::WaitGroup wg("writers");
  for (int w = 0; w < 2; ++w) {
    wg.Go(fmt::format("writer-{}", w), [&] {
      std::optional<std::unique_lock<sim::Mutex>> lock;
      if (locked) {
        lock.emplace(mu);
      }
      const int seen = counter;
      sim::Log().info("read {}", seen);
      sim::Yield();  // the "API call": a scheduling point between read and write
      counter = seen + 1;
      sim::Log().info("wrote {}", seen + 1);
    });
  }
  wg.Wait();
  if (counter != 2) {
    sim::Fail(fmt::format("lost update: two increments left the counter at {}", counter));
  }
}

sim::RunResult RunOnce(std::uint64_t seed, sim::StrategyKind strategy, bool locked,
                       sim::TraceMode trace, std::string* chrome_json = nullptr) {
  sim::Options o;
  o.seed = seed;
  o.strategy = strategy;
  o.trace = trace;
  o.pct_horizon = 10;  // about the number of decisions this program makes
  o.replay_command =
      fmt::format("bubble_sim_demo --replay {} {}", seed, sim::StrategyName(strategy));
  sim::Bubble b(o);
  sim::RunResult r = b.Run([locked] { Program(locked); });
  if (chrome_json != nullptr) {
    std::ostringstream out;
    const std::string meta =
        fmt::format(R"({{"seed":{},"strategy":"{}","decisions":"{}"}})", seed,
                    sim::StrategyName(strategy), sim::FormatDecisions(r.decisions));
    b.GetTrace().WriteChromeJson(out, meta);
    *chrome_json = out.str();
  }
  return r;
}

struct SweepOutcome {
  int failed = 0;
  std::optional<std::uint64_t> first_failure;
};

SweepOutcome Sweep(sim::StrategyKind strategy, bool locked, std::uint64_t seeds) {
  SweepOutcome out;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    if (!RunOnce(seed, strategy, locked, sim::TraceMode::kFingerprint).Passed()) {
      ++out.failed;
      if (!out.first_failure) {
        out.first_failure = seed;
      }
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seeds = 200;
  std::string trace_path = "bubble-demo-trace.json";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
      seeds = std::stoull(argv[++i]);
    } else if (std::strcmp(argv[i], "--replay") == 0 && i + 2 < argc) {
      const auto strategy = sim::ParseStrategy(argv[i + 2]);
      if (!strategy) {
        std::fprintf(stderr, "unknown strategy '%s': use fifo, random or pct\n", argv[i + 2]);
        return 2;
      }
      sim::Options o;
      o.seed = std::stoull(argv[i + 1]);
      o.strategy = *strategy;
      o.log_level = sim::LogLevel::kInfo;
      sim::Bubble b(o);
      const sim::RunResult r = b.Run([] { Program(false); });
      fmt::print("{}fingerprint: {}\nresult: {}\n", r.report, r.FingerprintHex(),
                 r.Passed() ? "pass" : "fail");
      return r.Passed() ? 0 : 1;
    } else if (std::strcmp(argv[i], "--trace") == 0 && i + 1 < argc) {
      trace_path = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--seeds N] [--trace FILE]\n", argv[0]);
      return 2;
    }
  }

  fmt::print("bubble kernel demo: two writers, one read-modify-write race\n\n");
  const sim::RunResult fifo =
      RunOnce(1, sim::StrategyKind::kFifo, false, sim::TraceMode::kFingerprint);
  fmt::print("fifo (the plain event loop), seed 1: {}  fingerprint {}\n",
             fifo.Passed() ? "pass" : "FAIL", fifo.FingerprintHex());

  std::optional<std::uint64_t> found;
  sim::StrategyKind found_with = sim::StrategyKind::kRandom;
  for (sim::StrategyKind s : {sim::StrategyKind::kRandom, sim::StrategyKind::kPct}) {
    const SweepOutcome o = Sweep(s, false, seeds);
    fmt::print("{:<6} seeds 1..{}: {} passed, {} failed", sim::StrategyName(s), seeds,
               seeds - static_cast<std::uint64_t>(o.failed), o.failed);
    if (o.first_failure) {
      fmt::print("  (first failing seed: {})", *o.first_failure);
      if (!found) {
        found = o.first_failure;
        found_with = s;
      }
    }
    fmt::print("\n");
  }
  if (!found) {
    fmt::print("\nno seed found the race: the demo expected one\n");
    return 1;
  }

  std::string chrome;
  const sim::RunResult a = RunOnce(*found, found_with, false, sim::TraceMode::kFull, &chrome);
  const sim::RunResult b = RunOnce(*found, found_with, false, sim::TraceMode::kFull);
  fmt::print("\nreplaying seed {} ({}) twice: fingerprints {} and {} — {}\n", *found,
             sim::StrategyName(found_with), a.FingerprintHex(), b.FingerprintHex(),
             a.fingerprint == b.fingerprint ? "identical" : "DIFFERENT");
  sim::Options replay;
  replay.strategy = sim::StrategyKind::kReplay;
  replay.replay = a.decisions;
  replay.seed = *found;  // user-code randomness still comes from the seed
  sim::Bubble rb(replay);
  const sim::RunResult c = rb.Run([] { Program(false); });
  fmt::print("replaying its {} recorded decisions: fingerprint {} — {}\n\n", a.decisions.size(),
             c.FingerprintHex(), c.fingerprint == a.fingerprint ? "identical" : "DIFFERENT");
  fmt::print("{}\n", a.report);
  std::ofstream(trace_path) << chrome;
  fmt::print("timeline written to {} (open it in https://ui.perfetto.dev or chrome://tracing)\n\n",
             trace_path);

  int fixed_failures = 0;
  for (sim::StrategyKind s : {sim::StrategyKind::kRandom, sim::StrategyKind::kPct}) {
    const SweepOutcome o = Sweep(s, true, seeds);
    fixed_failures += o.failed;
    fmt::print("fixed (mutex held), {:<6} seeds 1..{}: {} passed, {} failed\n",
               sim::StrategyName(s), seeds, seeds - static_cast<std::uint64_t>(o.failed), o.failed);
  }
  const bool ok = a.fingerprint == b.fingerprint && c.fingerprint == a.fingerprint &&
                  fixed_failures == 0 && fifo.Passed();
  fmt::print("\nresult: {}\n",
             ok ? "the race was found, replayed, and the fix holds" : "unexpected");
  return ok ? 0 : 1;
}
