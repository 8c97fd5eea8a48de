// net/include/bubble/net/http_client.h
//
// HttpClient: HTTP/1.1 requests (plain or TLS) from fibers of the real-time loop, with
// Boost.Beast. Kept-alive connections are reused (one per request in flight); a stream (a watch)
// gets a connection of its own and is read piece by piece as the server flushes it.
//
//   net::HttpClient client({.address = "127.0.0.1:6443", .tls = true, .ca_pem = ca});
//   net::HttpResponse r = client.Send(ctx, {.method = "GET", .target = "/api/v1/pods"});
//   if (!r.Ok()) { ...r.error... } else if (r.status == 200) { ...r.body... }
//
//   net::HttpStream watch = client.Open(ctx, {.method = "GET", .target = "/api/v1/pods?watch=1"});
//   while (auto bytes = watch.Read(ctx)) { ... }   // nullopt: the stream ended (or failed)
//
// Failures (cannot connect, TLS verification, the server closed mid-response, `ctx` done) are
// not exceptions: a response's `error` says what happened. Options that cannot work (a CA that
// does not load, a CA with insecure_skip_tls_verify) throw NetError from the constructor.
//
// Threading: create and use it from fibers of a bubble run by net::RunRealTime. Several fibers
// may Send at once.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/net/http_exchange.h>
#include <bubble/sim/context.h>

namespace bubble::net {

struct HttpClientOptions {
  std::string address{};  // host:port of the server (address.h)
  bool tls = false;
  // With tls: the CAs that verify the server (PEM; "": the system's), and an optional client
  // certificate and key to present.
  std::string ca_pem{};
  std::string cert_pem{};
  std::string key_pem{};
  // The name the server's certificate must carry, sent as SNI; "": the host of `address`.
  std::string server_name{};
  // With tls: do not verify the server at all, neither its certificate chain nor its name (Go's
  // InsecureSkipVerify, kubeconfig's insecure-skip-tls-verify). The connection is still
  // encrypted, but to whoever answers: anyone on the path can pose as the server and read what
  // is sent, tokens included. A CA (ca_pem) with it is refused, as client-go refuses it.
  bool insecure_skip_tls_verify = false;
  std::chrono::milliseconds connect_timeout{10'000};
  // Responses larger than this fail (Send reads the whole body).
  std::size_t body_limit = 64 * 1024 * 1024;
};

struct HttpResponse {
  std::string error{};  // "" on success; else why there is no response
  int status = 0;
  HttpHeaders headers{};  // names lower-cased
  std::string body{};

  bool Ok() const noexcept { return error.empty(); }

  // The first header named `lower_name`, or "".
  std::string_view Header(std::string_view lower_name) const noexcept;
};

namespace detail {
struct ClientConnection;
struct ClientShared;
struct StreamState;
}  // namespace detail

// A response whose body is read as it arrives.
class HttpStream {
 public:
  HttpStream(HttpStream&&) noexcept;
  HttpStream& operator=(HttpStream&&) noexcept;
  ~HttpStream();

  // "" if the header arrived; else why not (then Read returns nullopt).
  const std::string& Error() const noexcept;
  int Status() const noexcept;
  const HttpHeaders& Headers() const noexcept;
  // The body bytes that arrived since the last call (at least one), waiting for them; nullopt
  // once the body has ended, the connection failed or `ctx` is done (Error() then says which,
  // unless the body simply ended).
  std::optional<std::string> Read(const sim::Context& ctx);
  // Closes the connection (the server sees the client go).
  void Close();

 private:
  friend class HttpClient;
  explicit HttpStream(std::unique_ptr<detail::StreamState> state);
  std::unique_ptr<detail::StreamState> state_;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  // Sends `request` (Host and Content-Length are added) and reads the whole response.
  HttpResponse Send(const sim::Context& ctx, const HttpRequest& request);
  // Sends `request` on a connection of its own and returns once the response header arrived.
  HttpStream Open(const sim::Context& ctx, const HttpRequest& request);

 private:
  std::shared_ptr<detail::ClientShared> shared_;
};

}  // namespace bubble::net
