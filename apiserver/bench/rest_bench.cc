// apiserver/bench/rest_bench.cc: requests per second of the fake API server over HTTP, as
// `bubble apiserver` serves it: a GET of one ConfigMap, a LIST of 1,000 (JSON and as a Table),
// and a watch fan-out (one update read by N watchers). Server, handler, clientset and client run
// in one real-time bubble (one thread) on a kept-alive loopback connection, plain HTTP.
//
// The baseline calls RestHandler::Serve directly with an in-memory responder (no socket, no HTTP
// parsing), so the rest read as ratios to the handler's own cost.
//
//   cmake --build build/default --target bubble_apiserver_bench
//   ./build/default/apiserver/bubble_apiserver_bench --benchmark_repetitions=3 \
//       --benchmark_report_aggregates_only=true
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <bubble/apiserver/live_server.h>
#include <bubble/apiserver/rest_handler.h>
#include <bubble/fake/clientset.h>
#include <bubble/net/http_client.h>
#include <bubble/net/http_server.h>
#include <bubble/net/io_loop.h>
#include <bubble/runtime/config_map.h>
#include <bubble/sim/context.h>
#include <bubble/sim/wait_group.h>

#include "recording_responder.h"

namespace {

namespace apiserver = bubble::apiserver;
namespace fake = bubble::fake;
namespace net = bubble::net;
namespace rt = bubble::runtime;
namespace sim = bubble::sim;
using namespace std::chrono_literals;

constexpr int kListSize = 1000;
constexpr std::string_view kConfigMaps = "/api/v1/namespaces/default/configmaps";
constexpr std::string_view kTableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io";

rt::ConfigMap Sample(int i) {
  return rt::ConfigMap(
      {.name = fmt::format("cm-{:04}", i), .namespace_ = "default", .labels = {{"app", "web"}}},
      {{"key", "value"}, {"other", "0123456789"}});
}

struct Served {
  std::shared_ptr<fake::Clientset> clientset;
  apiserver::RestHandler& rest;
  net::HttpClient& client;
};

// Runs `body` in a real-time bubble with a fake API server holding `configmaps` ConfigMaps in
// "default", served over HTTP on loopback, and a client connected to it. `body` returns "" or
// why it stopped; either that or a failed run skips the benchmark with the reason.
template <class Body>
void WithServer(benchmark::State& state, int configmaps, Body body) {
  std::string error;
  const sim::RunResult result = net::RunRealTime([&] {
    auto clientset = std::make_shared<fake::Clientset>(apiserver::LiveServerOptions());
    auto cms = clientset->ConfigMaps("default");
    for (int i = 0; i < configmaps; ++i) {
      if (!cms.Create(Sample(i))) {
        error = fmt::format("cannot create ConfigMap {}", i);
        return;
      }
    }
    apiserver::RestHandler rest(clientset);
    net::HttpServer server(
        {}, [&](const net::HttpRequest& req, net::HttpResponder& out) { rest.Serve(req, out); });
    server.Start();
    net::HttpClient client({.address = server.BoundAddress()});
    Served served{clientset, rest, client};
    error = body(served);
    server.Stop();
  });
  if (!result.Passed() || !error.empty()) {
    state.SkipWithError((error.empty() ? result.report : error).c_str());
  }
}

net::HttpRequest Get(std::string target, std::string_view accept = "application/json") {
  return {
      .method = "GET", .target = std::move(target), .headers = {{"accept", std::string(accept)}}};
}

net::HttpRequest GetOne() {
  return Get(fmt::format("{}/cm-0000", kConfigMaps));
}

// The LIST of every ConfigMap; `state.range(0)` non-zero: as a Table (what `kubectl get` asks).
net::HttpRequest ListAll(const benchmark::State& state) {
  return state.range(0) != 0 ? Get(std::string(kConfigMaps), kTableAccept)
                             : Get(std::string(kConfigMaps));
}

std::string CheckOk(const net::HttpResponse& r) {
  if (!r.Ok()) {
    return r.error;
  }
  return r.status == 200 ? "" : fmt::format("HTTP {}: {}", r.status, r.body);
}

// ---- Baseline: the handler alone -----------------------------------------------------------

void ServeDirect(benchmark::State& state, const net::HttpRequest& request) {
  WithServer(state, kListSize, [&](Served& s) -> std::string {
    for (auto _ : state) {
      apiserver::testing::RecordingResponder out;
      s.rest.Serve(request, out);
      if (out.status != 200) {
        return fmt::format("HTTP {}: {}", out.status, out.body);
      }
      benchmark::DoNotOptimize(out.body.data());
    }
    return "";
  });
  state.SetItemsProcessed(state.iterations());
}

void BM_Baseline_ServeGetDirect(benchmark::State& state) {
  ServeDirect(state, GetOne());
}

BENCHMARK(BM_Baseline_ServeGetDirect)->UseRealTime();

void BM_ServeList1kDirect(benchmark::State& state) {
  ServeDirect(state, ListAll(state));
}

BENCHMARK(BM_ServeList1kDirect)->ArgName("table")->Arg(0)->Arg(1)->UseRealTime();

// ---- Over HTTP -----------------------------------------------------------------------------

void SendRequests(benchmark::State& state, const net::HttpRequest& request) {
  std::size_t body_bytes = 0;
  WithServer(state, kListSize, [&](Served& s) -> std::string {
    const sim::Context bg = sim::Context::Background();
    for (auto _ : state) {
      net::HttpResponse r = s.client.Send(bg, request);
      if (std::string why = CheckOk(r); !why.empty()) {
        return why;
      }
      body_bytes = r.body.size();
      benchmark::DoNotOptimize(r.body.data());
    }
    return "";
  });
  state.SetItemsProcessed(state.iterations());
  state.counters["body_bytes"] = static_cast<double>(body_bytes);
}

void BM_HttpGet(benchmark::State& state) {
  SendRequests(state, GetOne());
}

BENCHMARK(BM_HttpGet)->UseRealTime();

void BM_HttpList1k(benchmark::State& state) {
  SendRequests(state, ListAll(state));
}

BENCHMARK(BM_HttpList1k)
    ->ArgName("table")
    ->Arg(0)
    ->Arg(1)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// One update of a ConfigMap (in-process, through the clientset) until each of N watchers has
// read its MODIFIED event from its own HTTP watch stream. The time is per write; events/s counts
// the events read by all watchers.
void BM_HttpWatchFanOut(benchmark::State& state) {
  const auto watchers = static_cast<std::int64_t>(state.range(0));
  WithServer(state, 1, [&](Served& s) -> std::string {
    const sim::Context bg = sim::Context::Background();
    const net::HttpResponse list = s.client.Send(bg, Get(std::string(kConfigMaps)));
    if (std::string why = CheckOk(list); !why.empty()) {
      return why;
    }
    const std::string rv = nlohmann::json::parse(list.body)["metadata"]["resourceVersion"];
    const std::string target =
        fmt::format("{}?watch=1&resourceVersion={}&timeoutSeconds=3600", kConfigMaps, rv);

    // Not a structured binding: the watcher lambdas capture it (clang 14 cannot).
    const std::pair<sim::Context, sim::CancelFunc> watch_scope = sim::WithCancel(bg);
    const sim::Context& watching = watch_scope.first;
    sim::WaitGroup readers("watch readers");
    // Counts down the events still to be read: each watcher takes off one per line (one event
    // per line, and nothing else is sent: no bookmarks were asked for).
    sim::WaitGroup unread("unread events");
    std::string error;
    for (std::int64_t i = 0; i < watchers && error.empty(); ++i) {
      net::HttpStream stream = s.client.Open(bg, Get(target));
      if (!stream.Error().empty() || stream.Status() != 200) {
        error = stream.Error().empty() ? fmt::format("watch: HTTP {}", stream.Status())
                                       : stream.Error();
        break;
      }
      readers.Go("watcher", [&, stream = std::move(stream)]() mutable {
        while (auto bytes = stream.Read(watching)) {
          unread.Add(-std::count(bytes->begin(), bytes->end(), '\n'));
        }
        stream.Close();
      });
    }
    if (error.empty()) {
      auto cms = s.clientset->ConfigMaps("default");
      rt::ConfigMap next = Sample(0);
      std::int64_t writes = 0;
      for (auto _ : state) {
        unread.Add(watchers);
        next.data["key"] = std::to_string(++writes);  // a real change: an update that changes
                                                      // nothing sends no event
        if (!cms.Update(next)) {
          error = "update failed";
          break;
        }
        auto [deadline, cancel] = sim::WithTimeout(bg, 10s);
        const bool all_read = unread.Wait(deadline);
        cancel();
        if (!all_read) {
          error = fmt::format("{} of {} watchers did not read the event within 10 s",
                              unread.Count(), watchers);
          break;
        }
      }
    }
    watch_scope.second();
    readers.Wait();
    unread.Add(-unread.Count());  // after a failure, events no one will read
    return error;
  });
  state.SetItemsProcessed(state.iterations());
  state.counters["events/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * watchers), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_HttpWatchFanOut)
    ->ArgName("watchers")
    ->Arg(1)
    ->Arg(10)
    ->Arg(100)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// The baseline again, last: a sentinel for a slow period of the machine during the run.
void BM_Baseline_ServeGetDirectAgain(benchmark::State& state) {
  BM_Baseline_ServeGetDirect(state);
}

BENCHMARK(BM_Baseline_ServeGetDirectAgain)->UseRealTime();

}  // namespace
