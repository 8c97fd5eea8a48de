// testing/test/replay_command_test.cc: test specs that select exactly their test, and replay
// commands on one line.
#include "replay_command.h"

#include <string>

// Catch2's test spec parser is among its "external interfaces".
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

namespace detail = bubble::testing::detail;
namespace sim = bubble::sim;

namespace {

// Whether Catch2's own parser reads `spec` as selecting a test named `name`.
bool Selects(const std::string& spec, const std::string& name) {
  const Catch::TestSpec ts = Catch::parseTestSpec(spec);
  const Catch::TestCaseInfo info(name, "", "", {}, CATCH_INTERNAL_LINEINFO);
  return ts.hasFilters() && ts.matches(info);
}

}  // namespace

TEST_CASE("a test spec selects exactly the test of that name", "[testing][replay]") {
  const std::string names[] = {
      "plain name",
      "commas, here, and there",
      "[brackets] at the start and [tags] inside",
      "~ a tilde first",
      R"(quotes "double" and 'single')",
      R"(back\slash\ and \, escaped comma)",
      "dollars $HOME and `ticks` and ; semicolons",
      "a*b in the middle",
  };
  for (const std::string& name : names) {
    CAPTURE(name, detail::CatchTestSpec(name));
    CHECK(Selects(detail::CatchTestSpec(name), name));
    // Not a test whose name is a prefix, a suffix, or the name up to a special character.
    CHECK_FALSE(Selects(detail::CatchTestSpec(name), name + " more"));
    CHECK_FALSE(Selects(detail::CatchTestSpec(name), "x" + name));
    CHECK_FALSE(Selects(detail::CatchTestSpec(name), name.substr(0, name.size() / 2)));
  }
}

TEST_CASE("a replay command is one line with the environment first", "[testing][replay]") {
  const std::string cmd = detail::ReplayCommand({.binary = "/build/my tests",
                                                 .test_name = "a, [b] 'c'",
                                                 .seed = 4,
                                                 .strategy = sim::StrategyKind::kPct});
  CHECK(cmd == R"(BUBBLE_SEED=4 BUBBLE_STRATEGY=pct '/build/my tests' '"a\, \[b\] '\''c'\''"')");
  CHECK(cmd.find('\n') == std::string::npos);
  const std::string limited = detail::ReplayCommand({.binary = "/t",
                                                     .test_name = "t",
                                                     .seed = 1,
                                                     .strategy = sim::StrategyKind::kRandom,
                                                     .step_limit = 50,
                                                     .time_limit = std::chrono::minutes(2)});
  CHECK(
      limited ==
      R"(BUBBLE_SEED=1 BUBBLE_STRATEGY=random BUBBLE_STEP_LIMIT=50 BUBBLE_TIME_LIMIT=2m /t '"t"')");
}
