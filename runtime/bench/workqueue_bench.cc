// runtime/bench/workqueue_bench.cc: the workqueue's hot paths inside a bubble, next to
// baselines in the same binary so results read as ratios (docs/benchmarks.md).
//
//   bubble_runtime_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Every benchmark body runs on a fiber of a fresh bubble (fifo strategy, default fingerprint
// tracing, no step limit: a benchmark takes millions of steps at one instant); the state loop
// itself is the fiber's loop. The queue's non-blocking paths record no trace events.
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include <bubble/runtime/workqueue/delaying_queue.h>
#include <bubble/runtime/workqueue/queue.h>
#include <bubble/runtime/workqueue/rate_limiter.h>
#include <bubble/runtime/workqueue/rate_limiting_queue.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

namespace sim = bubble::sim;
namespace wq = bubble::runtime::workqueue;
using namespace std::chrono_literals;

namespace {

template <class F>
void InBubble(benchmark::State& state, F&& body) {
  sim::Bubble b({.seed = 1,
                 .strategy = sim::StrategyKind::kFifo,
                 .step_limit = std::numeric_limits<std::uint64_t>::max()});  // millions of steps
  const auto r = b.Run([&] { body(); });
  if (!r.Passed()) {
    state.SkipWithError(r.report.c_str());
  }
}

// Baseline: a key through a std::deque (no dedup, no processing set, no bubble).
void BM_DequePushPop(benchmark::State& state) {
  std::deque<std::string> q;
  const std::string key = "default/web-0";
  for (auto _ : state) {
    q.push_back(key);
    std::string k = std::move(q.front());
    q.pop_front();
    benchmark::DoNotOptimize(k);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_DequePushPop);

// Baseline: one scheduling step of the bubble (Yield with one other runnable fiber).
void BM_YieldRoundTrip(benchmark::State& state) {
  InBubble(state, [&] {
    bool done = false;
    sim::WaitGroup peer;
    peer.Go("peer", [&] {
      while (!done) {
        sim::Yield();
      }
    });
    for (auto _ : state) {
      sim::Yield();
    }
    done = true;
    peer.Wait();  // `done` lives in this frame
  });
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_YieldRoundTrip);

// The target (<= 200 ns): Add, Get, Done of one string key, no waiting.
void BM_QueueAddGetDone(benchmark::State& state) {
  InBubble(state, [&] {
    wq::Queue<> q;
    const std::string key = "default/web-0";
    for (auto _ : state) {
      q.Add(key);
      auto k = q.Get();
      q.Done(*k);
      benchmark::DoNotOptimize(k);
    }
  });
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_QueueAddGetDone);

// Same with an int key: the cost without string copies.
void BM_QueueAddGetDoneInt(benchmark::State& state) {
  InBubble(state, [&] {
    wq::Queue<int> q;
    for (auto _ : state) {
      q.Add(42);
      auto k = q.Get();
      q.Done(*k);
      benchmark::DoNotOptimize(k);
    }
  });
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_QueueAddGetDoneInt);

// Round trip with N keys queued (map depth log N).
void BM_QueueAddGetDoneDepth(benchmark::State& state) {
  InBubble(state, [&] {
    wq::Queue<> q;
    const auto depth = static_cast<int>(state.range(0));
    for (int i = 0; i < depth; ++i) {
      q.Add("default/bg-" + std::to_string(i));
    }
    int i = 0;
    for (auto _ : state) {
      auto k = q.Get();
      q.Done(*k);
      q.Add(*k);  // rotate: the queue stays `depth` deep
      benchmark::DoNotOptimize(++i);
    }
  });
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_QueueAddGetDoneDepth)->Arg(1)->Arg(1000)->Arg(100000);

// An Add that coalesces (the key is already dirty): the common informer-storm case.
void BM_QueueCoalescedAdd(benchmark::State& state) {
  InBubble(state, [&] {
    wq::Queue<> q;
    const std::string key = "default/web-0";
    q.Add(key);
    for (auto _ : state) {
      q.Add(key);
    }
  });
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_QueueCoalescedAdd);

// A worker blocked in Get, woken by an Add from another fiber: two scheduling steps.
void BM_QueueHandoffToBlockedWorker(benchmark::State& state) {
  InBubble(state, [&] {
    wq::Queue<> q;
    sim::WaitGroup worker;
    worker.Go("worker", [&] {
      while (auto k = q.Get()) {
        q.Done(*k);
      }
    });
    const std::string key = "default/web-0";
    for (auto _ : state) {
      q.Add(key);
      sim::Yield();  // the worker takes it, finishes and blocks again
    }
    q.ShutDown();
    worker.Wait();  // `q` lives in this frame
  });
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_QueueHandoffToBlockedWorker);

// AddAfter(1ms) then Get: the waiting loop's channel, timer and a virtual clock jump.
void BM_DelayingQueueAddAfterGet(benchmark::State& state) {
  InBubble(state, [&] {
    wq::DelayingQueue<> q;
    const std::string key = "default/web-0";
    for (auto _ : state) {
      q.AddAfter(key, 1ms);
      auto k = q.Get();
      q.Done(*k);
    }
    q.ShutDown();
  });
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_DelayingQueueAddAfterGet);

// DefaultControllerRateLimiter().When on a rotating set of 1000 keys, Forget after 10 tries.
void BM_DefaultControllerRateLimiterWhen(benchmark::State& state) {
  auto limiter = wq::DefaultControllerRateLimiter();
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) {
    keys.push_back("default/web-" + std::to_string(i));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& key = keys[i % keys.size()];
    benchmark::DoNotOptimize(limiter->When(key));
    if (++i % 10'000 == 0) {
      for (const auto& k : keys) {
        limiter->Forget(k);
      }
    }
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_DefaultControllerRateLimiterWhen);

}  // namespace
