// tools/src/serve_run.h (private): `run --serve ADDR [--pause-at TIME]`, a run whose API state is
// served read-only for kubectl once it ends, or as it was at a virtual instant (docs/cli.md).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <bubble/cli/network.h>
#include <bubble/scenarios/run.h>

namespace bubble::cli {

struct ServeRunArgs {
  ListenArgs listen;
  std::string pause_at;

  void Add(CLI::App* cmd);

  bool Wanted() const { return !listen.address.empty() || !pause_at.empty(); }
};

// `run --serve`, resolved before the run starts (bad input: scenarios::ConfigError, nothing run).
class RunServer {
 public:
  RunServer(const ServeRunArgs& args, const NetworkCommands* network);

  // Runs `run` as `run` without --serve would (the same decisions, trace and fingerprint),
  // writing its trace to `trace_out` if given, and keeps a snapshot of every API server the
  // scenario tracked, at the pause instant or at the end.
  sim::RunResult Run(scenarios::ResolvedRun run, std::ostream* trace_out);

  // Serves the kept state until interrupted; the exit code if serving failed, else nullopt.
  std::optional<int> Serve(const sim::RunResult& result);

 private:
  ListenArgs listen_;
  std::optional<sim::TimePoint> pause_at_;
  const NetworkCommands* network_;
  RunState state_;
};

}  // namespace bubble::cli
