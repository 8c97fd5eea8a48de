// net/test/http_server_test.cc: the HTTP server over loopback, in one real-time bubble with a
// bare client (raw_connection.h). Behaviour only: nothing here asserts on how long things took.
#include "bubble/net/http_server.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <bubble/net/error.h>
#include <bubble/net/io_loop.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/event.h>
#include <bubble/sim/process.h>

#include "raw_connection.h"

namespace net = bubble::net;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;
using net::test::RawConnection;

namespace {

void RequirePassed(const sim::RunResult& result) {
  INFO(result.report);
  REQUIRE(result.Passed());
}

std::string Get(std::string_view target, std::string_view extra = "") {
  return fmt::format("GET {} HTTP/1.1\r\nHost: test\r\nX-Mixed-Case: Yes\r\n{}\r\n", target, extra);
}

}  // namespace

TEST_CASE("the server answers a GET, with header names lower-cased", "[net][server]") {
  net::HttpRequest seen;
  RequirePassed(net::RunRealTime([&] {
    net::HttpServer server({}, [&](const net::HttpRequest& req, net::HttpResponder& out) {
      seen = req;
      out.Respond(200, "text/plain", "hello " + std::string(req.Path()), {{"X-Answer", "42"}});
    });
    server.Start();
    CHECK(server.BoundPort() != 0);
    RawConnection client(server.BoundPort());
    client.Send(Get("/greet?name=a%3Db"));
    auto response = client.ReadResponse();
    CHECK(response.result_int() == 200);
    CHECK(response.body() == "hello /greet");
    CHECK(response["X-Answer"] == "42");
    CHECK(response[boost::beast::http::field::content_length] == "12");
    server.Stop();
  }));
  CHECK(seen.method == "GET");
  CHECK(seen.target == "/greet?name=a%3Db");
  CHECK(seen.Query() == "name=a%3Db");
  CHECK(seen.Header("x-mixed-case") == "Yes");
  CHECK(seen.Header("host") == "test");
}

TEST_CASE("a kept-alive connection carries several requests, pipelined ones too", "[net][server]") {
  std::vector<std::string> targets;
  RequirePassed(net::RunRealTime([&] {
    net::HttpServer server({}, [&](const net::HttpRequest& req, net::HttpResponder& out) {
      targets.push_back(req.target);
      out.Respond(200, "text/plain", req.target);
    });
    server.Start();
    RawConnection client(server.BoundPort());
    client.Send(Get("/one"));
    CHECK(client.ReadResponse().body() == "/one");
    client.Send(Get("/two") + Get("/three"));
    CHECK(client.ReadResponse().body() == "/two");
    CHECK(client.ReadResponse().body() == "/three");
    client.Send("POST /four HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbody");
    auto last = client.ReadResponse();
    CHECK(last.body() == "/four");
    CHECK(last.keep_alive());
    server.Stop();
  }));
  CHECK(targets == std::vector<std::string>{"/one", "/two", "/three", "/four"});
}

TEST_CASE("a stream arrives chunk by chunk, each flushed as it is written", "[net][server]") {
  RequirePassed(net::RunRealTime([&] {
    sim::Channel<std::string> next(0, "next chunk");
    net::HttpServer server({}, [&](const net::HttpRequest&, net::HttpResponder& out) {
      out.StartStream(200, "application/json");
      while (auto chunk = next.Recv(out.Context())) {
        if (!out.WriteChunk(*chunk)) {
          return;
        }
      }
    });
    server.Start();
    RawConnection client(server.BoundPort());
    client.Send(Get("/watch"));
    std::string seen;
    while (seen.find("\r\n\r\n") == std::string::npos) {
      seen += client.ReadSome();
    }
    CHECK_THAT(seen, Contains("Transfer-Encoding: chunked"));
    // The first chunk reaches the client while the handler still waits for the second.
    next.Send("{\"n\":1}\n");
    while (seen.find("{\"n\":1}") == std::string::npos) {
      seen += client.ReadSome();
    }
    CHECK(seen.find("{\"n\":2}") == std::string::npos);
    next.Send("{\"n\":2}\n");
    while (seen.find("{\"n\":2}") == std::string::npos) {
      seen += client.ReadSome();
    }
    next.Close();  // the handler returns: the server writes the last chunk
    while (seen.find("0\r\n\r\n") == std::string::npos) {
      seen += client.ReadSome();
    }
    // The connection carries another request after the stream ended.
    client.Send(Get("/again"));
    auto again = client.ReadResponse();
    CHECK(again.result_int() == 200);
    CHECK(again.chunked());
    server.Stop();
  }));
}

