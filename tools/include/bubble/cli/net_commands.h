// tools/include/bubble/cli/net_commands.h (bubble::cli_net)
//
// File: the implementation of cli::NetworkCommands (<bubble/cli/network.h>): bubble's fake API
// server over Kubernetes REST on the real-time loop (bubble::apiserver, bubble::net).
#pragma once

#include <bubble/cli/network.h>

namespace bubble::cli {

const NetworkCommands& KubernetesApiCommands();

}  // namespace bubble::cli
