// net/src/http_messages.h: conversions between Beast messages and the handler's view
// (http_exchange.h), and the server's own answers.
#pragma once

#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include "bubble/net/http_exchange.h"

namespace bubble::net::detail {

// Header names lower-cased, in the order received.
HttpRequest ToHttpRequest(const boost::beast::http::request<boost::beast::http::string_body>& m);

// A short kube-style Status object: {"kind":"Status","status":"Failure","message":...,"code":N}.
std::string StatusJson(int code, std::string_view message);

// True for errors of Beast's HTTP parser about the bytes received (answered with 400), false for
// the end of the connection, a timeout or a cancellation.
bool IsMalformedHttp(const boost::system::error_code& error);

// The current exception's what(), for a 500's message.
std::string DescribeCurrentException();

}  // namespace bubble::net::detail
