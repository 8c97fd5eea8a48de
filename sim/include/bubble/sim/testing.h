// sim/include/bubble/sim/testing.h
//
// Running Catch2 test bodies in bubbles: one call per test, for one seed or a sweep of seeds and
// strategies. A failing run fails the test with the kernel's report (fiber, virtual time, blocked
// fibers, last trace events) and the command that reruns exactly that seed:
//
//   TEST_CASE("the controller converges", "[controller]") {
//     bubble::sim::testing::RunSeeds({.count = 64}, {}, [](bubble::sim::Bubble& b) {
//       ...  // the body runs as fiber "main" of a fresh bubble for every seed
//     });
//   }
//
// Environment overrides, so a failure printed by CI replays locally without editing the test:
//   BUBBLE_SEED=N          run only seed N
//   BUBBLE_SEEDS=A..B      run seeds A to B (inclusive)
//   BUBBLE_STRATEGY=name   run only this strategy (fifo, random, pct)
// Every seed runs twice by default and the two fingerprints must match: a test that is not
// deterministic fails, naming the first record where the two runs diverge.
//
// Header-only: include it from test code only (it includes Catch2).
#pragma once

#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/sim/bubble.h>

namespace bubble::sim::testing {

struct SeedSweep {
  std::uint64_t first_seed = 1;
  std::uint64_t count = 32;
  std::vector<StrategyKind> strategies = {StrategyKind::kRandom, StrategyKind::kPct};
  bool check_determinism = true;
};

using Body = std::function<void(Bubble&)>;

namespace detail {

inline std::optional<std::uint64_t> ParseU64(std::string_view s) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) {
    return std::nullopt;
  }
  return v;
}

inline std::string TestBinary() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("<test binary>");
}

inline std::string ReplayCommand(std::uint64_t seed, StrategyKind strategy) {
  return fmt::format("BUBBLE_SEED={} BUBBLE_STRATEGY={} {} \"{}\"", seed, StrategyName(strategy),
                     TestBinary(), Catch::getResultCapture().getCurrentTestName());
}

inline RunResult RunBody(Options options, const Body& body) {
  Bubble b(std::move(options));
  return b.Run([&b, &body] { body(b); });
}

// Explains a fingerprint mismatch: reruns both with full traces and finds the first record that
// differs.
inline std::string FirstDivergence(const Options& options, const Body& body) {
  Options full = options;
  full.trace = TraceMode::kFull;
  Bubble a(full);
  a.Run([&a, &body] { body(a); });
  Bubble b(full);
  b.Run([&b, &body] { body(b); });
  const auto& ea = a.GetTrace().Events();
  const auto& eb = b.GetTrace().Events();
  for (std::size_t i = 0; i < std::max(ea.size(), eb.size()); ++i) {
    const bool same = i < ea.size() && i < eb.size() && ea[i].time_ns == eb[i].time_ns &&
                      ea[i].fiber == eb[i].fiber && ea[i].kind == eb[i].kind &&
                      ea[i].arg == eb[i].arg && ea[i].detail == eb[i].detail;
    if (!same) {
      return fmt::format(
          "first divergence at trace record {}:\n  run 1: {}\n  run 2: {}", i + 1,
          i < ea.size() ? FormatEvent(ea[i], a.GetTrace().FiberNames()) : "(end of trace)",
          i < eb.size() ? FormatEvent(eb[i], b.GetTrace().FiberNames()) : "(end of trace)");
    }
  }
  return "the full traces are identical (the divergence depends on the trace mode)";
}

}  // namespace detail

// Runs `body` once as the root fiber of a fresh bubble with `options`; fails the current test
// with the run's report if the run fails. Returns the result for further checks.
inline RunResult RunOnce(Options options, const Body& body) {
  const std::uint64_t seed = options.seed;
  const StrategyKind strategy = options.strategy;
  if (options.replay_command.empty()) {
    options.replay_command = detail::ReplayCommand(seed, strategy);
  }
  RunResult r = detail::RunBody(options, body);
  if (!r.Passed()) {
    FAIL(fmt::format("seed {} strategy {} failed:\n{}", seed, StrategyName(strategy), r.report));
  }
  return r;
}

// Runs `body` over the seeds and strategies of `sweep` (or those the environment names), each in
// a fresh bubble built from `base` with the seed and strategy filled in. Stops at the first
// failing seed and fails the test with its report and replay command. With
// sweep.check_determinism every seed runs twice and the fingerprints must match.
inline void RunSeeds(const SeedSweep& sweep, const Options& base, const Body& body) {
  std::uint64_t first = sweep.first_seed;
  std::uint64_t count = sweep.count;
  std::vector<StrategyKind> strategies = sweep.strategies;
  if (const char* env = std::getenv("BUBBLE_SEED")) {
    auto seed = detail::ParseU64(env);
    if (!seed) {
      FAIL(fmt::format("BUBBLE_SEED=\"{}\" is not a seed: use a non-negative integer", env));
    }
    first = *seed;
    count = 1;
  } else if (const char* range = std::getenv("BUBBLE_SEEDS")) {
    const std::string_view s(range);
    const auto dots = s.find("..");
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    bool ok = dots != std::string_view::npos;
    if (ok) {
      const auto pa = detail::ParseU64(s.substr(0, dots));
      const auto pb = detail::ParseU64(s.substr(dots + 2));
      ok = pa.has_value() && pb.has_value();
      a = pa.value_or(0);
      b = pb.value_or(0);
    }
    if (!ok || b < a) {
      FAIL(fmt::format("BUBBLE_SEEDS=\"{}\" is not a seed range: use A..B with A <= B", range));
    }
    first = a;
    count = b - a + 1;
  }
  if (const char* env = std::getenv("BUBBLE_STRATEGY")) {
    auto kind = ParseStrategy(env);
    if (!kind || *kind == StrategyKind::kReplay) {
      FAIL(fmt::format("BUBBLE_STRATEGY=\"{}\" is not a strategy: use fifo, random or pct", env));
    }
    strategies = {*kind};
  }
  for (StrategyKind strategy : strategies) {
    for (std::uint64_t seed = first; seed < first + count; ++seed) {
      Options options = base;
      options.seed = seed;
      options.strategy = strategy;
      options.replay_command = detail::ReplayCommand(seed, strategy);
      RunResult r = detail::RunBody(options, body);
      if (!r.Passed()) {
        FAIL(
            fmt::format("seed {} strategy {} failed:\n{}", seed, StrategyName(strategy), r.report));
      }
      if (sweep.check_determinism) {
        RunResult again = detail::RunBody(options, body);
        if (again.fingerprint != r.fingerprint || !again.Passed()) {
          FAIL(fmt::format(
              "seed {} strategy {} is not deterministic: fingerprints {} and {}\n{}\nreplay: {}",
              seed, StrategyName(strategy), r.FingerprintHex(), again.FingerprintHex(),
              detail::FirstDivergence(options, body), options.replay_command));
        }
      }
    }
  }
}

}  // namespace bubble::sim::testing
