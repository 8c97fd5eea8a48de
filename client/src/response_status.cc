// client/src/response_status.cc
#include "response_status.h"

#include <charconv>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <bubble/runtime/cache/reflector.h>

namespace bubble::client::detail {

namespace {

// client-go's NewGenericServerResponse: the reason a bare HTTP code stands for.
runtime::StatusReason ReasonForCode(int code) noexcept {
  using R = runtime::StatusReason;
  switch (code) {
    case 400:
      return R::kBadRequest;
    case 401:
      return R::kUnauthorized;
    case 403:
      return R::kForbidden;
    case 404:
      return R::kNotFound;
    case 405:
      return R::kMethodNotAllowed;
    case 406:
      return R::kNotAcceptable;
    case 409:
      return R::kConflict;
    case 410:
      return R::kGone;
    case 413:
      return R::kRequestEntityTooLarge;
    case 415:
      return R::kUnsupportedMediaType;
    case 422:
      return R::kInvalid;
    case 429:
      return R::kTooManyRequests;
    case 500:
      return R::kInternalError;
    case 503:
      return R::kServiceUnavailable;
    case 504:
      return R::kTimeout;
    default:
      return R::kUnknown;
  }
}

}  // namespace

runtime::Status StatusFromResponse(int code, std::string_view body, std::string_view retry_after) {
  runtime::Status s;
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.value("kind", nlohmann::json()) == "Status") {
    s = runtime::Status::FromJson(j, code);
  } else {
    s.reason = ReasonForCode(code);
    s.code = code;
    s.message = body.empty() ? fmt::format(
                                   "the server responded with the status code {} but did "
                                   "not return more information",
                                   code)
                             : std::string(body.substr(0, body.find_last_not_of("\r\n") + 1));
  }
  if (s.details.retry_after_seconds == 0) {
    if (const auto seconds = ParseRetryAfter(retry_after)) {
      s.details.retry_after_seconds = *seconds;
    }
  }
  return s;
}

std::optional<int> ParseRetryAfter(std::string_view header) {
  int seconds = 0;
  const char* end = header.data() + header.size();
  const auto [ptr, ec] = std::from_chars(header.data(), end, seconds);
  if (header.empty() || ec != std::errc() || ptr != end || seconds < 0) {
    return std::nullopt;
  }
  return seconds;
}

runtime::Status TransportError(const sim::Context& ctx, std::string_view address,
                               std::string_view error) {
  if (ctx.IsDone()) {
    return runtime::NewContextError(ctx.Err());
  }
  if (error.find("refused") != std::string_view::npos) {
    return runtime::cache::NewConnectionRefused(address);
  }
  runtime::Status s;
  s.code = 0;  // client-side: no API predicate matches it
  s.message = std::string(error);
  return s;
}

}  // namespace bubble::client::detail
