// client/include/bubble/client/config_error.h
//
// ConfigError: what loading a client configuration throws (a kubeconfig that does not parse, a
// context that names a missing cluster, a certificate file that cannot be read, no in-cluster
// environment). Its message is one line naming the file or entry at fault and the fix.
#pragma once

#include <stdexcept>
#include <string>

namespace bubble::client {

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace bubble::client
