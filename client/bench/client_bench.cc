// client/bench/client_bench.cc: the REST client's throughput against bubble's fake API server
// over HTTP (apiserver::RestHandler behind net::HttpServer, plain HTTP on loopback): a LIST of
// 10,000 ConfigMaps decoded through the Scheme, and watch events into an informer (a burst of
// creates made on the fake, timed until the informer's handler has seen them all). Server, client
// and informer run in one real-time bubble (one thread): every number is both ends' cost.
//
// The baseline is the same LIST through the fake clientset in-process (no HTTP, no JSON), so the
// rest read as ratios.
//
//   cmake --build build/default --target bubble_client_bench
//   ./build/default/client/bubble_client_bench --benchmark_repetitions=3
//   (with --benchmark_report_aggregates_only=true for the medians only)
#include <chrono>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <bubble/apiserver/live_server.h>
#include <bubble/apiserver/rest_handler.h>
#include <bubble/client/rest_clientset.h>
#include <bubble/fake/clientset.h>
#include <bubble/net/http_server.h>
#include <bubble/net/io_loop.h>
#include <bubble/runtime/cache/list_watch.h>
#include <bubble/runtime/cache/shared_informer.h>
#include <bubble/runtime/cache/wait_for_cache_sync.h>
#include <bubble/runtime/config_map.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

namespace {

namespace apiserver = bubble::apiserver;
namespace cache = bubble::runtime::cache;
namespace client = bubble::client;
namespace fake = bubble::fake;
namespace net = bubble::net;
namespace rt = bubble::runtime;
namespace sim = bubble::sim;
using namespace std::chrono_literals;

rt::ConfigMap Sample(const std::string& name) {
  return rt::ConfigMap({.name = name, .namespace_ = "default", .labels = {{"app", "web"}}},
                       {{"key", "value"}, {"other", "0123456789"}});
}

// Runs `body(server, client)` in a real-time bubble with the fake holding `configmaps` objects,
// served over HTTP, and a RestClientset on it (streaming lists when `watch_list`). `body` returns
// "" or why it stopped.
template <class Body>
void WithServer(benchmark::State& state, int configmaps, Body body, bool watch_list = false) {
  std::string error;
  const sim::RunResult result = net::RunRealTime([&] {
    auto server = std::make_shared<fake::Clientset>(apiserver::LiveServerOptions());
    for (int i = 0; i < configmaps; ++i) {
      if (!server->ConfigMaps("default").Create(Sample(fmt::format("cm-{:05}", i)))) {
        error = "cannot create the ConfigMaps";
        return;
      }
    }
    apiserver::RestHandler rest(server);
    net::HttpServer http(
        {}, [&](const net::HttpRequest& req, net::HttpResponder& out) { rest.Serve(req, out); });
    http.Start();
    // No client-side rate limit: the benchmark measures the client, not its throttle.
    client::RestClientset cs(
        {.server = "http://" + http.BoundAddress(), .qps = 0, .watch_list = watch_list},
        rt::Scheme::Builtin());
    error = body(*server, cs);
    http.Stop();
  });
  if (!result.Passed() || !error.empty()) {
    state.SkipWithError((error.empty() ? result.report : error).c_str());
  }
}

constexpr int kListSize = 10'000;

void BM_Baseline_FakeList10k(benchmark::State& state) {
  sim::Bubble b(sim::Options{});
  const sim::RunResult r = b.Run([&] {
    auto server = std::make_shared<fake::Clientset>(apiserver::LiveServerOptions());
    for (int i = 0; i < kListSize; ++i) {
      server->ConfigMaps("default").Create(Sample(fmt::format("cm-{:05}", i)));
    }
    auto configmaps = server->Resource(rt::ConfigMap::StaticResource(), "default");
    for (auto _ : state) {
      auto list = configmaps->List(sim::Context::Background(), {});
      if (!list || list->items.size() != kListSize) {
        state.SkipWithError("the list is short");
        return;
      }
      benchmark::DoNotOptimize(list);
    }
  });
  if (!r.Passed()) {
    state.SkipWithError(r.report.c_str());
  }
  state.SetItemsProcessed(state.iterations() * kListSize);
}

BENCHMARK(BM_Baseline_FakeList10k)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RestList10k(benchmark::State& state) {
  WithServer(state, kListSize, [&](fake::Clientset&, client::RestClientset& cs) -> std::string {
    auto configmaps = cs.Resource(rt::ConfigMap::StaticResource(), "default");
    for (auto _ : state) {
      auto list = configmaps->List(sim::Context::Background(), {});
      if (!list) {
        return list.error().message;
      }
      if (list->items.size() != kListSize) {
        return fmt::format("listed {} of {}", list->items.size(), kListSize);
      }
    }
    return "";
  });
  state.SetItemsProcessed(state.iterations() * kListSize);
}

BENCHMARK(BM_RestList10k)->Unit(benchmark::kMillisecond)->UseRealTime();

// Each iteration: `state.range(0)` creates on the fake, timed until an informer on the
// RestClientset has handed them all to its handler (one watch stream; events decoded, stored in
// the cache and delivered).
void BM_WatchIntoInformer(benchmark::State& state) {
  const int burst = static_cast<int>(state.range(0));
  WithServer(state, 0, [&](fake::Clientset& server, client::RestClientset& cs) -> std::string {
    cache::SharedIndexInformer informer(
        cache::ListWatchFromClient(cs, rt::ConfigMap::StaticResource(), "default"),
        {.expected_kind = rt::ConfigMap::StaticKind()});
    int added = 0;  // counted by a handler: the informer's store is not copied per poll
    if (!informer.AddEventHandler(cache::ResourceEventHandlerFuncs{
            .add = [&](const rt::ObjectPtr&, bool) { ++added; }})) {
      return "cannot add the handler";
    }
    auto [ctx, stop] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup running("informer");
    running.Go("informer", [&, run = ctx] { informer.Run(run); });
    if (!cache::WaitFor(ctx, "", {informer.HasSyncedChecker()})) {
      return "the informer did not sync";
    }
    int made = 0;
    std::string why;
    for (auto _ : state) {
      for (int i = 0; i < burst; ++i) {
        if (!server.ConfigMaps("default").Create(Sample(fmt::format("cm-{:07}", made++)))) {
          why = "a create failed";
          break;
        }
      }
      // Bounded: a stalled stream fails the benchmark instead of hanging it.
      const auto deadline = sim::Now() + 30s;
      while (added < made && sim::Now() < deadline) {
        sim::SleepFor(50us);
      }
      if (added < made) {
        why = "the informer fell behind for 30 s";
        break;
      }
    }
    stop();
    running.Wait();
    return why;
  });
  state.SetItemsProcessed(state.iterations() * burst);
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(state.iterations() * burst),
                                                  benchmark::Counter::kIsRate);
}

