// net/include/bubble/net/http_server.h
//
// HttpServer: HTTP/1.1 (optionally over TLS) on the real-time loop, with Boost.Beast. An accept
// fiber takes connections, one fiber per connection reads requests (keep-alive), hands each to
// the HttpHandler (http_exchange.h) on that fiber, and writes its answer: Respond() with a
// Content-Length, or a stream with chunked transfer encoding, each chunk flushed. While a stream
// is open a second fiber reads the socket, so a client that goes away cancels the handler's
// Context() at once (a watch blocked on its channel notices).
//
//   net::HttpServer server({.listen = "127.0.0.1:0"}, [](const net::HttpRequest& req,
//                                                        net::HttpResponder& out) {
//     out.Respond(200, "text/plain", "hello");
//   });
//   server.Start();                         // throws NetError if the address cannot be bound
//   fmt::print("serving on port {}\n", server.BoundPort());
//   ...
//   server.Stop();                          // closes every connection, waits for its fibers
//
// Errors answered by the server itself: a handler that throws or answers nothing gets a 500 with
// a short JSON body; unparseable HTTP gets 400 and the connection is closed; a body over
// body_limit gets 413 (and close).
//
// Threading: create, start and stop it from fibers of a bubble run by net::RunRealTime (or with a
// net::IoLoop as its Options::io_driver).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <bubble/net/http_exchange.h>
#include <bubble/net/tls.h>

namespace bubble::net {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:0";        // host:port (address.h); port 0: any free port
  std::optional<TlsIdentity> tls{};          // set: HTTPS only
  std::size_t body_limit = 3 * 1024 * 1024;  // kube-apiserver's request body limit
  std::size_t header_limit = 1024 * 1024;
  // A kept-alive connection idle this long (no request started) is closed.
  std::chrono::milliseconds idle_timeout{90'000};
};

namespace detail {
struct ServerState;
}

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // Stops the server if it runs.
  ~HttpServer();

  // Binds and listens, then serves from fibers of the current bubble. Throws NetError naming the
  // address if it cannot bind (port in use, no such host) or the TLS identity does not load.
  void Start();
  // The port bound by Start() (the ephemeral one for port 0).
  std::uint16_t BoundPort() const;
  // "127.0.0.1:43117": the bound address, for a client or a message.
  std::string BoundAddress() const;
  // Closes the listener, cancels every connection's context and waits for the connection
  // fibers to end. Idempotent.
  void Stop();

 private:
  std::shared_ptr<detail::ServerState> state_;
};

}  // namespace bubble::net
