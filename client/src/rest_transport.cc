// client/src/rest_transport.cc
#include "rest_transport.h"

#include <utility>

#include <spdlog/logger.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>

#include "response_status.h"

namespace bubble::client::detail {

namespace {

net::HttpClientOptions ClientOptions(const RestConfig& config, const ServerUrl& url) {
  return {.address = url.address,
          .tls = url.tls,
          .ca_pem = config.ca_pem,
          .cert_pem = config.client_cert_pem,
          .key_pem = config.client_key_pem,
          .server_name = config.tls_server_name.empty() ? url.host : config.tls_server_name,
          .insecure_skip_tls_verify = url.tls && config.insecure_skip_tls_verify};
}

// client-go retries a GET whose connection broke under it (net.IsConnectionReset,
// IsProbableEOF): the server may have closed a kept-alive connection.
bool IsBrokenConnection(std::string_view error) noexcept {
  return error.find("reset") != std::string_view::npos ||
         error.find("end of stream") != std::string_view::npos ||
         error.find("closed the connection") != std::string_view::npos ||
         error.find("End of file") != std::string_view::npos;
}

bool IsRetryableCode(int code) noexcept {
  return code == 429 || code >= 500;
}

// The loop's clock as FileTokenSource counts (real time on the real-time loop; in a simulation,
// virtual time, so a run stays a function of its seed).
FileTokenSource::Clock::time_point TokenClockNow() {
  return FileTokenSource::Clock::time_point(
      std::chrono::duration_cast<FileTokenSource::Clock::duration>(sim::Now().time_since_epoch()));
}

// Outside a bubble (a clientset made on the owner's thread) there is no logger: nothing is logged.
spdlog::logger* ClientLogger() {
  sim::Bubble* bubble = sim::Bubble::Current();
  return bubble != nullptr ? &bubble->Logger("client") : nullptr;
}

}  // namespace

RestTransport::RestTransport(RestConfig config)
    : config_(std::move(config)),
      url_(ParseServerUrl(config_.server)),
      http_(ClientOptions(config_, url_)),
      throttle_(config_.qps, config_.burst) {
  if (!config_.token_file.empty()) {
    token_source_.emplace(config_.token_file, config_.bearer_token, TokenClockNow(),
                          config_.token_file_reread_period);
  }
  if (url_.tls && config_.insecure_skip_tls_verify) {
    if (spdlog::logger* log = ClientLogger()) {
      log->warn(
          "the API server {} is not verified (insecure_skip_tls_verify): anyone between this "
          "client and the server can pose as it and read its credentials",
          url_.address);
    }
  }
}

net::HttpRequest RestTransport::Build(const RestCall& call) {
  net::HttpRequest req{.method = call.method, .target = url_.prefix + call.target};
  req.headers.emplace_back("Accept", "application/json");
  req.headers.emplace_back("User-Agent",
                           config_.user_agent.empty() ? "bubble-client" : config_.user_agent);
  const std::string& token = token_source_ ? RotatedToken() : config_.bearer_token;
  if (!token.empty()) {
    req.headers.emplace_back("Authorization", "Bearer " + token);
  }
  if (!call.content_type.empty()) {
    req.headers.emplace_back("Content-Type", call.content_type);
  }
  req.body = call.body;
  return req;
}

const std::string& RestTransport::RotatedToken() {
  const std::string& token = token_source_->Token(TokenClockNow());
  // Logged when re-reading starts failing (or fails another way), not once a period after.
  if (const std::string& error = token_source_->LastError(); error != token_error_) {
    token_error_ = error;
    spdlog::logger* log = ClientLogger();
    if (log != nullptr && !error.empty()) {
      log->warn("{}; the client keeps sending the token it holds", error);
    }
  }
  return token;
}

runtime::Result<std::string> RestTransport::Do(const sim::Context& ctx, const RestCall& call) {
  const net::HttpRequest req = Build(call);
  const bool retries = call.method == "GET";
  for (int attempt = 0;; ++attempt) {
    if (auto waited = throttle_.Wait(ctx); !waited) {
      return runtime::Err(waited.error());
    }
    net::HttpResponse r;
    if (config_.timeout > std::chrono::milliseconds::zero()) {
      auto [bounded, cancel] = sim::WithTimeout(ctx, config_.timeout);
      r = http_.Send(bounded, req);
      cancel();
    } else {
      r = http_.Send(ctx, req);
    }
    const bool more = retries && attempt < config_.max_retries && !ctx.IsDone();
    if (!r.Ok()) {
      if (more && IsBrokenConnection(r.error)) {
        continue;
      }
      return runtime::Err(TransportError(ctx, url_.address, r.error));
    }
    if (r.status >= 200 && r.status < 300) {
      return std::move(r.body);
    }
    runtime::Status status = StatusFromResponse(r.status, r.body, r.Header("retry-after"));
    const bool told_to_wait = ParseRetryAfter(r.Header("retry-after")).has_value() ||
                              status.details.retry_after_seconds > 0;
    if (more && IsRetryableCode(r.status) && told_to_wait) {
      if (!sim::SleepFor(std::chrono::seconds(status.details.retry_after_seconds), ctx)) {
        return runtime::Err(runtime::NewContextError(ctx.Err()));
      }
      continue;
    }
    return runtime::Err(std::move(status));
  }
}

runtime::Result<net::HttpStream> RestTransport::Open(const sim::Context& ctx,
                                                     const RestCall& call) {
  if (auto waited = throttle_.Wait(ctx); !waited) {
    return runtime::Err(waited.error());
  }
  net::HttpStream stream = http_.Open(ctx, Build(call));
  if (!stream.Error().empty()) {
    return runtime::Err(TransportError(ctx, url_.address, stream.Error()));
  }
  if (stream.Status() == 200) {
    return stream;
  }
  std::string body;
  while (auto bytes = stream.Read(ctx)) {
    body += *bytes;
  }
  std::string retry_after;
  for (const auto& [name, value] : stream.Headers()) {
    if (name == "retry-after") {
      retry_after = value;
      break;
    }
  }
  return runtime::Err(StatusFromResponse(stream.Status(), body, retry_after));
}

}  // namespace bubble::client::detail
