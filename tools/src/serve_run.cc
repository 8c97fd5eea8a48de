// tools/src/serve_run.cc
#include "serve_run.h"

#include <ostream>

#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/fake/clientset_capture.h>
#include <bubble/runtime/time_format.h>
#include <bubble/sim/duration_text.h>
#include <bubble/sim/trace_file.h>

#include "apiserver_command.h"

namespace bubble::cli {
namespace sc = bubble::scenarios;

void ServeRunArgs::Add(CLI::App* cmd) {
  cmd->add_option("--serve", listen.address,
                  "After the run, serve its API state read-only over the Kubernetes API for "
                  "kubectl, e.g. 127.0.0.1:8080 (port 0: any free port); stops on Ctrl-C")
      ->type_name("ADDR");
  cmd->add_option("--pause-at", pause_at,
                  "With --serve: serve the state at this virtual instant instead of the end: a "
                  "time after the start (90s, 2m) or an ISO time (2000-01-01T00:01:30Z)")
      ->type_name("TIME");
  cmd->add_flag("--tls", listen.tls,
                "With --serve: HTTPS with a certificate generated at start (always so on a "
                "non-loopback address)");
  cmd->add_option("--tls-cert", listen.tls_cert, "With --serve: the server's certificate (PEM)")
      ->type_name("FILE");
  cmd->add_option("--tls-key", listen.tls_key, "With --serve: the server's private key (PEM)")
      ->type_name("FILE");
  cmd->add_option("--kubeconfig", listen.kubeconfig,
                  "With --serve: where the kubeconfig goes (default: a new directory under "
                  "$TMPDIR)")
      ->type_name("FILE");
}

namespace {

std::optional<sim::TimePoint> ParsePauseAt(const std::string& text) {
  if (text.empty()) {
    return std::nullopt;
  }
  if (text == "0" || text == "0s") {
    return sim::Clock::Epoch();
  }
  if (const auto d = sim::ParseDuration(text)) {
    return sim::Clock::Epoch() + *d;
  }
  // An RFC 3339 time, as Kubernetes writes them (runtime::ParseTime); the run starts at the epoch.
  if (const auto t = runtime::ParseTime(text); t && *t >= sim::Clock::Epoch()) {
    return *t;
  }
  throw sc::ConfigError(fmt::format(
      "--pause-at \"{}\": not a time; give the virtual time after the start (90s, 2m, 1500ms) or "
      "an ISO time such as 2000-01-01T00:01:30Z",
      text));
}

}  // namespace

RunServer::RunServer(const ServeRunArgs& args, const NetworkCommands* network)
    : listen_(args.listen), pause_at_(ParsePauseAt(args.pause_at)), network_(network) {
  if (args.listen.address.empty()) {
    throw sc::ConfigError(
        "--pause-at, --tls, --tls-cert, --tls-key and --kubeconfig go with --serve ADDR (the "
        "address to serve the run's state at, e.g. --serve 127.0.0.1:0)");
  }
  if (network_ == nullptr) {
    ThrowWithoutNetworkCommands();
  }
  if (std::string why = network_->CheckListen(listen_); !why.empty()) {
    throw sc::ConfigError(why);
  }
}

sim::RunResult RunServer::Run(sc::ResolvedRun run, std::ostream* trace_out) {
  if (trace_out != nullptr) {
    run.trace = sim::TraceMode::kFull;
  }
  // Every fake clientset the run makes, kept as a snapshot (fake::ClientsetCapture): at the pause
  // instant, or at the end before the run's fibers are unwound. Neither the capture nor the
  // observer traces, draws or holds a reference, so the run's fingerprint is its own.
  if (run.strategy == sim::StrategyKind::kPct) {
    (void)run
        .PctHorizon();  // a measured horizon's probe run first: its clientsets are not this run's
  }
  fake::ClientsetCapture capture;
  const sc::ObserveAt observe{
      .at = pause_at_ ? *pause_at_ - sim::Clock::Epoch() : sim::Duration::max(),
      .observe = [this, &capture](const sc::ScenarioContext&) {
        state_.clusters = capture.Take();
        for (const std::shared_ptr<fake::Clientset>& cs : state_.clusters) {
          cs->MutableFaults() = {};  // the run's injected faults are not the served state's
        }
        // At the pause instant: every step up to it has run and the clock has not moved past
        // it (the last change may be earlier). At the end: the run's last instant.
        state_.shown_at = pause_at_ && sim::Now() <= *pause_at_ ? *pause_at_ : sim::Now();
      }};
  const sim::RunResult r = sc::RunScenarioInContext(
      run,
      [&](sim::Bubble& b, const sim::RunResult& result, const sc::ScenarioContext&) {
        if (trace_out != nullptr) {
          sim::WriteTraceFile(*trace_out, sc::TraceFileOf(run), b, result);
        }
      },
      observe);
  state_.command = run.Command();
  state_.outcome = r.Passed() ? "pass" : "fail";
  if (pause_at_ && *pause_at_ > r.end_time) {
    state_.shown_at = r.end_time;
    state_.instant_note = "the run ended before --pause-at";
  } else {
    state_.instant_note = pause_at_ ? "--pause-at" : "the end of the run";
  }
  return r;
}

std::optional<int> RunServer::Serve(const sim::RunResult& /*result*/) {
  if (state_.clusters.empty()) {
    throw sc::ConfigError("the run made no fake::Clientset, so --serve has no API state to show");
  }
  const int code = network_->ServeRunState(listen_, state_);
  return code == 0 ? std::nullopt : std::optional<int>(code);
}

}  // namespace bubble::cli