BENCHMARK(BM_WatchIntoInformer)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

// Each iteration: a new informer on the RestClientset until it has synced 10,000 ConfigMaps,
// by a LIST then a watch (watch_list:0), or by one streaming watch (watch_list:1, RestConfig's
// opt-in): the start of every controller.
void BM_InformerSync10k(benchmark::State& state) {
  const bool watch_list = state.range(0) != 0;
  WithServer(
      state, kListSize,
      [&](fake::Clientset&, client::RestClientset& cs) -> std::string {
        for (auto _ : state) {
          cache::SharedIndexInformer informer(
              cache::ListWatchFromClient(cs, rt::ConfigMap::StaticResource(), "default"),
              {.expected_kind = rt::ConfigMap::StaticKind()});
          auto [ctx, stop] = sim::WithCancel(sim::Context::Background());
          sim::WaitGroup running("informer");
          running.Go("informer", [&, run = ctx] { informer.Run(run); });
          auto [bounded, give_up] = sim::WithTimeout(ctx, 60s);
          const bool synced = cache::WaitFor(bounded, "", {informer.HasSyncedChecker()});
          give_up();
          stop();
          running.Wait();
          if (!synced) {
            return "the informer did not sync within 60 s";
          }
          if (informer.GetStore().List().size() != kListSize) {
            return fmt::format("synced {} of {}", informer.GetStore().List().size(), kListSize);
          }
        }
        return "";
      },
      watch_list);
  state.SetItemsProcessed(state.iterations() * kListSize);
}

BENCHMARK(BM_InformerSync10k)
    ->ArgName("watch_list")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
