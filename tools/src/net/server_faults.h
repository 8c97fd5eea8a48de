// tools/src/net/server_faults.h (private): the fault flags of `bubble apiserver` (--error-rate,
// --latency, --watch-lifetime, --expire-rate, --fault-seed) read into the faults the server
// injects (apiserver::FlakyServer), and the startup line that names them (docs/kubectl.md, "Test
// against a flaky server").
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include <bubble/apiserver/flaky_server.h>
#include <bubble/cli/network.h>

namespace bubble::cli::net_commands {

struct ServerFaults {
  apiserver::FlakyServer flaky{};
  // --fault-seed: the seed of sim::Rand() on the real-time loop; unset: drawn per process.
  std::optional<std::uint64_t> seed{};

  // Whether any fault is on.
  bool Any() const;
};

// The faults `args` asks for. Throws FaultFlagError, one line naming the flag and the fix: a
// percentage that is not a number from 0 to 100, a duration without a unit, MIN > MAX, a zero
// watch lifetime, a seed that is not a non-negative integer.
ServerFaults ReadServerFaults(const ApiServerArgs& args);

// "faults: 10% of API requests fail (...), ...; fault seed N (--fault-seed N repeats the
// draws)", naming every fault that is on; "" when none is.
std::string FaultsLine(const ServerFaults& faults, std::uint64_t seed);

struct FaultFlagError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace bubble::cli::net_commands
