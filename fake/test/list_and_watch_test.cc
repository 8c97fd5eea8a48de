// The seed: client-go's TestListAndWatch (docs/semantics.md §2.1) in a bubble. The faithful port
// forces the Go test's order (the Watch waits until cm2 exists), so it passes only because the
// fake's Watch replays what happened after the listed resourceVersion. Its log is the seed
// commit's, stamped with virtual time. With the planted bugs that undo the fix the object is
// lost, on every seed, with a fingerprint that repeats run after run.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/trace.h>

#include "list_and_watch_port.h"

namespace ft = bubble::fake::testing;
namespace sim = bubble::sim;

namespace {

struct Run {
  sim::RunResult result;
  ft::ListAndWatchOutcome outcome;
  // "<virtual time> <message>" for every line the test body logged.
  std::vector<std::string> log;
};

Run RunPortOnce(const ft::ListAndWatchConfig& cfg, sim::Options options) {
  options.trace = sim::TraceMode::kFull;
  Run run;
  sim::Bubble b(options);
  run.result = b.Run([&] { ft::ListAndWatchBody(cfg, run.outcome); });
  for (const sim::TraceEvent& e : b.GetTrace().Events()) {
    if (e.kind == sim::EventKind::kLog && e.detail.starts_with("\"")) {
      run.log.push_back(fmt::format(
          "I{} {}", sim::FormatKlogTime(sim::Clock::Epoch() + std::chrono::nanoseconds(e.time_ns)),
          e.detail));
    }
  }
  return run;
}

// Runs the port twice with `options`: the two runs must agree on the fingerprint, the log and
// every recorded outcome. Returns the first.
Run RunPort(const ft::ListAndWatchConfig& cfg, sim::Options options = {}) {
  Run run = RunPortOnce(cfg, options);
  const Run again = RunPortOnce(cfg, options);
  INFO("seed " << options.seed << " strategy " << sim::StrategyName(options.strategy));
  CHECK(again.result.fingerprint == run.result.fingerprint);
  CHECK(again.log == run.log);
  CHECK(again.outcome == run.outcome);
  return run;
}

ft::ListAndWatchConfig WithBug(std::string_view bug, bool initially_empty = false) {
  ft::ListAndWatchConfig cfg;
  REQUIRE(cfg.server.bugs.Enable(bug));
  cfg.initially_empty = initially_empty;
  return cfg;
}

std::size_t IndexOf(const std::vector<std::string>& log, std::string_view message) {
  for (std::size_t i = 0; i < log.size(); ++i) {
    if (log[i].ends_with(message)) {
      return i;
    }
  }
  FAIL("no log line " << message);
  return 0;
}

}  // namespace

TEST_CASE("TestListAndWatch: the faithful port passes with the seed's log at 0 s",
          "[list-and-watch][seed]") {
  const ft::ListAndWatchConfig cfg;  // channel-based wait, RealFIFO
  Run run = RunPort(cfg);
  INFO(run.result.report);
  REQUIRE(run.result.Passed());
  const ft::ListAndWatchOutcome& o = run.outcome;
  CHECK(o.objects_after_sync == 1);
  CHECK(o.objects_at_end == 2);
  CHECK(o.adds == 2);
  CHECK(o.updates == 0);
  CHECK(o.deletes == 0);
  CHECK(o.handler_synced);
  CHECK(o.list_rv == "2");
  CHECK(o.watch_rv == "2");
  CHECK(run.log == std::vector<std::string>{
                       "I0101 00:00:00.000000 \"Listed\" configMaps=1 err=<nil>",
                       "I0101 00:00:00.000000 \"Delaying Watch...\"",
                       "I0101 00:00:00.000000 \"Caches synced\"",
                       "I0101 00:00:00.000000 \"Created second ConfigMap\"",
                       "I0101 00:00:00.000000 \"Continuing Watch...\"",
                   });
}

TEST_CASE("TestListAndWatch: the polling wait syncs at 00:00:00.100000, as the seed's log shows",
          "[list-and-watch][seed]") {
  ft::ListAndWatchConfig cfg;
  cfg.wait = ft::SyncWait::kPolling;
  Run run = RunPort(cfg);
  INFO(run.result.report);
  REQUIRE(run.result.Passed());
  CHECK(ft::ListAndWatchPassed(cfg, run.outcome));
  CHECK(run.log == std::vector<std::string>{
                       "I0101 00:00:00.000000 \"Listed\" configMaps=1 err=<nil>",
                       "I0101 00:00:00.000000 \"Delaying Watch...\"",
                       "I0101 00:00:00.100000 \"Caches synced\"",
                       "I0101 00:00:00.100000 \"Created second ConfigMap\"",
                       "I0101 00:00:00.100000 \"Continuing Watch...\"",
                   });
}

