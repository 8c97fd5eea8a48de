// tools/src/cli_main.cc
//
// bubble::cli_main: main() over the scenarios registered in this process
// (BUBBLE_REGISTER_SCENARIO / scenarios::Register) and the description given to
// cli::DescribeProgram, with the network commands (`run --serve`, `apiserver`) of bubble::cli_net.
// Link it into a binary whose own .cc files register scenarios.
#include <bubble/cli/cli.h>
#include <bubble/cli/net_commands.h>

int main(int argc, char** argv) {
  bubble::cli::Program program = bubble::cli::RegisteredProgram();
  program.network = &bubble::cli::KubernetesApiCommands();
  return bubble::cli::Main(argc, argv, program);
}
