// tools/src/builtin_registration.cc
//
// The `bubble` executable is cli_main plus this file: it registers bubble's built-in scenario
// suite and describes the program.
#include <bubble/cli/cli.h>
#include <bubble/scenarios/registry.h>

namespace {

bool RegisterBuiltins() {
  for (const bubble::scenarios::Scenario& s : bubble::scenarios::BuiltinScenarios()) {
    bubble::scenarios::detail::RegisterOrExit(s);
  }
  return bubble::cli::DescribeProgram(
      "bubble: deterministic simulation testing of Kubernetes-style controllers", "");
}

[[maybe_unused]] const bool kRegistered = RegisterBuiltins();

}  // namespace
