// net/include/bubble/net/address.h
//
// host:port addresses as a user writes them: "127.0.0.1:8080", "[::1]:0", "localhost:6443".
// Port 0 asks for an ephemeral port (a server reports the one it bound: HttpServer::BoundPort).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bubble::net {

struct HostPort {
  std::string host{};  // without brackets: "::1"
  std::uint16_t port = 0;

  // "127.0.0.1:8080", "[::1]:8080": as it parses back.
  std::string ToString() const;
};

// Parses "host:port" (an IPv6 host in brackets). Throws NetError naming the input and the
// expected form when it does not parse.
HostPort ParseHostPort(std::string_view text);

}  // namespace bubble::net
