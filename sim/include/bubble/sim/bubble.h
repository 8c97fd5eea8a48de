// sim/include/bubble/sim/bubble.h
//
// File: the bubble, bubble's simulation kernel.
//
// A Bubble runs fibers on one OS thread under a scheduler with a virtual clock, in the manner of
// Go's testing/synctest, and goes past it: the order of fibers is chosen by a seeded strategy,
// every choice is recorded, and a run can be replayed from its seed or its decisions.
//
//   bubble::sim::Bubble b({.seed = 7, .strategy = bubble::sim::StrategyKind::kRandom});
//   auto result = b.Run([] {
//     bubble::sim::Channel<int> ch;
//     bubble::sim::Spawn("producer", [&] { bubble::sim::SleepFor(1s); ch.Send(42); });
//     int v = *ch.Recv();                 // virtual time jumps 1s: nothing else can run
//   });
//   CHECK(result.Passed());
//
// Rules (docs/concepts.md):
//  - Fibers switch only at scheduling points: blocking on a bubble primitive, Yield(), Wait(),
//    spawning and exiting. Between two scheduling points a fiber runs alone.
//  - Virtual time starts at 2000-01-01T00:00:00Z and moves only when no fiber can run: the
//    clock jumps to the earliest pending timer.
//  - A fiber blocked on any bubble primitive (including Mutex) is durably blocked.
//  - Run() returns when the root function and every fiber it started have exited. Nothing left
//    to run, no timer pending and fibers still blocked is a deadlock: the run fails with a
//    report naming each blocked fiber, what it waits on and since when.
//  - An exception escaping a fiber, Fail(), a deadlock, the step or time limit, or a replay that
//    diverges ends the run. Fibers still suspended are then unwound (their destructors run).
//    Code on a fiber must not swallow FiberUnwind (catch (...) must rethrow it) and destructors
//    must not block.
//
// Threading: a Bubble and everything created in it belong to the thread that calls Run().
// Several bubbles may run on several threads at once; they share nothing.
// Cost: a scheduling step is a few tens of nanoseconds; spawning reuses pooled stacks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/sim/access_log.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/error.h>
#include <bubble/sim/log.h>
#include <bubble/sim/options.h>
#include <bubble/sim/rng.h>
#include <bubble/sim/strategy.h>
#include <bubble/sim/task.h>
#include <bubble/sim/trace.h>

namespace spdlog {
class logger;
}

namespace bubble::sim {

using FiberId = std::uint64_t;

// Thrown into a suspended fiber when its bubble tears down, to run its destructors. Code that
// catches everything must rethrow it (see RethrowIfUnwinding()).
struct FiberUnwind {};

enum class FailureKind {
  kException,  // an exception escaped a fiber
  kInvariant,  // Fail() was called
  kDeadlock,   // fibers blocked, nothing runnable, no timer pending
  kStepLimit,  // livelock: too many steps at one virtual instant
  kTimeLimit,  // virtual time passed Options::time_limit
  kReplayDiverged,
  kTimerLoop,      // for Options::quiet_limit only timers woke fibers: a loop nobody stops
  kRealTimeLimit,  // the run took longer than Options::real_time_budget of real time
  kNotConverged,   // FailNotConverged(): API writes that never stop (fake::Liveness)
};

std::string_view FailureKindName(FailureKind kind) noexcept;

struct BlockedFiber {
  FiberId id;
  std::string name;
  std::string waits_on;  // "chan recv events"
  FiberId holder;        // who could unblock it, when known (0: unknown)
  TimePoint since;
};

struct Failure {
  FailureKind kind;
  std::string message;
  FiberId fiber = 0;       // where it happened (0: the scheduler)
  std::string fiber_name;  // "bubble" for the scheduler
  TimePoint time;
  std::vector<BlockedFiber> blocked;  // every fiber still blocked when the run ended
};

struct RunResult {
  std::optional<Failure> failure;
  std::uint64_t fingerprint = 0;
  std::uint64_t steps = 0;
  std::uint64_t fibers_spawned = 0;
  TimePoint end_time;
  std::vector<Decision> decisions;  // recorded unless TraceMode::kOff
  std::string report;               // the full failure report; empty on success

