// tools/test/user_sim.cc
//
// A user's simulation binary built the shortest way: register the scenario, link
// bubble::cli_main (which brings main()).
#include <bubble/cli/cli.h>
#include <bubble/scenarios/registry.h>

#include "user_scenario.h"

BUBBLE_REGISTER_SCENARIO(user::CounterScenario());
BUBBLE_REGISTER_SCENARIO(user::SlowScenario());

static const bool kDescribed = bubble::cli::DescribeProgram("user-sim: the counter races", "1.4.0");
