// src/main.cc: website-controller, the Website controller against a real cluster (or `bubble
// apiserver`). The controller is the one the tests and the scenario run; only its clientset
// differs: client::RestClientset over the kubeconfig's (or the pod's) API server instead of
// the fake, on the real-time loop instead of the simulated one.
//
//   website-controller [--kubeconfig FILE] [--context NAME] [--workers N] [--log-level LEVEL]
//                      [--leader-elect [--lease-name NAME] [--lease-namespace NS] [--identity ID]
//                       [--lease-duration D] [--renew-deadline D] [--retry-period D]]
//
// SIGINT or SIGTERM stops it gracefully: the workers finish their keys, the informers stop,
// exit 0.
//
// With --leader-elect, replicas contend for a coordination.k8s.io Lease (client-go's leader
// election) and only the leader runs the controller, on the leading context. On SIGTERM the leader
// releases the Lease (release_on_cancel) so a standby takes over at once, and exits 0. A leader
// that loses the Lease while not stopping exits 1, as client-go's example does: its informers and
// workers may have fallen behind the new leader, and a restart starts it clean as a standby.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include <bubble/client/config_error.h>
#include <bubble/client/load_config.h>
#include <bubble/client/rest_clientset.h>
#include <bubble/net/error.h>
#include <bubble/net/io_loop.h>
#include <bubble/net/signal.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/leaderelection/leader_elector.h>
#include <bubble/runtime/leaderelection/lease_lock.h>
#include <bubble/runtime/scheme.h>
#include <bubble/sim/context.h>
#include <bubble/sim/duration_text.h>
#include <bubble/sim/log.h>
#include <bubble/sim/wait_group.h>

#include "website/controller.h"
#include "website/website.h"

