// net/include/bubble/net/error.h
//
// NetError: what the network layer throws for bad input or a failed setup (an address that does
// not parse, a port already in use, a certificate that does not load). Its message is one line
// naming the problem and the fix. Failures of a connection in use are not exceptions: a handler
// sees its context done, a client call returns an error.
#pragma once

#include <stdexcept>
#include <string>

namespace bubble::net {

class NetError : public std::runtime_error {
 public:
  explicit NetError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace bubble::net
