// net/bench/http_bench.cc: requests per second of GET over a kept-alive loopback connection, plain
// and TLS, client and server in one real-time bubble (one thread). The baseline calls the handler
// directly with an in-memory responder, so the results read as the cost of the network path.
//
//   cmake --build build/default --target bubble_net_bench && build/default/net/bubble_net_bench
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <bubble/net/http_client.h>
#include <bubble/net/http_server.h>
#include <bubble/net/io_loop.h>
#include <bubble/net/tls.h>

namespace net = bubble::net;
namespace sim = bubble::sim;

namespace {

void Handler(const net::HttpRequest& req, net::HttpResponder& out) {
  out.Respond(200, "application/json",
              fmt::format("{{\"kind\":\"Status\",\"path\":\"{}\"}}", req.Path()));
}

class MemoryResponder final : public net::HttpResponder {
 public:
  void Respond(int status, std::string_view, std::string body, const net::HttpHeaders&) override {
    status_ = status;
    body_ = std::move(body);
  }

  void StartStream(int, std::string_view, const net::HttpHeaders&) override {}

  bool WriteChunk(std::string_view) override { return true; }

  const sim::Context& Context() const override { return ctx_; }

  const std::string& Body() const noexcept { return body_; }

 private:
  sim::Context ctx_ = sim::Context::Background();
  int status_ = 0;
  std::string body_;
};

void BM_HandlerDirect(benchmark::State& state) {
  const net::HttpRequest request{.method = "GET", .target = "/api/v1/namespaces"};
  for (auto _ : state) {
    MemoryResponder out;
    Handler(request, out);
    benchmark::DoNotOptimize(out.Body().data());
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_HandlerDirect);

void RunGets(benchmark::State& state, bool tls) {
  const net::GeneratedTls identity = tls ? net::GenerateTlsIdentity() : net::GeneratedTls{};
  std::string error;
  auto result = net::RunRealTime([&] {
    net::HttpServerOptions options;
    if (tls) {
      options.tls = identity.server;
    }
    net::HttpServer server(options, Handler);
    server.Start();
    net::HttpClient client(
        {.address = server.BoundAddress(), .tls = tls, .ca_pem = identity.ca.cert_pem});
    const sim::Context bg = sim::Context::Background();
    const net::HttpRequest request{.method = "GET", .target = "/api/v1/namespaces"};
    for (auto _ : state) {
      net::HttpResponse r = client.Send(bg, request);
      if (!r.Ok()) {
        error = r.error;
        break;
      }
      benchmark::DoNotOptimize(r.body.data());
    }
    server.Stop();
  });
  if (!result.Passed() || !error.empty()) {
    state.SkipWithError((error.empty() ? result.report : error).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_HttpGetKeepAlive(benchmark::State& state) {
  RunGets(state, false);
}

BENCHMARK(BM_HttpGetKeepAlive)->UseRealTime();

void BM_HttpsGetKeepAlive(benchmark::State& state) {
  RunGets(state, true);
}

BENCHMARK(BM_HttpsGetKeepAlive)->UseRealTime();

}  // namespace
