// src/main.cc: website-controller, the Website controller against a real cluster (or `bubble
// apiserver`). The controller is the one the tests and the scenario run; only its clientset
// differs: client::RestClientset over the kubeconfig's (or the pod's) API server instead of
// the fake, on the real-time loop instead of the simulated one.
//
//   website-controller [--kubeconfig FILE] [--context NAME] [--workers N] [--log-level LEVEL]
//
// SIGINT or SIGTERM stops it gracefully: the workers finish their keys, the informers stop,
// exit 0.
#include <csignal>
#include <cstdio>
#include <exception>
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
#include <bubble/runtime/scheme.h>
#include <bubble/sim/context.h>
#include <bubble/sim/log.h>
#include <bubble/sim/wait_group.h>

#include "website/controller.h"
#include "website/website.h"

namespace {

namespace client = bubble::client;
namespace net = bubble::net;
namespace rt = bubble::runtime;
namespace sim = bubble::sim;

constexpr std::string_view kUsage =
    "usage: website-controller [--kubeconfig FILE] [--context NAME] [--workers N] "
    "[--log-level LEVEL]";

struct Flags {
  std::string kubeconfig;
  std::string context;
  int workers = 2;
  sim::LogLevel log_level = sim::LogLevel::kInfo;
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

// Flags as `--name value` or `--name=value`; the error names the flag and what it takes.
std::variant<Flags, FlagError> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      flags.help = true;
      continue;
    }
    std::string_view name = arg;
    std::optional<std::string_view> value;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (name != "--kubeconfig" && name != "--context" && name != "--workers" &&
        name != "--log-level") {
      return FlagError{fmt::format("unknown argument \"{}\"; {}", arg, kUsage)};
    }
    if (!value) {
      if (i + 1 >= argc) {
        return FlagError{fmt::format("{} needs a value; {}", name, kUsage)};
      }
      value = argv[++i];
    }
    if (name == "--kubeconfig" || name == "--context") {
      if (value->empty()) {
        return FlagError{fmt::format("{} is empty; give a {}", name,
                                     name == "--context" ? "context name" : "file")};
      }
      (name == "--kubeconfig" ? flags.kubeconfig : flags.context) = std::string(*value);
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
  return flags;
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
        auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
        factory.Start(ctx);
        sim::WaitGroup fibers("website-controller");
        // An init-capture: clang 14 cannot capture a structured binding.
        fibers.Go("website-controller", [&controller, &ctx = ctx] { controller.Run(ctx); });
        const int got = net::WaitForSignal(sim::Context::Background(), {SIGINT, SIGTERM});
        sim::Log().info("website-controller: signal {}: stopping", got);
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
