// scenarios/test/registry_test.cc
#include "bubble/scenarios/registry.h"

#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <bubble/scenarios/run.h>

namespace sc = bubble::scenarios;
namespace sim = bubble::sim;

TEST_CASE("the registry lists scenarios sorted by name, each with a body",
          "[scenarios][registry]") {
  const auto& all = sc::BuiltinScenarios();
  REQUIRE(!all.empty());
  for (std::size_t i = 1; i < all.size(); ++i) {
    CHECK(all[i - 1].name < all[i].name);
  }
  for (const sc::Scenario& s : all) {
    CHECK(static_cast<bool>(s.body));
    CHECK(!s.description.empty());
    for (const sc::BugSpec& b : s.bugs) {
      CHECK(b.seed_budget > 0);
    }
  }
  CHECK(sc::FindScenario("conflicting-writers") != nullptr);
  CHECK(sc::FindScenario("nope") == nullptr);
}

TEST_CASE("an unknown scenario names the known ones", "[scenarios][registry]") {
  CHECK_THROWS_WITH(sc::GetScenario("nope"),
                    Catch::Matchers::Contains("unknown scenario \"nope\"") &&
                        Catch::Matchers::Contains("conflicting-writers"));
}

TEST_CASE("unknown bugs and options name the scenario and the valid ones",
          "[scenarios][registry]") {
  const sc::Scenario& s = sc::GetScenario("conflicting-writers");
  CHECK_THROWS_WITH(sc::Resolve(s, {"nope"}, {}),
                    Catch::Matchers::Contains("scenario conflicting-writers has no planted bug") &&
                        Catch::Matchers::Contains("no-conflict-check"));
  CHECK_THROWS_WITH(
      sc::Resolve(s, {}, {{"nope", "1"}}),
      Catch::Matchers::Contains("has no option \"nope\"") && Catch::Matchers::Contains("writers"));
  CHECK_THROWS_WITH(sc::Resolve(s, {}, {{"writers", "99"}}), Catch::Matchers::Contains("2..8"));
  CHECK_THROWS_WITH(sc::Resolve(s, {}, {{"latency", "slow"}}),
                    Catch::Matchers::Contains("random|none"));
}

TEST_CASE("Resolve fills in defaults, lets later settings win and sorts bugs",
          "[scenarios][registry]") {
  const sc::Scenario& s = sc::GetScenario("conflicting-writers");
  const sc::ResolvedConfig r = sc::Resolve(s, {"no-retry", "no-conflict-check", "no-retry"},
                                           {{"writers", "3"}, {"writers", "4"}});
  CHECK(r.options.at("writers") == "4");
  CHECK(r.options.at("increments") == "5");
  CHECK(r.bugs == std::vector<std::string>{"no-conflict-check", "no-retry"});
}

TEST_CASE("ParseSetting splits KEY=VALUE", "[scenarios][registry]") {
  CHECK(sc::ParseSetting("a=b=c") == std::pair<std::string, std::string>{"a", "b=c"});
  CHECK(sc::ParseSetting("a=") == std::pair<std::string, std::string>{"a", ""});
  CHECK_THROWS_AS(sc::ParseSetting("a"), sc::ConfigError);
  CHECK_THROWS_AS(sc::ParseSetting("=a"), sc::ConfigError);
}

TEST_CASE("the portfolio alternates random and pct from shallow to deep", "[scenarios][run]") {
  REQUIRE(sc::Portfolio().size() == 8);
  for (std::uint64_t seed = 0; seed < 16; seed += 2) {
    CHECK(sc::PortfolioFor(seed).strategy == sim::StrategyKind::kRandom);
  }
  const int depths[] = {2, 3, 5, 10};
  for (std::uint64_t i = 0; i < 4; ++i) {
    CHECK(sc::PortfolioFor(2 * i + 1).strategy == sim::StrategyKind::kPct);
    CHECK(sc::PortfolioFor(2 * i + 1).pct_depth == depths[i]);
    CHECK(sc::PortfolioFor(2 * i + 9).pct_depth == depths[i]);  // s mod 8
  }
}

