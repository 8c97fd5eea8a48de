// net/src/endpoint.h: from HostPort to Asio endpoints, and back to text.
#pragma once

#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "bubble/net/address.h"

namespace bubble::net::detail {

// "127.0.0.1:8080", "[::1]:8080".
std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

// The endpoint to bind for `where`: an IP literal as it is, a name through the resolver (its
// first IPv4 address if it has one: "localhost" binds 127.0.0.1). A name resolves synchronously;
// servers start once. Throws NetError naming the host if it does not resolve.
boost::asio::ip::tcp::endpoint ResolveForListen(boost::asio::io_context& io, const HostPort& where);

}  // namespace bubble::net::detail
