// client/src/controller_program.cc
#include "bubble/client/controller_program.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include <bubble/client/config_environment.h>
#include <bubble/client/config_error.h>
#include <bubble/client/load_config.h>
#include <bubble/client/rest_clientset.h>
#include <bubble/net/error.h>
#include <bubble/net/http_server.h>
#include <bubble/net/io_loop.h>
#include <bubble/net/signal.h>
#include <bubble/runtime/leaderelection/healthz.h>
#include <bubble/runtime/leaderelection/leader_elector.h>
#include <bubble/runtime/leaderelection/lease_lock.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/wait_group.h>

#include "program_flags.h"

namespace bubble::client {

namespace {

namespace le = bubble::runtime::leaderelection;
namespace rt = bubble::runtime;

using namespace std::chrono_literals;

// How long past a missed renewal /healthz turns unhealthy (kube-controller-manager's 20 s).
constexpr sim::Duration kLeaderHealthTimeout = 20s;

// A boolean as Go's strconv.ParseBool reads it (client-go's environment feature gates use it).
std::optional<bool> ParseGoBool(std::string_view text) {
  for (std::string_view yes : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (text == yes) {
      return true;
    }
  }
  for (std::string_view no : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (text == no) {
      return false;
    }
  }
  return std::nullopt;
}

// client-go's examples name a replica by its pod; outside a pod, hostname and pid tell replicas
// apart.
std::string DefaultIdentity(const std::string& program) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    return fmt::format("{}_{}", program, getpid());
  }
  return fmt::format("{}_{}", host, getpid());
}

// One process's run on the real-time loop; `code` is the exit code it decided.
class ProgramRun {
 public:
  ProgramRun(const ControllerProgram& program, const detail::ProgramFlags& flags,
             const LoadedConfig& config, std::string identity)
      : program_(program), flags_(flags), config_(config), identity_(std::move(identity)) {}

  int Code() const { return code_; }

  void Run() {
    std::optional<RestClientset> cs;
    try {
      cs.emplace(config_, program_.scheme);
    } catch (const net::NetError& e) {
      std::fprintf(stderr, "%s: %s\n", program_.name.c_str(), e.what());
      code_ = 2;
      return;
    }
    std::optional<net::HttpServer> probes;
    if (!flags_.health_probe_address.empty()) {
      probes.emplace(net::HttpServerOptions{.listen = flags_.health_probe_address},
                     [this](const net::HttpRequest& request, net::HttpResponder& out) {
                       Probe(request, out);
                     });
      try {
        probes->Start();
      } catch (const net::NetError& e) {
        std::fprintf(stderr, "%s: --health-probe-bind-address: %s\n", program_.name.c_str(),
                     e.what());
        code_ = 2;
        return;
      }
      sim::Log().info("{}: serving /healthz and /readyz on {}", program_.name,
                      probes->BoundAddress());
    }
    const ProgramContext context{.clientset = *cs,
                                 .config = config_,
                                 .workers = flags_.workers,
                                 .identity = identity_,
                                 .flags = flags_.own};
    // Cancelled by a signal, or by a lost leadership.
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup fibers(program_.name);
    // Init-captures: clang 14 cannot capture a structured binding.
    fibers.Go(program_.name + "/signal", [this, &ctx = ctx, &cancel = cancel] {
      if (const int got = net::WaitForSignal(ctx, {SIGINT, SIGTERM}); got != 0) {
        sim::Log().info("{}: signal {}: stopping", program_.name, got);
        stopping_ = true;
        cancel();
      }
    });
    if (!flags_.leader_election.enabled) {
      sim::Log().info("{}: running on {} ({} workers)", program_.name, config_.server,
                      flags_.workers);
      program_.run(context, ctx);
      ReturnedEarly(ctx, cancel);
    } else {
      Elect(*cs, context, ctx, cancel);
    }
    stopping_ = true;
    cancel();
    fibers.Wait();
    if (probes) {
      probes->Stop();
    }
    sim::Log().info("{}: stopped", program_.name);
  }

 private:
  // A controller whose run returns before its context ends has stopped by itself (its caches
  // never synced, a bug): the program stops too, exit 1, rather than idle on as if healthy (a
  // leader would hold the Lease with nothing reconciling).
  void ReturnedEarly(const sim::Context& ctx, const sim::CancelFunc& cancel) {
    if (ctx.IsDone()) {
      return;
    }
    sim::Log().error("{}: the controller returned before it was stopped; exiting", program_.name);
    code_ = 1;
    stopping_ = true;  // a leader then releases the Lease as in a graceful stop
    cancel();
  }

  // /healthz: unhealthy once a leader has missed its renewals for kLeaderHealthTimeout past the
  // lease (client-go's HealthzAdaptor): a stuck leader gets restarted by its liveness probe.
  // /readyz: ready until the program stops.
  void Probe(const net::HttpRequest& request, net::HttpResponder& out) const {
    if (request.Path() == "/healthz" || request.Path() == "/livez") {
      if (auto healthy = watch_dog_->Check(); !healthy) {
        out.Respond(500, "text/plain",
                    fmt::format("[-]{} failed: {}\nhealthz check failed\n",
                                le::HealthzAdaptor::Name(), healthy.error().message));
        return;
      }
      out.Respond(200, "text/plain", "ok");
    } else if (request.Path() == "/readyz") {
      out.Respond(stopping_ ? 503 : 200, "text/plain", stopping_ ? "shutting down" : "ok");
    } else {
      out.Respond(404, "text/plain", "404 page not found\n");
    }
  }

