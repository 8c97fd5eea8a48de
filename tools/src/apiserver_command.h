// tools/src/apiserver_command.h (private): `bubble apiserver`, the fake API server served live
// on the real-time loop (docs/cli.md, "bubble apiserver"); the serving is NetworkCommands'.
#pragma once

#include <CLI/CLI.hpp>

#include <bubble/cli/network.h>

namespace bubble::cli {

// The usage error of `apiserver` and `run --serve` in a program built without bubble::cli_net.
[[noreturn]] void ThrowWithoutNetworkCommands();

void AddApiServerOptions(CLI::App* cmd, ApiServerArgs& args);

// Runs the command; usage errors (scenarios::ConfigError) before anything is served.
int ApiServer(const NetworkCommands* network, const ApiServerArgs& args);

}  // namespace bubble::cli