TEST_CASE("a client that disconnects cancels its streaming handler's context at once",
          "[net][server]") {
  sim::ContextError handler_saw = sim::ContextError::kNone;
  RequirePassed(net::RunRealTime([&] {
    sim::Event started("stream started");
    sim::Event handler_done("handler done");
    net::HttpServer server({}, [&](const net::HttpRequest&, net::HttpResponder& out) {
      out.StartStream(200, "application/json");
      started.Set();
      out.Context().Done().Recv();  // a watch blocked on its channel, with no event to send
      handler_saw = out.Context().Err();
      handler_done.Set();
    });
    server.Start();
    RawConnection client(server.BoundPort());
    client.Send(Get("/watch"));
    started.Wait();
    client.Close();
    handler_done.Wait();
    server.Stop();
  }));
  CHECK(handler_saw == sim::ContextError::kCanceled);
}

TEST_CASE("garbage gets 400 and the connection is closed", "[net][server]") {
  int handled = 0;
  RequirePassed(net::RunRealTime([&] {
    net::HttpServer server({}, [&](const net::HttpRequest&, net::HttpResponder& out) {
      ++handled;
      out.Respond(200, "text/plain", "");
    });
    server.Start();
    RawConnection client(server.BoundPort());
    client.Send("\x01\x02 this is not HTTP\r\n\r\n");
    const std::string answer = client.ReadUntilClosed();
    CHECK_THAT(answer, Contains("HTTP/1.1 400"));
    CHECK_THAT(answer, Contains("\"kind\":\"Status\""));
    server.Stop();
  }));
  CHECK(handled == 0);
}

TEST_CASE("a body over the limit gets 413", "[net][server]") {
  int handled = 0;
  RequirePassed(net::RunRealTime([&] {
    net::HttpServer server({.body_limit = 100},
                           [&](const net::HttpRequest&, net::HttpResponder& out) {
                             ++handled;
                             out.Respond(200, "text/plain", "");
                           });
    server.Start();
    RawConnection client(server.BoundPort());
    client.Send("PUT /big HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" +
                std::string(1000, 'x'));
    const std::string answer = client.ReadUntilClosed();
    CHECK_THAT(answer, Contains("HTTP/1.1 413"));
    CHECK_THAT(answer, Contains("RequestEntityTooLarge"));
    server.Stop();
  }));
  CHECK(handled == 0);
}

TEST_CASE("a handler that throws or answers nothing gets a 500 with a Status body",
          "[net][server]") {
  RequirePassed(net::RunRealTime([&] {
    net::HttpServer server({}, [&](const net::HttpRequest& req, net::HttpResponder&) {
      if (req.Path() == "/throw") {
        throw std::runtime_error("boom");
      }
    });
    server.Start();
    RawConnection client(server.BoundPort());
    client.Send(Get("/throw"));
    auto thrown = client.ReadResponse();
    CHECK(thrown.result_int() == 500);
    CHECK_THAT(thrown.body(), Contains("boom"));
    client.Send(Get("/silent"));
    auto silent = client.ReadResponse();
    CHECK(silent.result_int() == 500);
    CHECK_THAT(silent.body(), Contains("without an answer"));
    server.Stop();
  }));
}

