// net/include/bubble/net/http_exchange.h
//
// One HTTP exchange as a handler sees it: the request, parsed (no Boost.Beast types), and the
// responder it answers through. The server (net/http_server.h) reads requests with Beast and
// runs each handler on a fiber of the loop; handlers never see sockets, so a handler can be
// tested in a simulated bubble with an in-memory responder.
//
//   void Hello(const net::HttpRequest& req, net::HttpResponder& out) {
//     out.Respond(200, "text/plain", "hello " + std::string(req.Path()));
//   }
//
//   void Ticks(const net::HttpRequest&, net::HttpResponder& out) {   // a stream (as a watch)
//     out.StartStream(200, "application/json");
//     while (out.WriteChunk("{\"tick\":1}\n")) {
//       if (!sim::SleepFor(1s, out.Context())) break;   // the client left or the server stops
//     }
//   }
//
// Threading: a handler runs on a fiber of the bubble that runs the server; the responder is
// valid until the handler returns.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <bubble/sim/context.h>

namespace bubble::net {

struct HttpRequest {
  std::string method{};  // "GET", "POST", "PUT", "PATCH", "DELETE"...
  // As sent, still percent-encoded: "/api/v1/namespaces/default/configmaps?labelSelector=a%3Db".
  std::string target{};
  // Header names lower-cased, values as sent, in the order received.
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  // Over TLS, when the client presented a certificate the server's CA verified: its subject's
  // CN and O entries (kube-apiserver's x509 authenticator reads them as user and groups).
  // Empty otherwise.
  std::string client_cert_user{};
  std::vector<std::string> client_cert_groups{};

  // The value of the first header named `lower_name`, or "" if there is none.
  std::string_view Header(std::string_view lower_name) const noexcept {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) {
        return value;
      }
    }
    return {};
  }

  // The target before '?' (still percent-encoded).
  std::string_view Path() const noexcept {
    const std::string_view t = target;
    return t.substr(0, t.find('?'));
  }

  // The target after '?', or "".
  std::string_view Query() const noexcept {
    const std::string_view t = target;
    const std::size_t q = t.find('?');
    return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
  }
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// How a handler answers: either Respond() once, or StartStream() once and then WriteChunk()
// any number of times (the response ends when the handler returns). A handler that returns
// without either gets a 500 from the server.
class HttpResponder {
 public:
  virtual ~HttpResponder() = default;

  // A complete response with Content-Length.
  virtual void Respond(int status, std::string_view content_type, std::string body,
                       const HttpHeaders& extra_headers = {}) = 0;
  // Starts a chunked response (Transfer-Encoding: chunked) for a stream such as a watch.
  virtual void StartStream(int status, std::string_view content_type,
                           const HttpHeaders& extra_headers = {}) = 0;
  // Sends `data` as one chunk, flushed before it returns. False once the client has gone (or
  // the server is stopping): the handler should return.
  virtual bool WriteChunk(std::string_view data) = 0;
  // Done when the client disconnects or the server shuts down: bound every wait by it.
  virtual const sim::Context& Context() const = 0;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponder&)>;

}  // namespace bubble::net