TEST_CASE("ReplayCommand spells the run exactly, leaving out defaults", "[scenarios][run]") {
  const sc::Scenario& s = sc::GetScenario("conflicting-writers");
  sc::RunConfig c{.seed = 9, .strategy = sim::StrategyKind::kPct, .pct_depth = 2};
  c.bugs = {"no-retry"};
  c.set = {{"writers", "3"}, {"increments", "5"}};
  CHECK(sc::ReplayCommand(s, c) ==
        "bubble run conflicting-writers --seed 9 --strategy pct --pct-depth 2 --bug no-retry "
        "--set writers=3");
}

TEST_CASE("a trace written by RunAndWriteTrace parses back and replays to the same fingerprint",
          "[scenarios][run]") {
  const sc::Scenario& s = sc::GetScenario("conflicting-writers");
  sc::RunConfig c{.seed = 5, .strategy = sim::StrategyKind::kPct};
  c.bugs = {"no-conflict-check"};
  c.set = {{"increments", "3"}};
  std::ostringstream out;
  const sim::RunResult first = sc::RunAndWriteTrace(s, c, out);
  const sc::RecordedRun rec = sc::ParseTrace(out.str());
  CHECK(rec.scenario == &s);
  CHECK(rec.fingerprint == first.fingerprint);
  CHECK(rec.config.seed == 5);
  CHECK(rec.config.strategy == sim::StrategyKind::kPct);
  CHECK(rec.config.replay == first.decisions);
  CHECK(!rec.records.empty());

  sc::RunConfig replay = rec.config;
  replay.strategy = sim::StrategyKind::kReplay;
  replay.trace = sim::TraceMode::kFull;
  std::vector<sim::TraceEvent> events;
  const sim::RunResult again = sc::RunScenario(
      s, replay, [&](sim::Bubble& b, const auto&) { events = b.GetTrace().Events(); });
  CHECK(again.fingerprint == first.fingerprint);
  CHECK(!sc::FirstDivergence(rec.records, rec.fiber_names, events, rec.fiber_names).has_value());
}

TEST_CASE("ParseTrace rejects what is not a bubble trace", "[scenarios][run]") {
  CHECK_THROWS_WITH(sc::ParseTrace("{"), Catch::Matchers::Contains("not a JSON document"));
  CHECK_THROWS_WITH(sc::ParseTrace("{\"traceEvents\":[]}"),
                    Catch::Matchers::Contains("not a bubble trace"));
  CHECK_THROWS_WITH(
      sc::ParseTrace(R"({"bubble":{"format":"bubble-trace","version":1,"scenario":"nope"}})"),
      Catch::Matchers::Contains("unknown scenario"));
  CHECK_THROWS_AS(
      sc::ParseTrace(
          R"({"bubble":{"format":"bubble-trace","version":1,"scenario":"conflicting-writers"}})"),
      sc::ConfigError);
}

namespace {

sc::Scenario Tiny(std::string name) {
  return {.name = std::move(name),
          .description = "does nothing",
          .options = {{.key = "n",
                       .default_value = "1",
                       .description = "a number",
                       .int_range = std::pair<std::int64_t, std::int64_t>{1, 9}}},
          .bugs = {{.name = "b", .description = "a bug", .seed_budget = 5}},
          .step_limit = 1000,
          .body = [](const sc::ScenarioContext&) -> sim::Task { return [] {}; }};
}

}  // namespace

TEST_CASE("Register adds a scenario once, a duplicate or malformed one is a clear error",
          "[scenarios][registry]") {
  CHECK(sc::Register(Tiny("registry-test-tiny")));
  CHECK_THROWS_WITH(
      sc::Register(Tiny("registry-test-tiny")),
      Catch::Matchers::Contains("scenario \"registry-test-tiny\" is registered twice"));
  sc::Scenario no_body = Tiny("registry-test-no-body");
  no_body.body = nullptr;
  CHECK_THROWS_WITH(sc::Register(no_body), Catch::Matchers::Contains("has no body"));
  sc::Scenario bad_default = Tiny("registry-test-bad-default");
  bad_default.options[0].default_value = "0";
  CHECK_THROWS_WITH(sc::Register(bad_default), Catch::Matchers::Contains("option n: default"));
  const auto registered = sc::RegisteredScenarios();
  REQUIRE(registered.size() == 1);
  CHECK(registered[0]->name == "registry-test-tiny");
  CHECK(sc::FindScenario("registry-test-tiny") == registered[0]);
  // Built-ins are still found (after the registered ones), and AllScenarios has both, sorted.
  CHECK(sc::FindScenario("conflicting-writers") == &sc::BuiltinScenarios().front());
  const auto all = sc::AllScenarios();
  CHECK(all.size() == sc::BuiltinScenarios().size() + 1);
  for (std::size_t i = 1; i < all.size(); ++i) {
    CHECK(all[i - 1]->name < all[i]->name);
  }
}