TEST_CASE("Stop closes open connections and cancels running handlers", "[net][server]") {
  sim::ContextError handler_saw = sim::ContextError::kNone;
  RequirePassed(net::RunRealTime([&] {
    sim::Event started("stream started");
    net::HttpServer server({}, [&](const net::HttpRequest&, net::HttpResponder& out) {
      out.StartStream(200, "text/plain");
      started.Set();
      out.Context().Done().Recv();
      handler_saw = out.Context().Err();
    });
    server.Start();
    RawConnection idle(server.BoundPort());
    idle.Send(Get("/first", "Connection: keep-alive\r\n"));
    RawConnection streaming(server.BoundPort());
    streaming.Send(Get("/watch"));
    started.Wait();
    server.Stop();  // returns only once every connection fiber has ended
    CHECK(idle.ReadUntilClosed().find("HTTP/1.1") != std::string::npos);
    streaming.ReadUntilClosed();  // closed: this returns
  }));
  CHECK(handler_saw == sim::ContextError::kCanceled);
}

TEST_CASE("a busy port is an error naming the address, a name binds its address", "[net][server]") {
  RequirePassed(net::RunRealTime([&] {
    auto answer = [](const net::HttpRequest&, net::HttpResponder& out) {
      out.Respond(200, "text/plain", "");
    };
    net::HttpServer first({}, answer);
    first.Start();
    const std::string address = first.BoundAddress();
    net::HttpServer second({.listen = address}, answer);
    CHECK_THROWS_WITH(second.Start(), Contains("cannot listen on " + address));
    net::HttpServer bad({.listen = "127.0.0.1"}, answer);
    CHECK_THROWS_AS(bad.Start(), net::NetError);
    net::HttpServer by_name({.listen = "localhost:0"}, answer);  // a name binds its IPv4 address
    by_name.Start();
    CHECK(by_name.BoundAddress().starts_with("127.0.0.1:"));
    CHECK(by_name.BoundPort() != 0);
    by_name.Stop();
    first.Stop();
  }));
}

TEST_CASE("sockets need the real-time loop", "[net][server]") {
  sim::Bubble simulated;
  auto result = simulated.Run([] {
    net::HttpServer server({}, [](const net::HttpRequest&, net::HttpResponder&) {});
    server.Start();
  });
  REQUIRE_FALSE(result.Passed());
  CHECK_THAT(result.report, Contains("real-time loop"));
}

TEST_CASE("a fiber killed while it waits on a socket leaves its operation harmless",
          "[net][server]") {
  RequirePassed(net::RunRealTime([&] {
    net::HttpServer server({}, [](const net::HttpRequest&, net::HttpResponder& out) {
      out.Respond(200, "text/plain", "ok");
    });
    server.Start();
    const std::uint16_t port = server.BoundPort();
    sim::Process reader = sim::SpawnProcess("reader", [port] {
      RawConnection idle(port);
      idle.ReadSome();  // the server sends nothing unasked: parked until killed
    });
    sim::Yield();
    reader.Kill();
    reader.Wait();
    // The loop goes on: the cancelled read completes into state it owns, not the dead frame.
    RawConnection client(port);
    client.Send(Get("/after"));
    CHECK(client.ReadResponse().body() == "ok");
    server.Stop();
  }));
}

TEST_CASE("a run that fails with connections open tears down cleanly", "[net][server]") {
  auto result = net::RunRealTime([&] {
    net::HttpServer server({}, [](const net::HttpRequest&, net::HttpResponder& out) {
      out.StartStream(200, "text/plain");
      out.Context().Done().Recv();
    });
    server.Start();
    RawConnection streaming(server.BoundPort());
    streaming.Send(Get("/watch"));
    streaming.ReadSome();  // the stream's header: the handler is parked
    RawConnection idle(server.BoundPort());
    throw std::runtime_error("the test gives up");
  });
  REQUIRE_FALSE(result.Passed());
  CHECK_THAT(result.report, Contains("the test gives up"));
}
