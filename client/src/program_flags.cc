// client/src/program_flags.cc
#include "program_flags.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <bubble/net/address.h>
#include <bubble/net/error.h>
#include <bubble/runtime/leaderelection/config.h>
#include <bubble/sim/duration_text.h>

namespace bubble::client::detail {

namespace {

namespace le = bubble::runtime::leaderelection;

// Text flags: an empty value is a mistake (`--kubeconfig ""` from an unset variable).
CLI::Validator NonEmpty(const std::string& what) {
  return CLI::Validator(
      [what](std::string& value) {
        return value.empty() ? fmt::format("empty; give {}", what) : std::string();
      },
      "");
}

// Duration flags ("15s", "500ms"), stored into `target`.
CLI::Option* AddDuration(CLI::App& app, const std::string& name, sim::Duration& target,
                         const std::string& description) {
  return app
      .add_option_function<std::string>(
          name,
          [&target](const std::string& text) {
            if (const std::optional<sim::Duration> d = sim::ParseDuration(text)) {
              target = *d;
            }
          },
          description)
      ->check(CLI::Validator(
          [](std::string& text) {
            return sim::ParseDuration(text)
                       ? std::string()
                       : fmt::format(
                             "\"{}\" is not a duration; give a whole number and a unit, "
                             "as 15s or 500ms",
                             text);
          },
          ""))
      ->type_name("D");
}

// A host:port to listen on, as the servers parse it.
CLI::Validator ListenAddress() {
  return CLI::Validator(
      [](std::string& text) {
        try {
          net::ParseHostPort(text);
          return std::string();
        } catch (const net::NetError& e) {
          return std::string(e.what());
        }
      },
      "");
}

// A --log-level value.
CLI::Validator LogLevelName() {
  return CLI::Validator(
      [](std::string& text) {
        return sim::ParseLogLevel(text)
                   ? std::string()
                   : fmt::format("\"{}\" is not a level; give {}", text, sim::LogLevelChoices());
      },
      "");
}

// The rules LeaderElector checks (config.h), said in terms of the flags: a leader gives up after
// the renew deadline, a standby waits a lease duration; without them no single leader is possible.
std::string CheckLeaderElection(const LeaderElectionFlags& flags) {
  if (flags.lease_duration <= flags.renew_deadline) {
    return fmt::format(
        "--renew-deadline {} must be shorter than --lease-duration {}; shorten the one or "
        "lengthen the other (defaults 10s and 15s)",
        sim::FormatExactDuration(flags.renew_deadline),
        sim::FormatExactDuration(flags.lease_duration));
  }
  if (flags.renew_deadline <= flags.retry_period * le::kJitterFactor) {
    return fmt::format(
        "--renew-deadline {} must be longer than 1.2 x --retry-period {}; shorten the retry "
        "period (default 2s)",
        sim::FormatExactDuration(flags.renew_deadline),
        sim::FormatExactDuration(flags.retry_period));
  }
  if (flags.lease_duration < std::chrono::seconds(1)) {
    // The Lease stores whole seconds (spec.leaseDurationSeconds).
    return fmt::format("--lease-duration {} is under a second; give at least 1s",
                       sim::FormatExactDuration(flags.lease_duration));
  }
  return {};
}

}  // namespace

std::variant<ProgramFlags, ProgramExit> ParseProgramFlags(const ControllerProgram& program,
                                                          int argc, char** argv) {
  ProgramFlags flags;
  flags.workers = program.default_workers;
  LeaderElectionFlags& election = flags.leader_election;
  election.enabled = program.leader_election == LeaderElectionMode::kAlways;

  CLI::App app{program.description, program.name};
  app.add_option("--kubeconfig", flags.kubeconfig,
                 "The kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in cluster)")
      ->check(NonEmpty("a file"))
      ->type_name("FILE");
  app.add_option("--context", flags.context, "The kubeconfig context (default: its current one)")
      ->check(NonEmpty("a name"))
      ->type_name("NAME");
  app.add_option(
         "--workers", flags.workers,
         fmt::format("Reconciling workers, 1 to 1000 (default {})", program.default_workers))
      ->check(CLI::Range(1, 1000))
      ->type_name("N");
  app.add_option_function<std::string>(
         "--log-level",
         [&flags](const std::string& text) { flags.log_level = *sim::ParseLogLevel(text); },
         fmt::format("Log lines shown: {} (default info)", sim::LogLevelChoices()))
      ->check(LogLevelName())
      ->type_name("LEVEL");

  app.add_option("--health-probe-bind-address", flags.health_probe_address,
                 "Serve /healthz and /readyz on this host:port (default: not served)")
      ->check(ListenAddress())
      ->type_name("ADDR");

  if (program.leader_election == LeaderElectionMode::kOptional) {
    app.add_flag("--leader-elect", election.enabled,
                 "Contend for a Lease; only the leader reconciles");
  }
  app.add_option("--lease-name", election.lease_name,
                 fmt::format("The Lease (default {})", program.name))
      ->check(NonEmpty("a name"))
      ->type_name("NAME");
  app.add_option("--lease-namespace", election.lease_namespace,
                 "The Lease's namespace (default: the kubeconfig context's, or the pod's)")
      ->check(NonEmpty("a namespace"))
      ->type_name("NS");
  app.add_option("--identity", election.identity,
                 "This replica's name in the Lease (default: hostname_pid)")
      ->check(NonEmpty("a name"))
      ->type_name("ID");
  AddDuration(app, "--lease-duration", election.lease_duration,
              "How long a standby waits before taking an unrenewed Lease (default 15s)");
  AddDuration(app, "--renew-deadline", election.renew_deadline,
              "How long the leader retries a renewal before giving up (default 10s)");
  AddDuration(app, "--retry-period", election.retry_period,
              "Time between attempts to acquire or renew (default 2s)");

  for (const ProgramFlag& own : program.flags) {
    flags.own[own.name] = own.default_value;
  }
  for (const ProgramFlag& own : program.flags) {
    CLI::Option* option =
        app.add_option("--" + own.name, flags.own[own.name],
                       own.default_value.empty()
                           ? own.description
                           : fmt::format("{} (default {})", own.description, own.default_value));
    option->type_name("VALUE");
    if (own.check) {
      option->check(
          CLI::Validator([check = own.check](std::string& value) { return check(value); }, ""));
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return ProgramExit{0, app.help()};
  } catch (const CLI::ParseError& e) {
    return ProgramExit{2, fmt::format("{}; run {} --help for the flags", e.what(), program.name)};
  }
  if (election.enabled) {
    if (std::string error = CheckLeaderElection(election); !error.empty()) {
      return ProgramExit{2, error};
    }
  }
  return flags;
}

}  // namespace bubble::client::detail
