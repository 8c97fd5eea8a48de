// net/test/address_test.cc: host:port parsing.
#include "bubble/net/address.h"

#include <catch2/catch.hpp>

#include "bubble/net/error.h"

namespace net = bubble::net;
using Catch::Matchers::Contains;

TEST_CASE("host:port parses IPv4, bracketed IPv6 and names", "[net][address]") {
  const net::HostPort v4 = net::ParseHostPort("127.0.0.1:8080");
  CHECK(v4.host == "127.0.0.1");
  CHECK(v4.port == 8080);
  const net::HostPort v6 = net::ParseHostPort("[::1]:0");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 0);
  CHECK(v6.ToString() == "[::1]:0");
  const net::HostPort name = net::ParseHostPort("localhost:6443");
  CHECK(name.host == "localhost");
  CHECK(name.ToString() == "localhost:6443");
}

TEST_CASE("a bad address is refused with a one-line reason", "[net][address]") {
  CHECK_THROWS_WITH(net::ParseHostPort("localhost"), Contains("no port"));
  CHECK_THROWS_WITH(net::ParseHostPort("localhost:http"), Contains("0 to 65535"));
  CHECK_THROWS_WITH(net::ParseHostPort("localhost:70000"), Contains("0 to 65535"));
  CHECK_THROWS_WITH(net::ParseHostPort(":80"), Contains("no host"));
  CHECK_THROWS_WITH(net::ParseHostPort("::1:80"), Contains("brackets"));
  CHECK_THROWS_WITH(net::ParseHostPort("[::1:80"), Contains("']'"));
  CHECK_THROWS_AS(net::ParseHostPort("x"), net::NetError);
}