  // Contends for the Lease until `ctx` ends; runs the program on the leading context.
  void Elect(RestClientset& cs, const ProgramContext& context, const sim::Context& ctx,
             const sim::CancelFunc& cancel) {
    const detail::LeaderElectionFlags& flags = flags_.leader_election;
    const std::string lease_name = flags.lease_name.empty() ? program_.name : flags.lease_name;
    const std::string lease_namespace =
        flags.lease_namespace.empty() ? config_.namespace_name : flags.lease_namespace;

    // The elector does not wait for on_started_leading (leader_elector.h), which runs in a fiber
    // of its own: this fiber waits for it, so the program stops before the clientset goes away. A
    // leading fiber scheduled only after that wait (leadership won as the election was cancelled)
    // finds the gate closed and does nothing; it shares the gate, since it may run after this frame
    // is gone.
    struct LeadingGate {
      bool closed = false;
      bool led = false;
      sim::WaitGroup running{"leading"};
    };

    const auto gate = std::make_shared<LeadingGate>();
    le::LeaderElectionConfig election{
        .lock = std::make_shared<le::LeaseLock>(
            rt::ObjectMeta{.name = lease_name, .namespace_ = lease_namespace}, cs,
            le::ResourceLockConfig{.identity = identity_}),
        .lease_duration = flags.lease_duration,
        .renew_deadline = flags.renew_deadline,
        .retry_period = flags.retry_period,
        .callbacks = {
            .on_started_leading =
                [this, gate, &context, cancel](const sim::Context& leading_ctx) {
                  if (gate->closed) {
                    return;
                  }
                  gate->running.Add(1);
                  gate->led = true;
                  sim::Log().info("{}: {} became leader; running on {} ({} workers)", program_.name,
                                  identity_, config_.server, flags_.workers);
                  program_.run(context, leading_ctx);
                  ReturnedEarly(leading_ctx, cancel);
                  gate->running.Done();
                },
            .on_stopped_leading =
                [this, gate, cancel] {
                  if (!gate->led) {
                    sim::Log().info("{}: {} stopped contending", program_.name, identity_);
                  } else if (stopping_) {
                    sim::Log().info("{}: {} stopped leading", program_.name, identity_);
                  } else {
                    sim::Log().error("{}: {} lost leadership", program_.name, identity_);
                    code_ = 1;
                    cancel();
                  }
                }},
        .watch_dog = watch_dog_,
        // A leader stopped by a signal hands over at once instead of a lease duration later.
        .release_on_cancel = true,
        .name = program_.name};
    auto elector = le::NewLeaderElector(std::move(election));
    if (!elector) {
      std::fprintf(stderr, "%s: leader election: %s\n", program_.name.c_str(),
                   elector.error().message.c_str());
      code_ = 2;
      cancel();
    } else {
      watch_dog_->SetLeaderElection(*elector);
      sim::Log().info("{}: {} contends for Lease {}/{} on {}", program_.name, identity_,
                      lease_namespace, lease_name, config_.server);
      (*elector)->Run(ctx);
    }
    gate->closed = true;
    gate->running.Wait();
  }

  const ControllerProgram& program_;
  const detail::ProgramFlags& flags_;
  const LoadedConfig& config_;
  const std::string identity_;
  const std::shared_ptr<le::HealthzAdaptor> watch_dog_ =
      std::make_shared<le::HealthzAdaptor>(kLeaderHealthTimeout);
  bool stopping_ = false;
  int code_ = 0;
};

}  // namespace

int RunControllerProgram(const ControllerProgram& program, int argc, char** argv) {
  if (!program.run) {
    std::fprintf(stderr,
                 "%s: ControllerProgram::run is empty; give the function that runs the "
                 "controller\n",
                 program.name.c_str());
    return 1;
  }
  const auto parsed = detail::ParseProgramFlags(program, argc, argv);
  if (const auto* exit = std::get_if<detail::ProgramExit>(&parsed)) {
    if (exit->code == 0) {
      std::fputs(exit->text.c_str(), stdout);  // --help
    } else {
      std::fprintf(stderr, "%s: %s\n", program.name.c_str(), exit->text.c_str());
    }
    return exit->code;
  }
  const detail::ProgramFlags& flags = std::get<detail::ProgramFlags>(parsed);

  const ConfigEnvironment env = ConfigEnvironment::FromProcess();
  LoadedConfig config;
  try {
    config = LoadConfig({.kubeconfig_file = flags.kubeconfig, .context = flags.context}, env);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "%s: %s\n", program.name.c_str(), e.what());
    return 2;
  }
  // client-go's switch for streaming lists (its WatchListClient feature gate, set from the
  // environment as client-go's features are).
  if (!env.watch_list_client.empty()) {
    const std::optional<bool> on = ParseGoBool(env.watch_list_client);
    if (!on) {
      std::fprintf(stderr,
                   "%s: KUBE_FEATURE_WatchListClient=\"%s\" is not a boolean; set it to true or "
                   "false\n",
                   program.name.c_str(), env.watch_list_client.c_str());
      return 2;
    }
    config.watch_list = *on;
  }

  ProgramRun run(program, flags, config,
                 flags.leader_election.identity.empty() ? DefaultIdentity(program.name)
                                                        : flags.leader_election.identity);
  const sim::RunResult result =
      net::RunRealTime([&run] { run.Run(); }, {.log_level = flags.log_level});
  if (!result.Passed()) {
    std::fprintf(stderr, "%s: failed: %s\n", program.name.c_str(), result.report.c_str());
    return 1;
  }
  return run.Code();
}

}  // namespace bubble::client
