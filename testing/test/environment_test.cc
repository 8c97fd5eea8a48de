// testing/test/environment_test.cc: the BUBBLE_* variables, read from a map.
#include "environment.h"

#include <map>
#include <string>

#include <catch2/catch.hpp>

namespace detail = bubble::testing::detail;
namespace sim = bubble::sim;

namespace {

detail::Environment Read(const std::map<std::string, std::string>& vars) {
  return detail::ReadEnvironment([&vars](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

}  // namespace

TEST_CASE("an empty environment changes nothing", "[testing][env]") {
  const detail::Environment env = Read({});
  CHECK(!env.first_seed);
  CHECK(!env.count);
  CHECK(!env.strategy);
  CHECK(!env.all_seeds);
  CHECK(!env.step_limit);
  CHECK(!env.time_limit);
  CHECK(env.trace_file.empty());
}

TEST_CASE("the variables parse", "[testing][env]") {
  detail::Environment env = Read({{"BUBBLE_SEED", "7"},
                                  {"BUBBLE_STRATEGY", "pct"},
                                  {"BUBBLE_ALL_SEEDS", "1"},
                                  {"BUBBLE_STEP_LIMIT", "500"},
                                  {"BUBBLE_TIME_LIMIT", "90s"},
                                  {"BUBBLE_TRACE", "/tmp/t.json"}});
  CHECK(env.first_seed == 7u);
  CHECK(env.count == 1u);
  CHECK(env.strategy == sim::StrategyKind::kPct);
  CHECK(env.all_seeds == true);
  CHECK(env.step_limit == 500u);
  CHECK(env.time_limit == std::chrono::seconds(90));
  CHECK(env.trace_file == "/tmp/t.json");
  env = Read({{"BUBBLE_SEEDS", "4..9"}, {"BUBBLE_ALL_SEEDS", "0"}});
  CHECK(env.first_seed == 4u);
  CHECK(env.count == 6u);
  CHECK(env.all_seeds == false);
}

TEST_CASE("a malformed variable is one line naming it and the fix", "[testing][env]") {
  using Catch::Matchers::Contains;
  const std::pair<const char*, const char*> bad[] = {
      {"BUBBLE_SEED", "x"},        {"BUBBLE_SEED", ""},           {"BUBBLE_SEED", "-1"},
      {"BUBBLE_SEEDS", "5"},       {"BUBBLE_SEEDS", "9..4"},      {"BUBBLE_SEEDS", "1..x"},
      {"BUBBLE_STRATEGY", "lifo"}, {"BUBBLE_STRATEGY", "replay"}, {"BUBBLE_ALL_SEEDS", "yes"},
      {"BUBBLE_STEP_LIMIT", "0"},  {"BUBBLE_STEP_LIMIT", "1e3"},  {"BUBBLE_TIME_LIMIT", "90"},
      {"BUBBLE_TIME_LIMIT", "0s"}, {"BUBBLE_TIME_LIMIT", "1.5h"}};
  for (const auto& [name, value] : bad) {
    CAPTURE(name, value);
    try {
      Read({{name, value}});
      FAIL("no EnvironmentError");
    } catch (const detail::EnvironmentError& e) {
      const std::string what = e.what();
      CHECK_THAT(what, Contains(std::string(name) + "=\"" + value + "\" is not"));
      CHECK_THAT(what, Contains("use"));
      CHECK(what.find('\n') == std::string::npos);
    }
  }
}