  bool Passed() const noexcept { return !failure.has_value(); }

  std::string FingerprintHex() const { return FormatFingerprint(fingerprint); }
};

namespace detail {
class Scheduler;
}

class Bubble {
 public:
  explicit Bubble(Options options = {});
  Bubble(const Bubble&) = delete;
  Bubble& operator=(const Bubble&) = delete;
  ~Bubble();

  // Starts a fiber. Before Run() it is queued to start when Run() begins. From a fiber of this
  // bubble it becomes runnable at once and spawning is a scheduling point: the strategy decides
  // whether the child or the spawner (or anyone else runnable) goes next.
  FiberId Spawn(std::string name, Task fn);

  // Runs until every fiber has exited or the run fails. One-shot: a Bubble runs once.
  RunResult Run();
  // Spawns `root` as fiber "main", then Run().
  RunResult Run(Task root);

  // The bubble whose Run() is executing on this thread, or null.
  static Bubble* Current() noexcept;

  TimePoint Now() const noexcept;
  const Options& GetOptions() const noexcept;
  // User code's generator (a stream separate from the scheduler's).
  Rng& Rand() noexcept;
  Trace& GetTrace() noexcept;
  // The bubble's logger ("bubble"), and per-component loggers sharing its sinks.
  sim::Logger Log() noexcept;
  // For bubble's own components (include <spdlog/logger.h> to use it).
  spdlog::logger& Logger(std::string_view component);

  // The command that reruns this run (Options::replay_command), for messages.
  const std::string& ReplayCommand() const noexcept;

  detail::Scheduler& GetScheduler() noexcept { return *scheduler_; }

  // The run's order facts so far (access_log.h); empty unless Options::coverage.
  AccessOrders Orders() const;

  // The recorder, or null when Options::coverage is off.
  detail::AccessLog* Accesses() noexcept { return access_log_.get(); }

 private:
  std::unique_ptr<detail::Scheduler> scheduler_;
  std::unique_ptr<detail::AccessLog> access_log_;
};

// ---- Calls from inside a running bubble (each throws UsageError outside one). -------------

// Starts a fiber in the current bubble.
FiberId Spawn(std::string name, Task fn);
// Lets the strategy run another runnable fiber (or this one again). Time does not move.
void Yield();
// synctest.Wait: returns once every other fiber in the bubble is durably blocked. Time does not
// move. At most one fiber may be in Wait() at a time.
void Wait();
// The current virtual time.
TimePoint Now();
FiberId CurrentFiberId();
std::string_view CurrentFiberName();
Rng& Rand();
// The running bubble's logger: sim::Log().info("synced {} objects", n) (see log.h).
Logger Log();
// Records a user event in the trace (an instant in the timeline).
void TraceInstant(std::string_view category, std::string_view text);
// Records the start of a user span (a slice in the timeline); returns its id for TraceEnd.
std::uint64_t TraceBegin(std::string_view category, std::string_view name);
void TraceEnd(std::uint64_t span, std::string_view result = {});

// Rethrows the current exception if it is a FiberUnwind. Call it first in any catch (...) that
// can run on a fiber.
void RethrowIfUnwinding();

// Installs bubble's stack-overflow reporter (a SIGSEGV handler on an alternate signal stack)
// again on this thread. A thread's first Run installs it; later runs do not check, since
// checking costs two system calls per run. Call this where something may have replaced the
// handlers since: a test framework that restores the handlers it found after each test case
// (Catch2 does) leaves later test cases with its own report of the crash instead of bubble's,
// which names the fiber, seed and fix. bubble::testing's helpers call it for you.
void ReinstallCrashHandlers();

}  // namespace bubble::sim
