// sim/include/bubble/sim/options.h
//
// Everything that, with the program, determines a run: a run is a pure function of
// (program, Options). Options are plain data; copy them freely.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <bubble/sim/clock.h>
#include <bubble/sim/log.h>
#include <bubble/sim/preempt.h>
#include <bubble/sim/settle_phase.h>
#include <bubble/sim/strategy.h>
#include <bubble/sim/trace.h>

namespace bubble::sim {

// 64 KiB per fiber, doubled under AddressSanitizer (its redzones inflate frames).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr std::size_t kDefaultStackSize = 128 * 1024;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr std::size_t kDefaultStackSize = 128 * 1024;
#else
inline constexpr std::size_t kDefaultStackSize = 64 * 1024;
#endif
#else
inline constexpr std::size_t kDefaultStackSize = 64 * 1024;
#endif

// The PCT horizon of a run whose Options::pct_horizon is not set.
inline constexpr std::uint64_t kDefaultPctHorizon = 100;

// A look at a run's state at one virtual instant (`bubble run --pause-at`, docs/cli.md).
struct InstantObserver {
  TimePoint at{};
  // Called once, on the scheduler with no fiber current: when every step at virtual times up to
  // `at` has run (the loop is about to move the clock past it), or when the run ends first (pass
  // or fail, before its fibers are unwound). It may only read state: no blocking, spawning,
  // primitives, random draws or trace records. The run then goes on as if it were not there, so
  // its decisions and fingerprint are the same.
  std::function<void()> observe{};
};

struct Options {
  std::uint64_t seed = 1;
  StrategyKind strategy = StrategyKind::kFifo;
  int pct_depth = 3;
  // PCT draws its change points among the first pct_horizon decisions; its guarantee assumes
  // this is about the number of decisions a run makes (RunResult::decisions.size()). 0: not set
  // — bubble's scenario runner and test helper measure it (the decisions of a fifo run of the
  // same program, MeasurePctHorizon); a Bubble run on its own then uses kDefaultPctHorizon.
  std::uint64_t pct_horizon = 0;
  std::vector<Decision> replay{};  // decisions to follow under StrategyKind::kReplay
  // A strategy of your own: when set, the bubble asks it instead of the built-in `strategy`
  // (which then only names the run in reports). It must be a pure function of its inputs.
  std::function<std::unique_ptr<Strategy>()> custom_strategy{};
  // Where a running fiber may be preempted without blocking (preempt.h): requests to the fake
  // API server, cache reads, locks and notifies, workqueue calls. Fewer kinds make runs shorter
  // and hide the races that live between them.
  PreemptSet preempt = PreemptSet::All();
  // Order coverage (access_log.h): record which fibers access which objects of the fake API
  // server and the informer caches in which order, for Bubble::Orders(). Recording changes no
  // decision and no fingerprint; off, an access costs a branch.
  bool coverage = false;

  // Every fiber stack has a guard gap below it as large as a thread's default stack, so an
  // overflow is reported however the code on it was compiled. Each stack costs two kernel memory
  // mappings: with the default vm.max_map_count (65530) about 28,000 fibers can be alive at
  // once in a process; a Spawn beyond that fails with a usage error naming the limit.
  std::size_t stack_size = kDefaultStackSize;
  // Bounds the fibers alive at once (a runaway spawner fails fast, with the spawn's name and
  // this limit, instead of exhausting memory). 0: only the memory-map limit above.
  std::size_t max_live_fibers = 0;

  // Livelock bound: scheduling steps allowed at one virtual instant.
  std::uint64_t step_limit = 10'000'000;
  // Runaway bound: the run fails when virtual time passes Epoch() + time_limit.
  Duration time_limit = std::chrono::hours(24 * 365);
  // Forgotten-poller bound: the run fails when, for this long in virtual time and over at least
  // 100 timer firings, only timers woke fibers (no fiber woke another; spawns do not count): what
  // is left is a loop nobody stops. 0: off.
  Duration quiet_limit = std::chrono::hours(24);
  // Real time a run may take before it fails, with a report of what kept virtual time moving.
  // Real time decides nothing in a run; it only ends one that takes too long, so a run that
  // passes has the same fingerprint on any machine. 0: off.
  std::chrono::milliseconds real_time_budget{120'000};
  // Real time a fiber may run without returning to the scheduler before the watchdog reports
  // it and aborts the process (the only use of real time, and only to report). 0: off.
  std::chrono::milliseconds watchdog{60'000};

  TraceMode trace = TraceMode::kFingerprint;
  std::size_t trace_tail = 32;  // records shown in a failure report

  // Log lines at or above `trace_log_level` are trace records (and so part of the fingerprint);
  // lines at or above `log_level` are also printed to stderr. Printing never changes the
  // fingerprint.
  LogLevel log_level = LogLevel::kWarn;
  LogLevel trace_log_level = LogLevel::kInfo;

  // The command that reruns this run, printed in failure reports (set by the CLI and the test
  // helper; the kernel cannot know it).
  std::string replay_command{};

  // The run's settle phase (settle_phase.h), read by fake::Liveness::Settle(); unset: a run
  // without one (Settle() then uses SettlePhase's defaults).
  std::optional<SettlePhase> settle{};

  // See InstantObserver; unset: none. Not part of the run's identity.
  std::optional<InstantObserver> observe_instant{};
};

}  // namespace bubble::sim
