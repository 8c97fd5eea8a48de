// tools/src/cli_main.cc
//
// bubble::cli_main: main() over the scenarios registered in this process
// (BUBBLE_REGISTER_SCENARIO / scenarios::Register) and the description given to
// cli::DescribeProgram. Link it into a binary whose own .cc files register scenarios.
#include <bubble/cli/cli.h>

int main(int argc, char** argv) {
  return bubble::cli::Main(argc, argv, bubble::cli::RegisteredProgram());
}