namespace {

namespace client = bubble::client;
namespace net = bubble::net;
namespace le = bubble::runtime::leaderelection;
namespace rt = bubble::runtime;
namespace sim = bubble::sim;

using namespace std::chrono_literals;

constexpr std::string_view kUsage =
    "usage: website-controller [--kubeconfig FILE] [--context NAME] [--workers N] "
    "[--log-level LEVEL] [--leader-elect [--lease-name NAME] [--lease-namespace NS] "
    "[--identity ID] [--lease-duration D] [--renew-deadline D] [--retry-period D]]";

// client-go's (and kube-controller-manager's) defaults.
struct LeaderElectionFlags {
  bool enabled = false;
  std::string lease_name = "website-controller";
  std::string lease_namespace = "default";
  std::string identity;  // empty: hostname_pid
  sim::Duration lease_duration = 15s;
  sim::Duration renew_deadline = 10s;
  sim::Duration retry_period = 2s;
};

struct Flags {
  std::string kubeconfig;
  std::string context;
  int workers = 2;
  sim::LogLevel log_level = sim::LogLevel::kInfo;
  LeaderElectionFlags leader_election;
  bool help = false;
};

struct FlagError {
  std::string message;
};

std::optional<int> ParseWorkers(std::string_view text) {
  int n = 0;
  if (text.empty() || text.size() > 4) {
    return std::nullopt;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + (c - '0');
  }
  return n >= 1 && n <= 1000 ? std::optional<int>(n) : std::nullopt;
}

bool TakesText(std::string_view name) {
  return name == "--kubeconfig" || name == "--context" || name == "--lease-name" ||
         name == "--lease-namespace" || name == "--identity";
}

bool TakesDuration(std::string_view name) {
  return name == "--lease-duration" || name == "--renew-deadline" || name == "--retry-period";
}

std::string& TextFlag(Flags& flags, std::string_view name) {
  LeaderElectionFlags& le = flags.leader_election;
  return name == "--kubeconfig"        ? flags.kubeconfig
         : name == "--context"         ? flags.context
         : name == "--lease-name"      ? le.lease_name
         : name == "--lease-namespace" ? le.lease_namespace
                                       : le.identity;
}

sim::Duration& DurationFlag(LeaderElectionFlags& le, std::string_view name) {
  return name == "--lease-duration"   ? le.lease_duration
         : name == "--renew-deadline" ? le.renew_deadline
                                      : le.retry_period;
}

// The rules LeaderElector checks (config.h), said in terms of the flags; without them no single
// leader is possible: a leader gives up after the renew deadline, a standby waits a lease duration.
std::optional<FlagError> CheckLeaderElection(const LeaderElectionFlags& le) {
  if (le.lease_duration <= le.renew_deadline) {
    return FlagError{fmt::format(
        "--renew-deadline {} must be shorter than --lease-duration {}; shorten the one or "
        "lengthen the other (defaults 10s and 15s)",
        sim::FormatExactDuration(le.renew_deadline), sim::FormatExactDuration(le.lease_duration))};
  }
  if (le.renew_deadline <= le.retry_period * le::kJitterFactor) {
    return FlagError{fmt::format(
        "--renew-deadline {} must be longer than 1.2 x --retry-period {}; shorten the retry "
        "period (default 2s)",
        sim::FormatExactDuration(le.renew_deadline), sim::FormatExactDuration(le.retry_period))};
  }
  if (le.lease_duration < 1s) {
    // The Lease stores whole seconds (spec.leaseDurationSeconds).
    return FlagError{fmt::format("--lease-duration {} is under a second; give at least 1s",
                                 sim::FormatExactDuration(le.lease_duration))};
  }
  return std::nullopt;
}

// Flags as `--name value` or `--name=value`; the error names the flag and what it takes.
std::variant<Flags, FlagError> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      flags.help = true;
      continue;
    }
    if (arg == "--leader-elect") {
      flags.leader_election.enabled = true;
      continue;
    }
    std::string_view name = arg;
    std::optional<std::string_view> value;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (!TakesText(name) && !TakesDuration(name) && name != "--workers" && name != "--log-level") {
      return FlagError{fmt::format("unknown argument \"{}\"; {}", arg, kUsage)};
    }
    if (!value) {
      if (i + 1 >= argc) {
        return FlagError{fmt::format("{} needs a value; {}", name, kUsage)};
      }
      value = argv[++i];
    }
    if (TakesText(name)) {
      if (value->empty()) {
        return FlagError{
            fmt::format("{} is empty; give a {}", name, name == "--kubeconfig" ? "file" : "name")};
      }
      TextFlag(flags, name) = std::string(*value);
    } else if (TakesDuration(name)) {
      const std::optional<sim::Duration> d = sim::ParseDuration(*value);
      if (!d) {
        return FlagError{fmt::format(
            "{} \"{}\" is not a duration; give a whole number and a unit, as 15s or 500ms", name,
            *value)};
      }
      DurationFlag(flags.leader_election, name) = *d;
    } else if (name == "--workers") {
      const std::optional<int> workers = ParseWorkers(*value);
      if (!workers) {
        return FlagError{
            fmt::format("--workers \"{}\" is not a number of workers; give 1 to 1000", *value)};
      }
      flags.workers = *workers;
    } else {
      const std::optional<sim::LogLevel> level = sim::ParseLogLevel(*value);
      if (!level) {
        return FlagError{fmt::format("--log-level \"{}\" is not a level; give {}", *value,
                                     sim::LogLevelChoices())};
      }
      flags.log_level = *level;
    }
  }
  if (flags.leader_election.enabled) {
    if (auto error = CheckLeaderElection(flags.leader_election)) {
      return *error;
    }
  }
  return flags;
}

// client-go's examples use a pod name; outside a pod, hostname and pid tell replicas apart.
std::string DefaultIdentity() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    return fmt::format("website-controller_{}", getpid());
  }
  return fmt::format("{}_{}", host, getpid());
}

rt::Scheme WebsiteScheme() {
  rt::Scheme scheme = rt::Scheme::Builtin();
  scheme.Register<website::Website>();
  return scheme;
}

}  // namespace

