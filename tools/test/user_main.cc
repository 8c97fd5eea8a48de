// tools/test/user_main.cc
//
// A user's simulation binary with its own main() over bubble::cli::Main, offering bubble's
// built-in suite next to its own scenario.
#include <bubble/cli/cli.h>
#include <bubble/scenarios/registry.h>

#include "user_scenario.h"

int main(int argc, char** argv) {
  bubble::cli::Program program{.description = "user-main: the counter races and bubble's suite",
                               .version = "",
                               .scenarios = {user::CounterScenario()}};
  for (const bubble::scenarios::Scenario& s : bubble::scenarios::BuiltinScenarios()) {
    program.scenarios.push_back(s);
  }
  return bubble::cli::Main(argc, argv, program);
}