TEST_CASE("TestListAndWatch passes on 1000 seeds under random and pct, both FIFOs and waits",
          "[list-and-watch][sweep]") {
  const auto strategy = GENERATE(sim::StrategyKind::kRandom, sim::StrategyKind::kPct);
  const auto wait = GENERATE(ft::SyncWait::kChannel, ft::SyncWait::kPolling);
  const auto fifo =
      GENERATE(bubble::runtime::cache::FifoKind::kReal, bubble::runtime::cache::FifoKind::kDelta);
  ft::ListAndWatchConfig cfg;
  cfg.wait = wait;
  cfg.fifo = fifo;
  // The full 1000 seeds for the default configuration, 200 for the variants.
  const bool main_config =
      wait == ft::SyncWait::kChannel && fifo == bubble::runtime::cache::FifoKind::kReal;
  const std::uint64_t seeds = main_config ? 1000 : 200;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    Run run = RunPort(cfg, {.seed = seed, .strategy = strategy});
    if (!run.result.Passed() || !ft::ListAndWatchPassed(cfg, run.outcome)) {
      FAIL(fmt::format("seed {} strategy {} failed: objects {} adds {} updates {} synced {}\n{}",
                       seed, sim::StrategyName(strategy), run.outcome.objects_at_end,
                       run.outcome.adds, run.outcome.updates, run.outcome.handler_synced,
                       run.result.report));
    }
    // The order the Go test forces holds whatever the schedule; the rest may interleave.
    const std::vector<std::string>& log = run.log;
    REQUIRE(log.size() == 5);
    CHECK(IndexOf(log, "\"Listed\" configMaps=1 err=<nil>") == 0);
    CHECK(IndexOf(log, "\"Caches synced\"") < IndexOf(log, "\"Created second ConfigMap\""));
    CHECK(IndexOf(log, "\"Created second ConfigMap\"") < IndexOf(log, "\"Continuing Watch...\""));
    CHECK(IndexOf(log, "\"Delaying Watch...\"") < IndexOf(log, "\"Continuing Watch...\""));
  }
}

TEST_CASE("TestListAndWatch with legacy-watch loses cm2 on every seed, deterministically",
          "[list-and-watch][planted-bug]") {
  const ft::ListAndWatchConfig cfg = WithBug("legacy-watch");
  const auto strategy =
      GENERATE(sim::StrategyKind::kFifo, sim::StrategyKind::kRandom, sim::StrategyKind::kPct);
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    Run run = RunPort(cfg, {.seed = seed, .strategy = strategy});
    INFO("seed " << seed << "\n" << run.result.report);
    REQUIRE(run.result.Passed());
    CHECK_FALSE(ft::ListAndWatchPassed(cfg, run.outcome));
    CHECK(run.outcome.objects_after_sync == 1);
    CHECK(run.outcome.objects_at_end == 1);  // cm2 was created before the Watch: lost
    CHECK(run.outcome.adds == 1);
  }
}

TEST_CASE("TestListAndWatch with seed-empty-rv and an empty collection loses cm2",
          "[list-and-watch][planted-bug]") {
  // The seed's fix alone: List of a never-written collection says "", the Watch from "" replays
  // nothing (fixed in client-go by 42c6ae81a).
  const ft::ListAndWatchConfig cfg = WithBug("seed-empty-rv", /*initially_empty=*/true);
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    Run run = RunPort(cfg, {.seed = seed, .strategy = sim::StrategyKind::kRandom});
    INFO("seed " << seed << "\n" << run.result.report);
    REQUIRE(run.result.Passed());
    CHECK(run.outcome.list_rv.empty());
    CHECK(run.outcome.watch_rv.empty());
    CHECK(run.outcome.objects_after_sync == 0);
    CHECK(run.outcome.objects_at_end == 0);
    CHECK_FALSE(ft::ListAndWatchPassed(cfg, run.outcome));
  }
}

TEST_CASE("TestListAndWatch from an empty collection passes without the planted bug",
          "[list-and-watch]") {
  ft::ListAndWatchConfig cfg;
  cfg.initially_empty = true;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    Run run = RunPort(cfg, {.seed = seed, .strategy = sim::StrategyKind::kPct});
    INFO("seed " << seed << "\n" << run.result.report);
    REQUIRE(run.result.Passed());
    CHECK(ft::ListAndWatchPassed(cfg, run.outcome));
    CHECK(run.outcome.list_rv == run.outcome.watch_rv);
    CHECK_FALSE(run.outcome.list_rv.empty());
  }
}