int main(int argc, char** argv) {
  const auto parsed = ParseFlags(argc, argv);
  if (const auto* error = std::get_if<FlagError>(&parsed)) {
    std::fprintf(stderr, "website-controller: %s\n", error->message.c_str());
    return 2;
  }
  const Flags& flags = std::get<Flags>(parsed);
  if (flags.help) {
    std::printf("%.*s\n", static_cast<int>(kUsage.size()), kUsage.data());
    return 0;
  }

  client::LoadedConfig config;
  try {
    config = client::LoadConfig({.kubeconfig_file = flags.kubeconfig, .context = flags.context},
                                client::ConfigEnvironment::FromProcess());
  } catch (const client::ConfigError& e) {
    std::fprintf(stderr, "website-controller: %s\n", e.what());
    return 2;
  }
  if (config.insecure_skip_tls_verify) {
    // RestClientset always verifies the server; refusing says so before any request fails.
    std::fprintf(stderr,
                 "website-controller: the kubeconfig's cluster sets insecure-skip-tls-verify, "
                 "which this client does not support; give its certificate-authority instead\n");
    return 2;
  }

  int code = 0;
  const sim::RunResult result = net::RunRealTime(
      [&] {
        std::optional<client::RestClientset> cs;
        try {
          cs.emplace(config, WebsiteScheme());
        } catch (const net::NetError& e) {
          std::fprintf(stderr, "website-controller: %s\n", e.what());
          code = 2;
          return;
        }
        sim::Log().info("website-controller: reconciling Websites on {} ({} workers)",
                        config.server, flags.workers);
        rt::cache::InformerFactory factory(*cs);
        website::WebsiteController controller(*cs, factory, {.workers = flags.workers});
        // Cancelled by a signal, or by a lost leadership.
        auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
        bool stopping = false;
        sim::WaitGroup fibers("website-controller");
        // Init-captures: clang 14 cannot capture a structured binding.
        fibers.Go("website-controller/signal", [&stopping, &ctx = ctx, &cancel = cancel] {
          if (const int got = net::WaitForSignal(ctx, {SIGINT, SIGTERM}); got != 0) {
            sim::Log().info("website-controller: signal {}: stopping", got);
            stopping = true;
            cancel();
          }
        });
        const auto run = [&controller, &factory](const sim::Context& run_ctx) {
          factory.Start(run_ctx);
          controller.Run(run_ctx);
        };
        if (!flags.leader_election.enabled) {
          run(ctx);
        } else {
          const LeaderElectionFlags& le_flags = flags.leader_election;
          const std::string identity =
              le_flags.identity.empty() ? DefaultIdentity() : le_flags.identity;
          // The elector does not wait for on_started_leading (leader_elector.h), which runs in a
          // fiber of its own: this fiber waits for it, so the controller stops before the
          // informers and the clientset go away. A leading fiber scheduled only after that wait
          // (leadership won as the election was cancelled) finds the gate closed and does nothing;
          // it shares the gate, since it may run after this frame is gone.
          struct LeadingGate {
            bool closed = false;
            bool led = false;
            sim::WaitGroup running{"website-controller/leading"};
          };
          const auto gate = std::make_shared<LeadingGate>();
          le::LeaderElectionConfig election{
              .lock = std::make_shared<le::LeaseLock>(
                  rt::ObjectMeta{.name = le_flags.lease_name,
                                 .namespace_ = le_flags.lease_namespace},
                  *cs, le::ResourceLockConfig{.identity = identity}),
              .lease_duration = le_flags.lease_duration,
              .renew_deadline = le_flags.renew_deadline,
              .retry_period = le_flags.retry_period,
              .callbacks = {
                  .on_started_leading =
                      [gate, &run, &identity](const sim::Context& leading_ctx) {
                        if (gate->closed) {
                          return;
                        }
                        gate->running.Add(1);
                        gate->led = true;
                        sim::Log().info("website-controller: {} became leader", identity);
                        run(leading_ctx);
                        gate->running.Done();
                      },
                  .on_stopped_leading =
                      [gate, &stopping, &code, &identity, &cancel = cancel] {
                        if (!gate->led) {
                          sim::Log().info("website-controller: {} stopped contending", identity);
                          return;
                        }
                        if (stopping) {
                          sim::Log().info("website-controller: {} stopped leading", identity);
                          return;
                        }
                        sim::Log().error("website-controller: {} lost leadership", identity);
                        code = 1;
                        cancel();
                      }},
              .release_on_cancel = true,
              .name = "website-controller"};
          auto elector = le::NewLeaderElector(std::move(election));
          if (!elector) {
            std::fprintf(stderr, "website-controller: leader election: %s\n",
                         elector.error().message.c_str());
            code = 2;
            cancel();
          } else {
            sim::Log().info("website-controller: {} contends for Lease {}/{}", identity,
                            le_flags.lease_namespace, le_flags.lease_name);
            (*elector)->Run(ctx);
          }
          gate->closed = true;
          gate->running.Wait();
        }
        cancel();
        fibers.Wait();
        factory.Shutdown();
        sim::Log().info("website-controller: stopped");
      },
      {.log_level = flags.log_level});
  if (!result.Passed()) {
    std::fprintf(stderr, "website-controller: failed: %s\n", result.report.c_str());
    return 1;
  }
  return code;
}
