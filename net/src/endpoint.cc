// net/src/endpoint.cc
#include "endpoint.h"

#include <fmt/format.h>

#include "bubble/net/error.h"

namespace bubble::net::detail {

using tcp = boost::asio::ip::tcp;

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  return HostPort{.host = endpoint.address().to_string(), .port = endpoint.port()}.ToString();
}

tcp::endpoint ResolveForListen(boost::asio::io_context& io, const HostPort& where) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(where.host, ec);
  if (!ec) {
    return {address, where.port};
  }
  tcp::resolver resolver(io);
  const auto results =
      resolver.resolve(where.host, std::to_string(where.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    throw NetError(
        fmt::format("cannot resolve host \"{}\" of {}: {}; give an IP address or a "
                    "name the resolver knows",
                    where.host, where.ToString(), ec ? ec.message() : "no addresses"));
  }
  for (const auto& entry : results) {
    if (entry.endpoint().address().is_v4()) {
      return entry.endpoint();
    }
  }
  return results.begin()->endpoint();
}

}  // namespace bubble::net::detail
