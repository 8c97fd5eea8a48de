// client/test/controller_program_test.cc: how a controller program ends (RunControllerProgram's
// exit codes) when its controller misbehaves, before or without any request to the server. The
// graceful stop on SIGTERM and leader election are tested end to end against `bubble apiserver`
// (scenarios/test/programs_test.sh, examples/test/leader_test.sh).
#include <stdlib.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <bubble/client/controller_program.h>

#include "temp_dir.h"

namespace client = bubble::client;
namespace sim = bubble::sim;

namespace {

// RunControllerProgram on a kubeconfig whose server is never reached (nothing listens on port 1;
// the controllers here make no request), with `args` after it.
int RunProgram(const client::ControllerProgram& program, std::vector<std::string> args = {}) {
  const bubble::net::test::TempDir dir;
  const auto kubeconfig = dir.Write("kubeconfig", R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "http://127.0.0.1:1"}
users:
- name: u
  user: {token: t}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
)");
  args.insert(args.begin(), {program.name, "--kubeconfig", kubeconfig.string()});
  std::vector<char*> argv;
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  return client::RunControllerProgram(program, static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("a controller that returns before it is stopped ends the program with exit 1",
          "[client][program]") {
  int runs = 0;
  const client::ControllerProgram program{
      .name = "quitter", .run = [&runs](const client::ProgramContext& p, const sim::Context& ctx) {
        ++runs;
        CHECK(p.workers == 2);
        CHECK(p.config.server == "http://127.0.0.1:1");
        CHECK_FALSE(ctx.IsDone());
      }};
  CHECK(RunProgram(program) == 1);
  CHECK(runs == 1);
}

TEST_CASE("a controller that throws ends the program with exit 1 (the run's report)",
          "[client][program]") {
  const client::ControllerProgram program{
      .name = "thrower", .run = [](const client::ProgramContext&, const sim::Context&) {
        throw std::runtime_error("reconcile exploded");
      }};
  CHECK(RunProgram(program) == 1);
}

TEST_CASE("a program with bad flags or configuration exits 2 before its controller runs",
          "[client][program]") {
  bool ran = false;
  const client::ControllerProgram program{
      .name = "never",
      .run = [&ran](const client::ProgramContext&, const sim::Context&) { ran = true; }};
  CHECK(RunProgram(program, {"--workers", "0"}) == 2);
  CHECK(RunProgram(program, {"--context", "nope"}) == 2);  // no such context in the kubeconfig
  CHECK(RunProgram(program, {"--health-probe-bind-address", "nohost"}) == 2);
  CHECK_FALSE(ran);
}

TEST_CASE("a program without a run function says so and exits 1", "[client][program]") {
  CHECK(RunProgram({.name = "empty"}) == 1);
}

TEST_CASE("KUBE_FEATURE_WatchListClient turns streaming lists on, as client-go's gate does",
          "[client][program]") {
  std::vector<bool> seen;
  const client::ControllerProgram program{
      .name = "gate", .run = [&seen](const client::ProgramContext& p, const sim::Context&) {
        seen.push_back(p.config.watch_list);
      }};
  CHECK(RunProgram(program) == 1);  // returns at once: exit 1, as above
  REQUIRE(setenv("KUBE_FEATURE_WatchListClient", "true", 1) == 0);
  CHECK(RunProgram(program) == 1);
  REQUIRE(setenv("KUBE_FEATURE_WatchListClient", "F", 1) == 0);
  CHECK(RunProgram(program) == 1);
  REQUIRE(setenv("KUBE_FEATURE_WatchListClient", "yes", 1) == 0);
  CHECK(RunProgram(program) == 2);  // not a Go boolean: refused before the controller runs
  unsetenv("KUBE_FEATURE_WatchListClient");
  CHECK(seen == std::vector<bool>{false, true, false});
}
