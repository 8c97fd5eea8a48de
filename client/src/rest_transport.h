// client/src/rest_transport.h
//
// RestTransport: one API server as the resource clients reach it (client-go's RESTClient and
// its Request): the HTTP(S) connection pool, the headers every request carries (Accept,
// Authorization, User-Agent), the rate limiter, the per-request timeout, retries of reads, and
// the mapping of error responses to Status. Shared by a clientset, its resource clients and
// their watches.
#pragma once

#include <optional>
#include <string>

#include <bubble/client/file_token_source.h>
#include <bubble/client/rest_config.h>
#include <bubble/net/http_client.h>
#include <bubble/runtime/status.h>
#include <bubble/sim/context.h>

#include "api_path.h"
#include "request_throttle.h"

namespace bubble::client::detail {

struct RestCall {
  std::string method = "GET";
  std::string target{};  // path and query, without the server's prefix
  std::string content_type{};
  std::string body{};
};

class RestTransport {
 public:
  explicit RestTransport(RestConfig config);
  RestTransport(const RestTransport&) = delete;
  RestTransport& operator=(const RestTransport&) = delete;

  // The body of a 2xx answer, or the Status of any other answer or of a failed exchange. A GET
  // answered 429/5xx with a Retry-After is sent again after that long (up to max_retries), and
  // one whose connection was reset is sent again at once.
  runtime::Result<std::string> Do(const sim::Context& ctx, const RestCall& call);

  // A streamed answer (a watch) whose status is 200; any other answer is its Status. The stream
  // is not bounded by RestConfig::timeout or by `ctx` (which bounds only the wait for the header).
  runtime::Result<net::HttpStream> Open(const sim::Context& ctx, const RestCall& call);

  const std::string& Address() const noexcept { return url_.address; }

 private:
  net::HttpRequest Build(const RestCall& call);
  // The token from token_source_, logging a failed re-read of the file once.
  const std::string& RotatedToken();

  RestConfig config_;
  ServerUrl url_;
  net::HttpClient http_;
  RequestThrottle throttle_;
  std::optional<FileTokenSource> token_source_;  // when RestConfig::token_file is set
  std::string token_error_{};                    // token_source_'s last error, as logged
};

}  // namespace bubble::client::detail
