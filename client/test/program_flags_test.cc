// client/test/program_flags_test.cc: a controller program's command line (ControllerProgram),
// checked whole before anything runs: defaults, the leader-election rules, its own flags, and
// one line naming the flag and the fix for each mistake.
#include "program_flags.h"

#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

namespace client = bubble::client;
namespace detail = bubble::client::detail;
namespace sim = bubble::sim;
using namespace std::chrono_literals;

namespace {

std::variant<detail::ProgramFlags, detail::ProgramExit> Parse(const client::ControllerProgram& p,
                                                              std::vector<std::string> args) {
  args.insert(args.begin(), p.name);
  std::vector<char*> argv;
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  return detail::ParseProgramFlags(p, static_cast<int>(argv.size()), argv.data());
}

client::ControllerProgram Mirror() {
  return {.name = "mirror",
          .description = "mirror: mirrors ConfigMaps",
          .default_workers = 3,
          .flags = {{.name = "source-namespace",
                     .default_value = "src",
                     .description = "where from",
                     .check = [](const std::string& v) {
                       return v == "Bad" ? std::string("\"Bad\" is not a namespace; give one")
                                         : std::string();
                     }}}};
}

// The error line of a parse that must fail with exit 2.
std::string ErrorOf(const std::variant<detail::ProgramFlags, detail::ProgramExit>& parsed) {
  const auto* exit = std::get_if<detail::ProgramExit>(&parsed);
  REQUIRE(exit != nullptr);
  CHECK(exit->code == 2);
  CHECK(exit->text.find('\n') == std::string::npos);
  return exit->text;
}

}  // namespace

TEST_CASE(
    "a program's defaults: its worker count, no leader election, kube-controller-manager's "
    "lease timings",
    "[client][program]") {
  const auto parsed = Parse(Mirror(), {});
  const auto* flags = std::get_if<detail::ProgramFlags>(&parsed);
  REQUIRE(flags != nullptr);
  CHECK(flags->workers == 3);
  CHECK(flags->kubeconfig.empty());
  CHECK(flags->log_level == sim::LogLevel::kInfo);
  CHECK_FALSE(flags->leader_election.enabled);
  CHECK(flags->leader_election.lease_duration == 15s);
  CHECK(flags->leader_election.renew_deadline == 10s);
  CHECK(flags->leader_election.retry_period == 2s);
  CHECK(flags->own.at("source-namespace") == "src");
}

TEST_CASE("flags are read in both forms, durations and levels parsed", "[client][program]") {
  const auto parsed =
      Parse(Mirror(), {"--kubeconfig", "/k", "--context=ctx", "--workers", "7", "--log-level",
                       "debug", "--leader-elect", "--lease-duration", "30s", "--renew-deadline=20s",
                       "--retry-period", "500ms", "--identity", "me", "--source-namespace", "a"});
  const auto* flags = std::get_if<detail::ProgramFlags>(&parsed);
  REQUIRE(flags != nullptr);
  CHECK(flags->kubeconfig == "/k");
  CHECK(flags->context == "ctx");
  CHECK(flags->workers == 7);
  CHECK(flags->log_level == sim::LogLevel::kDebug);
  CHECK(flags->leader_election.enabled);
  CHECK(flags->leader_election.lease_duration == 30s);
  CHECK(flags->leader_election.renew_deadline == 20s);
  CHECK(flags->leader_election.retry_period == 500ms);
  CHECK(flags->leader_election.identity == "me");
  CHECK(flags->own.at("source-namespace") == "a");
}

TEST_CASE("each mistake is one line naming the flag and the fix", "[client][program]") {
  const auto p = Mirror();
  CHECK_THAT(ErrorOf(Parse(p, {"--workers", "0"})), Catch::Contains("--workers"));
  CHECK_THAT(ErrorOf(Parse(p, {"--workers", "many"})), Catch::Contains("--workers"));
  CHECK_THAT(ErrorOf(Parse(p, {"--log-level", "loud"})),
             Catch::Contains("\"loud\" is not a level; give"));
  CHECK_THAT(ErrorOf(Parse(p, {"--lease-duration", "15"})),
             Catch::Contains("--lease-duration") && Catch::Contains("as 15s or 500ms"));
  CHECK_THAT(ErrorOf(Parse(p, {"--kubeconfig", ""})),
             Catch::Contains("--kubeconfig") && Catch::Contains("give a file"));
  CHECK_THAT(ErrorOf(Parse(p, {"--health-probe-bind-address", "8081"})),
             Catch::Contains("--health-probe-bind-address") && Catch::Contains("host:port"));
  CHECK_THAT(ErrorOf(Parse(p, {"--bogus"})),
             Catch::Contains("--bogus") && Catch::Contains("run mirror --help"));
  CHECK_THAT(ErrorOf(Parse(p, {"--source-namespace", "Bad"})),
             Catch::Contains("\"Bad\" is not a namespace; give one"));
  CHECK_THAT(ErrorOf(Parse(p, {"--leader-elect", "--renew-deadline", "20s"})),
             Catch::Contains("--renew-deadline 20s must be shorter than --lease-duration 15s"));
  CHECK_THAT(ErrorOf(Parse(p, {"--leader-elect", "--retry-period", "9s"})),
             Catch::Contains("longer than 1.2 x --retry-period 9s"));
  CHECK_THAT(ErrorOf(Parse(p, {"--leader-elect", "--lease-duration", "900ms", "--renew-deadline",
                               "500ms", "--retry-period", "100ms"})),
             Catch::Contains("under a second"));
  // Without --leader-elect the lease timings are not used, so not held against the program.
  CHECK(std::holds_alternative<detail::ProgramFlags>(Parse(p, {"--renew-deadline", "20s"})));
}

TEST_CASE("--help is the usage on stdout, exit 0", "[client][program]") {
  const auto parsed = Parse(Mirror(), {"--help"});
  const auto* exit = std::get_if<detail::ProgramExit>(&parsed);
  REQUIRE(exit != nullptr);
  CHECK(exit->code == 0);
  CHECK_THAT(exit->text, Catch::Contains("mirror: mirrors ConfigMaps") &&
                             Catch::Contains("--kubeconfig") && Catch::Contains("--leader-elect") &&
                             Catch::Contains("--source-namespace"));
}

TEST_CASE("a program that always elects has no --leader-elect and checks the timings",
          "[client][program]") {
  client::ControllerProgram p{.name = "leader",
                              .leader_election = client::LeaderElectionMode::kAlways};
  const auto parsed = Parse(p, {});
  const auto* flags = std::get_if<detail::ProgramFlags>(&parsed);
  REQUIRE(flags != nullptr);
  CHECK(flags->leader_election.enabled);
  CHECK_THAT(ErrorOf(Parse(p, {"--leader-elect"})), Catch::Contains("--leader-elect"));
  CHECK_THAT(ErrorOf(Parse(p, {"--renew-deadline", "20s"})),
             Catch::Contains("must be shorter than --lease-duration"));
}
