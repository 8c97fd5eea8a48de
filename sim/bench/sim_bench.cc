// sim/bench/sim_bench.cc
//
// The kernel's costs, each next to its baseline: a raw Boost.Context round trip (loop -> fiber
// -> loop), so that scheduler numbers read as ratios of the physical switch cost.
//
//   ./build/default/sim/bubble_sim_bench --benchmark_repetitions=5 \
//       --benchmark_report_aggregates_only=true
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/context/fiber.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/event.h>
#include <bubble/sim/preempt.h>
#include <bubble/sim/timer.h>

namespace sim = bubble::sim;
namespace ctx = boost::context;

namespace {

sim::Options BenchOptions(sim::StrategyKind strategy, sim::TraceMode trace) {
  sim::Options o;
  o.strategy = strategy;
  o.trace = trace;
  o.watchdog = std::chrono::milliseconds(0);
  o.step_limit = ~std::uint64_t{0};
  return o;
}

void RunOrAbort(sim::Bubble& b, sim::Task root) {
  sim::RunResult r = b.Run(std::move(root));
  if (!r.Passed()) {
    std::fprintf(stderr, "%s\n", r.report.c_str());
    std::abort();
  }
}

// Baseline: one round trip loop -> fiber -> loop on a raw Boost.Context fiber. It runs first and
// again last (BM_RawFiberRoundTrip_sentinel_end): the VM has slow periods, and a run whose two
// baselines differ much was taken in one and is not worth quoting.
void BM_RawFiberRoundTrip(benchmark::State& state) {
  bool done = false;
  ctx::fiber f{[&done](ctx::fiber&& loop) {
    while (!done) {
      loop = std::move(loop).resume();
    }
    return std::move(loop);
  }};
  for (auto _ : state) {
    f = std::move(f).resume();
  }
  done = true;
  f = std::move(f).resume();
}

BENCHMARK(BM_RawFiberRoundTrip)->MinTime(0.05);

// One fiber yielding: fiber -> scheduler -> fiber, the same two switches as the baseline plus the
// scheduler's bookkeeping (ready queue, step counters, trace record).
void BM_YieldRoundTrip(benchmark::State& state, sim::StrategyKind strategy, sim::TraceMode trace) {
  sim::Bubble b(BenchOptions(strategy, trace));
  RunOrAbort(b, [&] {
    for (auto _ : state) {
      sim::Yield();
    }
  });
}

BENCHMARK_CAPTURE(BM_YieldRoundTrip, fifo_trace_off, sim::StrategyKind::kFifo,
                  sim::TraceMode::kOff);
BENCHMARK_CAPTURE(BM_YieldRoundTrip, fifo_fingerprint, sim::StrategyKind::kFifo,
                  sim::TraceMode::kFingerprint);
BENCHMARK_CAPTURE(BM_YieldRoundTrip, random_fingerprint, sim::StrategyKind::kRandom,
                  sim::TraceMode::kFingerprint);

// Two fibers yielding to each other: every step is a choice, so a decision is recorded each time.
void BM_YieldPingPong(benchmark::State& state, sim::StrategyKind strategy, sim::TraceMode trace) {
  sim::Bubble b(BenchOptions(strategy, trace));
  bool stop = false;  // outlives both fibers: main's frame is gone before the partner exits
  RunOrAbort(b, [&] {
    sim::Spawn("partner", [&] {
      while (!stop) {
        sim::Yield();
      }
    });
    for (auto _ : state) {
      sim::Yield();
    }
    stop = true;
  });
}

BENCHMARK_CAPTURE(BM_YieldPingPong, fifo_fingerprint, sim::StrategyKind::kFifo,
                  sim::TraceMode::kFingerprint);
BENCHMARK_CAPTURE(BM_YieldPingPong, random_fingerprint, sim::StrategyKind::kRandom,
                  sim::TraceMode::kFingerprint);
BENCHMARK_CAPTURE(BM_YieldPingPong, pct_fingerprint, sim::StrategyKind::kPct,
                  sim::TraceMode::kFingerprint);

// A preemption point (preempt.h) as a cache read makes one: the instant "cache: get <key>" in
// the trace, and a decision when another fiber is ready. Alone, nothing else is ready: the
// point records its instant and goes on. With a runnable partner under fifo, every point is a
// decision (the strategy is asked and picks the running fiber), and a switch only at the end
// of each time slice (kPreemptionSlice points: the partner runs once and yields back).
void BM_PreemptionPoint(benchmark::State& state, bool partner, sim::TraceMode trace) {
  sim::Bubble b(BenchOptions(sim::StrategyKind::kFifo, trace));
  bool stop = false;  // outlives both fibers
  RunOrAbort(b, [&] {
    if (partner) {
      // Ready all along: under fifo, main's points never pick it, and it runs only when main
      // has ended.
      sim::Spawn("partner", [&] {
        while (!stop) {
          sim::Yield();
        }
      });
    }
    for (auto _ : state) {
      sim::PreemptionPoint(sim::PreemptKind::kCache, "cache: get", "default/cm1");
    }
    stop = true;
  });
}

BENCHMARK_CAPTURE(BM_PreemptionPoint, alone_trace_off, false, sim::TraceMode::kOff);
BENCHMARK_CAPTURE(BM_PreemptionPoint, alone_fingerprint, false, sim::TraceMode::kFingerprint);
BENCHMARK_CAPTURE(BM_PreemptionPoint, runnable_fifo_trace_off, true, sim::TraceMode::kOff);
BENCHMARK_CAPTURE(BM_PreemptionPoint, runnable_fifo_fingerprint, true,
                  sim::TraceMode::kFingerprint);

// A value handed from one fiber to another through a channel (per value).
void BM_ChannelHandoff(benchmark::State& state, std::size_t capacity, sim::TraceMode trace) {
  sim::Bubble b(BenchOptions(sim::StrategyKind::kFifo, trace));
  sim::Channel<int> ch(capacity, "bench");  // outlives the consumer, which exits after main
  RunOrAbort(b, [&] {
    sim::Spawn("consumer", [&] {
      while (ch.Recv()) {
      }
    });
    int i = 0;
    for (auto _ : state) {
      ch.Send(i++);
    }
    ch.Close();
  });
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_ChannelHandoff, unbuffered_trace_off, 0, sim::TraceMode::kOff);
BENCHMARK_CAPTURE(BM_ChannelHandoff, unbuffered_fingerprint, 0, sim::TraceMode::kFingerprint);
BENCHMARK_CAPTURE(BM_ChannelHandoff, buffered64_trace_off, 64, sim::TraceMode::kOff);
BENCHMARK_CAPTURE(BM_ChannelHandoff, buffered64_fingerprint, 64, sim::TraceMode::kFingerprint);

// Start a timer, block, let the clock jump to it, fire, wake.
void BM_TimerScheduleFire(benchmark::State& state, sim::TraceMode trace) {
  sim::Bubble b(BenchOptions(sim::StrategyKind::kFifo, trace));
  RunOrAbort(b, [&] {
    for (auto _ : state) {
      sim::SleepFor(std::chrono::microseconds(1));
    }
  });
}

BENCHMARK_CAPTURE(BM_TimerScheduleFire, trace_off, sim::TraceMode::kOff);
BENCHMARK_CAPTURE(BM_TimerScheduleFire, fingerprint, sim::TraceMode::kFingerprint);

// Spawn a fiber and let it run to completion (stacks come from the per-thread pool).
void BM_SpawnExit(benchmark::State& state, sim::TraceMode trace) {
  sim::Bubble b(BenchOptions(sim::StrategyKind::kFifo, trace));
  RunOrAbort(b, [&] {
    std::uint64_t ran = 0;
    for (auto _ : state) {
      sim::Spawn("child", [&ran] { ++ran; });  // spawning yields: the child runs and exits here
    }
    benchmark::DoNotOptimize(ran);
  });
}

BENCHMARK_CAPTURE(BM_SpawnExit, trace_off, sim::TraceMode::kOff);
BENCHMARK_CAPTURE(BM_SpawnExit, fingerprint, sim::TraceMode::kFingerprint);

// Construct a bubble, run an empty root fiber, tear down.
void BM_EmptyBubbleRun(benchmark::State& state, sim::TraceMode trace) {
  for (auto _ : state) {
    sim::Bubble b(BenchOptions(sim::StrategyKind::kRandom, trace));
    sim::RunResult r = b.Run([] {});
    benchmark::DoNotOptimize(r.fingerprint);
  }
}

BENCHMARK_CAPTURE(BM_EmptyBubbleRun, trace_off, sim::TraceMode::kOff);
BENCHMARK_CAPTURE(BM_EmptyBubbleRun, fingerprint, sim::TraceMode::kFingerprint);

// The baseline again, last of the timed benchmarks (see BM_RawFiberRoundTrip).
void BM_RawFiberRoundTrip_sentinel_end(benchmark::State& state) {
  BM_RawFiberRoundTrip(state);
}

BENCHMARK(BM_RawFiberRoundTrip_sentinel_end)->MinTime(0.05);

double ResidentMiB() {
  long pages_total = 0;
  long pages_resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) {
      pages_resident = 0;
    }
    std::fclose(f);
  }
  return static_cast<double>(pages_resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) /
         (1024.0 * 1024.0);
}

// N fibers blocked at once in one bubble; reports resident memory (counter rss_MiB: the
// process's RSS while all are blocked, minus the RSS before spawning).
void BM_BlockedFibers(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  double delta = 0;
  for (auto _ : state) {
    sim::Options o = BenchOptions(sim::StrategyKind::kFifo, sim::TraceMode::kOff);
    sim::Bubble b(o);
    const double before = ResidentMiB();
    RunOrAbort(b, [&] {
      sim::Event go("go");
      for (std::size_t i = 0; i < n; ++i) {
        sim::Spawn("blocked", [&go] { go.Wait(); });
      }
      sim::Wait();  // every fiber is now blocked on the event
      delta = ResidentMiB() - before;
      go.Set();
    });
  }
  state.counters["rss_MiB"] = delta;
  state.counters["KiB_per_fiber"] = delta * 1024.0 / static_cast<double>(n);
}

BENCHMARK(BM_BlockedFibers)->Arg(100'000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
