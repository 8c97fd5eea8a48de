// tools/include/bubble/cli/cli.h
//
// File: bubble's command line as a library. Your own binary gets every command and flag of
// `bubble` (list, run, sweep with --jobs/--shard/--junit/--check-determinism, replay, --trace)
// over YOUR scenarios, and every command it prints (replay commands, first failing seeds, JUnit
// failure texts) names your binary. Two ways (docs/cli.md, "Use bubble's CLI in your own
// binary"):
//
//  1. Link bubble::cli_main (it holds only main()) and register scenarios from your own .cc:
//
//       BUBBLE_REGISTER_SCENARIO(MirrorScenario());        // <bubble/scenarios/registry.h>
//
//  2. Link bubble::cli and write main yourself:
//
//       int main(int argc, char** argv) {
//         return bubble::cli::Main(argc, argv, {.description = "my-ctl's race scenarios",
//                                               .version = "1.4.0",
//                                               .scenarios = {MirrorScenario()}});
//       }
//
// Exit codes: 0 success, 1 a failed run / sweep / replay, 2 a usage error ("bubble: error: ..."
// on stderr, one line, nothing run and nothing written).
// Threading: Main runs on the calling thread; `sweep` forks worker processes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <bubble/cli/network.h>
#include <bubble/scenarios/registry.h>

namespace bubble::cli {

// What a program offers on its command line.
struct Program {
  // One line under the usage in --help; empty: a generic line.
  std::string description{};
  // Printed by --version as "<program> <version> (bubble <bubble's version>)"; empty: only
  // bubble's version.
  std::string version{};
  // The scenarios list/run/sweep/replay know, by name (names must be unique). To offer bubble's
  // own suite too, append scenarios::BuiltinScenarios().
  std::vector<scenarios::Scenario> scenarios{};
  // `run --serve` and `apiserver`: KubernetesApiCommands() of bubble::cli_net
  // (<bubble/cli/net_commands.h>); null, the default: those are usage errors saying so.
  const NetworkCommands* network = nullptr;
};

// Runs the command line in argv over `program`; returns the exit code. Printed commands name
// argv[0] as invoked (shell-quoted).
int Main(int argc, char** argv, const Program& program);

// bubble's version (the CMake project version), e.g. "0.2.0".
std::string_view Version() noexcept;

// For bubble::cli_main users: the description and version its main() passes to Main (call from a
// static initializer, as BUBBLE_REGISTER_SCENARIO; returns true). cli_main's scenarios are those
// registered with scenarios::Register.
bool DescribeProgram(std::string description, std::string version);

// The Program cli_main runs: the described description and version, and every registered
// scenario.
Program RegisteredProgram();

}  // namespace bubble::cli