TEST_CASE("ResolveRun decides limits once, Command names the program, quoted, and the limits",
          "[scenarios][run]") {
  const sc::Scenario s = Tiny("tiny");
  sc::RunConfig c{.seed = 4, .strategy = sim::StrategyKind::kFifo};
  c.program = "./my sim";
  sc::ResolvedRun r = sc::ResolveRun(s, c);
  CHECK(r.step_limit == 1000);  // the scenario's own
  CHECK(r.time_limit == sim::Options{}.time_limit);
  CHECK(r.Command() == "'./my sim' run tiny --seed 4 --strategy fifo");
  c.step_limit = 50;
  c.time_limit = std::chrono::minutes(2);
  c.set = {{"n", "3"}};
  r = sc::ResolveRun(s, c);
  CHECK(r.Command() ==
        "'./my sim' run tiny --seed 4 --strategy fifo --set n=3 --step-limit 50 --time-limit 2m");
  const sim::Options o = r.SimOptions();
  CHECK(o.step_limit == 50);
  CHECK(o.time_limit == std::chrono::minutes(2));
  CHECK(o.replay_command == r.Command());
  c.step_limit = 0;
  CHECK_THROWS_AS(sc::ResolveRun(s, c), sc::ConfigError);
}

TEST_CASE("a trace records its program and replay command, another program's is foreign",
          "[scenarios][run]") {
  const sc::Scenario& s = sc::GetScenario("conflicting-writers");
  sc::RunConfig c{.seed = 2};
  c.program = "./my-ctl-sim";
  std::ostringstream out;
  sc::RunAndWriteTrace(s, c, out);
  const sc::RecordedRun rec = sc::ParseTrace(out.str());
  CHECK(rec.origin.kind == "scenario");
  CHECK(rec.origin.program == "./my-ctl-sim");
  CHECK(rec.origin.replay == "./my-ctl-sim run conflicting-writers --seed 2 --strategy random");
  CHECK(rec.config.program == "./my-ctl-sim");
  // A program without that scenario: the error says who wrote it.
  try {
    sc::ParseTrace(out.str(), [](std::string_view) { return nullptr; });
    FAIL("no ForeignTraceError");
  } catch (const sc::ForeignTraceError& e) {
    CHECK(e.Origin().program == "./my-ctl-sim");
    CHECK(e.Origin().scenario == "conflicting-writers");
    CHECK_THAT(e.what(), Catch::Matchers::Contains("written by ./my-ctl-sim"));
  }
}

TEST_CASE("a test's trace is foreign and names its replay command, old traces still parse",
          "[scenarios][run]") {
  try {
    sc::ParseTrace(
        R"({"bubble":{"format":"bubble-trace","version":1,"kind":"test","program":"./t",)"
        R"("test":"x","replay":"BUBBLE_SEED=1 ./t x"}})");
    FAIL("no ForeignTraceError");
  } catch (const sc::ForeignTraceError& e) {
    CHECK(e.Origin().kind == "test");
    CHECK_THAT(e.what(), Catch::Matchers::Contains("replay it with: BUBBLE_SEED=1 ./t x"));
  }
  // Without "kind", "program" and the limits (format version 1 before they were added).
  const sc::Scenario& s = sc::GetScenario("conflicting-writers");
  std::ostringstream out;
  sc::RunAndWriteTrace(s, sc::RunConfig{.seed = 3}, out);
  nlohmann::json doc = nlohmann::json::parse(out.str());
  for (const char* key : {"kind", "program", "replay", "step_limit", "time_limit"}) {
    doc["bubble"].erase(key);
  }
  const sc::RecordedRun rec = sc::ParseTrace(doc.dump());
  CHECK(rec.scenario == &s);
  CHECK(rec.origin.program.empty());
  CHECK(!rec.config.step_limit.has_value());
  CHECK(rec.config.seed == 3);
}
