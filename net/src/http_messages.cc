// net/src/http_messages.cc
#include "http_messages.h"

#include <algorithm>
#include <cctype>
#include <exception>

#include <boost/beast/http/error.hpp>
#include <nlohmann/json.hpp>

namespace bubble::net::detail {

namespace http = boost::beast::http;

HttpRequest ToHttpRequest(const http::request<http::string_body>& m) {
  HttpRequest request;
  request.method = std::string(m.method_string());
  request.target = std::string(m.target());
  for (const auto& field : m) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.body = m.body();
  return request;
}

std::string StatusJson(int code, std::string_view message) {
  std::string_view reason = "InternalError";
  switch (code) {
    case 400:
      reason = "BadRequest";
      break;
    case 413:
      reason = "RequestEntityTooLarge";
      break;
    default:
      break;
  }
  const nlohmann::json status = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reason},
      {"code", code},
  };
  return status.dump();
}

bool IsMalformedHttp(const boost::system::error_code& error) {
  if (error.category() != http::make_error_code(http::error::bad_target).category()) {
    return false;
  }
  return error != http::error::end_of_stream && error != http::error::partial_message &&
         error != http::error::need_more && error != http::error::need_buffer;
}

std::string DescribeCurrentException() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception of unknown type";
  }
}

}  // namespace bubble::net::detail
