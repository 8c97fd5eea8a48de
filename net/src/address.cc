// net/src/address.cc
#include "bubble/net/address.h"

#include <charconv>

#include <fmt/format.h>

#include "bubble/net/error.h"

namespace bubble::net {

namespace {

[[noreturn]] void Bad(std::string_view text, std::string_view why) {
  throw NetError(
      fmt::format("bad address \"{}\": {}; write host:port, as 127.0.0.1:8080, "
                  "[::1]:0 or localhost:6443 (port 0: any free port)",
                  text, why));
}

}  // namespace

std::string HostPort::ToString() const {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

HostPort ParseHostPort(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      Bad(text, "no ']' after the IPv6 address");
    }
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.starts_with(':')) {
      Bad(text, "no ':port' after ']'");
    }
    port = rest.substr(1);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      Bad(text, "no port");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      Bad(text, "an IPv6 address needs brackets");
    }
  }
  if (host.empty()) {
    Bad(text, "no host");
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    Bad(text, "the port is not a number from 0 to 65535");
  }
  return HostPort{.host = std::string(host), .port = static_cast<std::uint16_t>(value)};
}

}  // namespace bubble::net
