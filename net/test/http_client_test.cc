// net/test/http_client_test.cc: the client against the server over loopback, in one real-time
// bubble: whole responses, kept-alive connections, streams read as they are flushed.
#include "bubble/net/http_client.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/net/http_server.h>
#include <bubble/net/io_loop.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/event.h>

namespace net = bubble::net;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;

namespace {

void RequirePassed(const sim::RunResult& result) {
  INFO(result.report);
  REQUIRE(result.Passed());
}

std::string Address(const net::HttpServer& server) {
  return fmt::format("127.0.0.1:{}", server.BoundPort());
}

}  // namespace

TEST_CASE("the client sends requests and reuses its kept-alive connection", "[net][client]") {
  std::vector<std::string> peers;
  std::vector<std::string> bodies;
  RequirePassed(net::RunRealTime([&] {
    net::HttpServer server({}, [&](const net::HttpRequest& req, net::HttpResponder& out) {
      bodies.push_back(req.body);
      out.Respond(201, "application/json", fmt::format("{{\"path\":\"{}\"}}", req.Path()),
                  {{"X-Seen-Type", std::string(req.Header("content-type"))}});
    });
    server.Start();
    net::HttpClient client({.address = Address(server)});
    const sim::Context bg = sim::Context::Background();
    for (int i = 0; i < 3; ++i) {
      net::HttpResponse r = client.Send(bg, {.method = "POST",
                                             .target = fmt::format("/items/{}", i),
                                             .headers = {{"Content-Type", "application/json"}},
                                             .body = fmt::format("{{\"n\":{}}}", i)});
      INFO(r.error);
      REQUIRE(r.Ok());
      CHECK(r.status == 201);
      CHECK(r.body == fmt::format("{{\"path\":\"/items/{}\"}}", i));
      CHECK(r.Header("x-seen-type") == "application/json");
    }
    server.Stop();
    // The server is gone: the next request fails with a reason, it does not throw.
    net::HttpResponse gone = client.Send(bg, {.method = "GET", .target = "/"});
    CHECK_FALSE(gone.Ok());
    CHECK_THAT(gone.error, Contains(Address(server)));
    // The cause, not the cancellation of the connect timeout that follows it.
    CHECK_THAT(gone.error, Contains("refused", Catch::CaseSensitive::No));
  }));
  CHECK(bodies == std::vector<std::string>{"{\"n\":0}", "{\"n\":1}", "{\"n\":2}"});
}

TEST_CASE("the client reads a stream as it is flushed, and its Close ends the handler",
          "[net][client]") {
  sim::ContextError handler_saw = sim::ContextError::kNone;
  RequirePassed(net::RunRealTime([&] {
    sim::Channel<std::string> next(0, "next event");
    sim::Event handler_done("handler done");
    net::HttpServer server({}, [&](const net::HttpRequest&, net::HttpResponder& out) {
      out.StartStream(200, "application/json");
      while (auto event = next.Recv(out.Context())) {
        if (!out.WriteChunk(*event)) {
          break;
        }
      }
      handler_saw = out.Context().Err();
      handler_done.Set();
    });
    server.Start();
    net::HttpClient client({.address = Address(server)});
    const sim::Context bg = sim::Context::Background();
    net::HttpStream watch = client.Open(bg, {.method = "GET", .target = "/watch"});
    REQUIRE(watch.Error().empty());
    CHECK(watch.Status() == 200);
    for (int i = 0; i < 3; ++i) {
      const std::string event = fmt::format("{{\"n\":{}}}\n", i);
      next.Send(event);
      std::string got;
      while (got.size() < event.size()) {  // the event arrives before the next is sent
        auto bytes = watch.Read(bg);
        REQUIRE(bytes.has_value());
        got += *bytes;
      }
      CHECK(got == event);
    }
    watch.Close();
    handler_done.Wait();
    CHECK_FALSE(watch.Read(bg).has_value());
    server.Stop();
  }));
  CHECK(handler_saw == sim::ContextError::kCanceled);
}

TEST_CASE("a stream ends when the handler returns, and a Send bounded by a context gives up",
          "[net][client]") {
  RequirePassed(net::RunRealTime([&] {
    sim::Event never("never");
    net::HttpServer server({}, [&](const net::HttpRequest& req, net::HttpResponder& out) {
      if (req.Path() == "/slow") {
        never.Wait(out.Context());
        out.Respond(200, "text/plain", "late");
        return;
      }
      out.StartStream(200, "text/plain");
      out.WriteChunk("a");
      out.WriteChunk("b");
    });
    server.Start();
    net::HttpClient client({.address = Address(server)});
    const sim::Context bg = sim::Context::Background();
    net::HttpStream stream = client.Open(bg, {.method = "GET", .target = "/two"});
    std::string all;
    while (auto bytes = stream.Read(bg)) {
      all += *bytes;
    }
    CHECK(all == "ab");
    CHECK(stream.Error().empty());

    auto [ctx, cancel] = sim::WithTimeout(bg, std::chrono::milliseconds(5));
    net::HttpResponse r = client.Send(ctx, {.method = "GET", .target = "/slow"});
    cancel();
    CHECK_FALSE(r.Ok());
    CHECK_THAT(r.error, Contains("context deadline exceeded"));
    server.Stop();
  }));
}
