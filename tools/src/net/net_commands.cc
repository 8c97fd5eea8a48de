// tools/src/net/net_commands.cc: cli::KubernetesApiCommands(), `run --serve` and `apiserver` on
// the real-time loop (docs/cli.md, docs/concepts.md "Two loops").
#include "bubble/cli/net_commands.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <bubble/apiserver/flaky_server.h>
#include <bubble/apiserver/live_server.h>
#include <bubble/apiserver/rest_handler.h>
#include <bubble/fake/clientset.h>
#include <bubble/net/address.h>
#include <bubble/net/error.h>
#include <bubble/net/http_server.h>
#include <bubble/net/io_loop.h>
#include <bubble/net/memory_responder.h>
#include <bubble/net/signal.h>
#include <bubble/net/tls.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/shell_word.h>

#include "kubeconfig.h"
#include "seed_objects.h"
#include "server_faults.h"

namespace bubble::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") {
    return true;
  }
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

// Whether a server on `listen` speaks HTTPS: asked for, given a certificate, or reachable from
// other machines (an unauthenticated API server in plain text on the network is a leak).
bool UsesTls(const ListenArgs& listen, const net::HostPort& at) {
  return listen.tls || !listen.tls_cert.empty() || !IsLoopbackHost(at.host);
}

// Binds and releases the address once, so "port in use" is a usage error before the run.
std::string CheckBindable(const net::HostPort& at, const std::string& text) {
  boost::asio::io_context io;
  boost::system::error_code ec;
  boost::asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(at.host, std::to_string(at.port), ec);
  if (ec || endpoints.empty()) {
    return fmt::format(
        "cannot listen on \"{}\": host \"{}\" does not resolve ({}); use an IP "
        "address such as 127.0.0.1",
        text, at.host, ec.message());
  }
  boost::asio::ip::tcp::acceptor acceptor(io);
  const auto endpoint = endpoints.begin()->endpoint();
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor.set_option(boost::asio::socket_base::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
  }
  if (ec) {
    return fmt::format("cannot listen on \"{}\": {}; choose another port (0: any free one)", text,
                       ec.message());
  }
  return "";
}

// Where the kubeconfig (and a generated CA) go: the user's path, or a fresh directory.
struct OutputFiles {
  fs::path kubeconfig;
  fs::path ca;
};

OutputFiles ChooseOutputFiles(const ListenArgs& listen, const char* purpose) {
  if (!listen.kubeconfig.empty()) {
    const fs::path path = fs::absolute(listen.kubeconfig);
    return {path, path.parent_path() / (path.filename().string() + ".ca.pem")};
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = (fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") /
                         fmt::format("bubble-{}-XXXXXX", purpose))
                            .string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw net::NetError(
        fmt::format("cannot create a directory for the kubeconfig under {} "
                    "(set TMPDIR, or give --kubeconfig FILE)",
                    fs::path(pattern).parent_path().string()));
  }
  return {fs::path(pattern) / "kubeconfig", fs::path(pattern) / "ca.pem"};
}

std::string CheckKubeconfigPath(const std::string& path) {
  if (path.empty()) {
    return "";
  }
  const fs::path p = fs::absolute(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    return fmt::format("--kubeconfig \"{}\" is a directory: give a file name", path);
  }
  const fs::path dir = p.parent_path();
  if (!fs::is_directory(dir, ec) || ::access(dir.c_str(), W_OK) != 0) {
    return fmt::format("--kubeconfig \"{}\": cannot write in {}; give a writable path", path,
                       dir.string());
  }
  return "";
}

// The server's TLS identity: the user's files, a generated one, or none (plain HTTP).
struct ServerTls {
  std::optional<net::TlsIdentity> identity;
  std::string ca_pem;  // what kubectl verifies the server with ("" for plain HTTP)
};

ServerTls ResolveTls(const ListenArgs& listen, const net::HostPort& at) {
  if (!UsesTls(listen, at)) {
    return {};
  }
  if (!listen.tls_cert.empty()) {
    net::TlsIdentity id = net::LoadTlsIdentity(listen.tls_cert, listen.tls_key);
    // A user's certificate: kubectl verifies it against the system's roots or this chain.
    std::string ca = id.ca_pem.empty() ? id.cert_pem : id.ca_pem;
    return {std::move(id), std::move(ca)};
  }
  std::vector<std::string> names;
  if (at.host != "localhost" && !IsLoopbackHost(at.host)) {
    names.push_back(at.host);
  }
  net::GeneratedTls generated = net::GenerateTlsIdentity(names);
  std::string ca = generated.ca.cert_pem;
  return {std::move(generated.server), std::move(ca)};
}

// The clusters of a server: the first at the root, each (the first too) under /clusters/N.
std::vector<net_commands::KubeconfigCluster> Clusters(const std::string& base, std::size_t count) {
  std::vector<net_commands::KubeconfigCluster> out;
  out.push_back({"bubble", base});
  for (std::size_t i = 1; i < count; ++i) {
    out.push_back({fmt::format("bubble-{}", i + 1), fmt::format("{}/clusters/{}", base, i + 1)});
  }
  return out;
}

// Routes /clusters/N/... to the N-th handler (1-based), anything else to the first.
net::HttpHandler ClusterRouter(std::vector<std::unique_ptr<apiserver::RestHandler>>& handlers) {
  return [&handlers](const net::HttpRequest& request, net::HttpResponder& out) {
    constexpr std::string_view kPrefix = "/clusters/";
    const std::string_view target = request.target;
    if (handlers.size() > 1 && target.starts_with(kPrefix)) {
      const std::size_t slash = target.find('/', kPrefix.size());
      const std::string_view number =
          target.substr(kPrefix.size(), slash == std::string_view::npos ? std::string_view::npos
                                                                        : slash - kPrefix.size());
      std::size_t n = 0;
      for (char c : number) {
        n = c >= '0' && c <= '9' && n < 1000 ? n * 10 + static_cast<std::size_t>(c - '0') : 0;
      }
      if (n >= 1 && n <= handlers.size()) {
        net::HttpRequest inner = request;
        inner.target = slash == std::string_view::npos ? "/" : std::string(target.substr(slash));
        handlers[n - 1]->Serve(inner, out);
        return;
      }
    }
    handlers.front()->Serve(request, out);
  };
}

struct Served {
  std::string url;
  OutputFiles files;
  std::vector<net_commands::KubeconfigCluster> clusters;
};

// Starts `server` (listening at `at`), writes the kubeconfig (and the CA) for it.
Served StartAndWriteKubeconfig(net::HttpServer& server, const net::HostPort& at,
                               const ListenArgs& listen, const ServerTls& tls,
                               std::size_t cluster_count, const char* purpose) {
  server.Start();
  net::HostPort reach{.host = at.host, .port = server.BoundPort()};
  if (reach.host == "0.0.0.0" || reach.host == "::") {
    reach.host = "127.0.0.1";  // kubectl on this machine reaches a wildcard listener on loopback
  }
  if (tls.identity && reach.host == "127.0.0.1") {
    reach.host = "localhost";  // the name a generated certificate is verified against
  }
  Served s;
  s.url = fmt::format("{}://{}", tls.identity ? "https" : "http", reach.ToString());
  s.files = ChooseOutputFiles(listen, purpose);
  s.clusters = Clusters(s.url, cluster_count);
  net_commands::Kubeconfig config{.clusters = s.clusters};
  if (tls.identity) {
    net::WriteTextFile(s.files.ca, tls.ca_pem);
    config.certificate_authority_file = s.files.ca.string();
  }
  net::WriteTextFile(s.files.kubeconfig, net_commands::KubeconfigText(config));
  return s;
}

void PrintTry(const Served& s, const std::vector<std::string>& commands) {
  const std::string kc = sim::ShellWord(s.files.kubeconfig.string());
  std::printf("kubeconfig: %s\n", s.files.kubeconfig.c_str());
  std::printf("try:\n  export KUBECONFIG=%s\n", kc.c_str());
  for (const std::string& c : commands) {
    std::printf("  kubectl %s\n", c.c_str());
  }
  if (s.clusters.size() > 1) {
    std::printf("  kubectl --context %s get all -A   # each API server of the run is a context\n",
                s.clusters.back().name.c_str());
  }
  std::printf("stop with Ctrl-C\n");
  std::fflush(stdout);
}

json Call(apiserver::RestHandler& rest, std::string method, std::string target, std::string body,
          int& status) {
  net::HttpRequest request{
      .method = std::move(method),
      .target = std::move(target),
      .headers = {{"content-type", "application/json"}, {"accept", "application/json"}},
      .body = std::move(body)};
  // The seed objects go through the REST handler: the same decoding and checks as kubectl's.
  net::MemoryResponder out;
  rest.Serve(request, out);
  status = out.status;
  json answer = json::parse(out.body, nullptr, false);
  return answer.is_discarded() ? json() : answer;
}

std::string StatusMessage(const json& body) {
  return body.is_object() && body.contains("message") && body["message"].is_string()
             ? body["message"].get<std::string>()
             : std::string("no message");
}

// Creates `objects` in order through `rest`, finding each kind's resource in discovery as
// kubectl does. Throws NetError naming the object and what the server said.
void CreateSeedObjects(apiserver::RestHandler& rest, const std::vector<json>& objects,
                       const std::string& file) {
  for (std::size_t i = 0; i < objects.size(); ++i) {
    const json& o = objects[i];
    const std::string api_version = o["apiVersion"].get<std::string>();
    const std::string kind = o["kind"].get<std::string>();
    const json& meta = o["metadata"];
    const std::string name = meta.contains("name") ? meta["name"].get<std::string>()
                                                   : meta["generateName"].get<std::string>();
    const std::string what = fmt::format("{}: object {} ({} {})", file, i + 1, kind, name);
    const std::string group_path =
        api_version.find('/') == std::string::npos ? "/api/" + api_version : "/apis/" + api_version;
    int status = 0;
    // Discovery is asked each time: an earlier seed object may be the CRD that serves this one.
    const json resources = Call(rest, "GET", group_path, "", status);
    if (status != 200 || !resources.is_object()) {
      throw net::NetError(
          fmt::format("{}: apiVersion {} is not served (define its "
                      "CustomResourceDefinition earlier in the file)",
                      what, api_version));
    }
    std::optional<json> found;
    const json listed = resources.value("resources", json::array());
    for (const json& r : listed) {
      if (r.value("kind", "") == kind && r.value("name", "").find('/') == std::string::npos) {
        found = r;
        break;
      }
    }
    if (!found) {
      throw net::NetError(
          fmt::format("{}: kind {} is not served in {} (define its "
                      "CustomResourceDefinition earlier in the file)",
                      what, kind, api_version));
    }
    std::string target = group_path;
    if (found->value("namespaced", false)) {
      const std::string ns = meta.value("namespace", std::string("default"));
      target += "/namespaces/" + ns;
    }
    target += "/" + found->value("name", std::string());
    const json answer = Call(rest, "POST", target, o.dump(), status);
    if (status != 201 && status != 200) {
      throw net::NetError(fmt::format("{}: {} (HTTP {})", what, StatusMessage(answer), status));
    }
  }
}

// Serves `handlers` (one cluster each) until SIGINT or SIGTERM, printing `banner` once the
// server is up and its kubeconfig written. 0, or 2 if it could not start.
int ServeUntilSignal(std::vector<std::unique_ptr<apiserver::RestHandler>>& handlers,
                     const net::HostPort& at, const ListenArgs& listen, const ServerTls& tls,
                     const char* purpose, const std::function<void(const Served&)>& banner) {
  net::HttpServer server({.listen = listen.address, .tls = tls.identity}, ClusterRouter(handlers));
  Served served;
  try {
    served = StartAndWriteKubeconfig(server, at, listen, tls, handlers.size(), purpose);
  } catch (const net::NetError& e) {
    std::fprintf(stderr, "bubble: error: %s\n", e.what());
    return 2;
  }
  banner(served);
  net::WaitForSignal(sim::Context::Background(), {SIGINT, SIGTERM});
  server.Stop();
  return 0;
}

class KubernetesApi final : public NetworkCommands {
 public:
  std::string CheckListen(const ListenArgs& listen) const override {
    net::HostPort at;
    try {
      at = net::ParseHostPort(listen.address);
    } catch (const net::NetError& e) {
      return e.what();
    }
    if (listen.tls_cert.empty() != listen.tls_key.empty()) {
      return "--tls-cert and --tls-key go together: give both PEM files, or neither for a "
             "generated certificate";
    }
    if (!listen.tls_cert.empty()) {
      try {
        net::LoadTlsIdentity(listen.tls_cert, listen.tls_key);
      } catch (const net::NetError& e) {
        return e.what();
      }
    }
    if (std::string why = CheckKubeconfigPath(listen.kubeconfig); !why.empty()) {
      return why;
    }
    return CheckBindable(at, listen.address);
  }

  int ServeRunState(const ListenArgs& listen, const RunState& state) const override {
    int code = 0;
    const sim::RunResult r = net::RunRealTime([&] {
      const net::HostPort at = net::ParseHostPort(listen.address);
      const ServerTls tls = ResolveTls(listen, at);
      std::vector<std::unique_ptr<apiserver::RestHandler>> handlers;
      const std::string instant = sim::FormatIsoTime(state.shown_at);
      for (const std::shared_ptr<fake::Clientset>& cs : state.clusters) {
        handlers.push_back(std::make_unique<apiserver::RestHandler>(
            cs, apiserver::RestOptions{.read_only = true,
                                       .read_only_reason = fmt::format(
                                           "{} ({}), at {}", state.command, state.outcome, instant),
                                       .shown_at = state.shown_at}));
      }
      code = ServeUntilSignal(handlers, at, listen, tls, "serve", [&](const Served& s) {
        std::printf("serving the API state of %s (%s) read-only at %s\n  state at %s (%s)\n",
                    state.command.c_str(), state.outcome.c_str(), s.url.c_str(), instant.c_str(),
                    state.instant_note.c_str());
        PrintTry(s, {"get all -A", "get events -A --sort-by=.lastTimestamp", "api-resources",
                     "get configmaps,leases -A -o yaml"});
      });
    });
    if (!r.Passed() && code == 0) {
      std::fprintf(stderr, "bubble: error: the server failed: %s\n", r.report.c_str());
      return 2;
    }
    return code;
  }

  int ApiServer(const ApiServerArgs& args) const override {
    // Everything the user gave is checked before anything is served or written.
    if (std::string why = CheckListen(args.listen); !why.empty()) {
      std::fprintf(stderr, "bubble: error: %s\n", why.c_str());
      return 2;
    }
    fake::Options options = apiserver::LiveServerOptions();
    // The history limit is set again after the switches: "client-go" keeps no history at all.
    options.fidelity.history_limit = 0;
    bool history_given = false;
    for (std::string_view rest = args.fidelity; !rest.empty();) {
      const std::size_t comma = rest.find(',');
      const std::string name(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      history_given = history_given || name.starts_with("history") || name == "no-history";
      if (auto ok = options.fidelity.Enable(name); !ok) {
        std::fprintf(stderr, "bubble: error: --fidelity \"%s\": %s\n", args.fidelity.c_str(),
                     ok.error().message.c_str());
        return 2;
      }
    }
    if (!history_given && options.fidelity.KeepsHistory()) {
      options.fidelity.history_limit = apiserver::kLiveHistoryLimit;
    }
    net_commands::ServerFaults faults;
    try {
      faults = net_commands::ReadServerFaults(args);
    } catch (const net_commands::FaultFlagError& e) {
      std::fprintf(stderr, "bubble: error: %s\n", e.what());
      return 2;
    }
    std::vector<json> seed_objects;
    if (!args.seed_objects.empty()) {
      try {
        seed_objects = net_commands::ReadSeedObjects(args.seed_objects);
      } catch (const net_commands::SeedObjectsError& e) {
        std::fprintf(stderr, "bubble: error: %s\n", e.what());
        return 2;
      }
    }
    int code = 0;
    const auto serve = [&] {
      const net::HostPort at = net::ParseHostPort(args.listen.address);
      auto clientset = std::make_shared<fake::Clientset>(options);
      std::vector<std::unique_ptr<apiserver::RestHandler>> handlers;
      handlers.push_back(std::make_unique<apiserver::RestHandler>(clientset));
      try {
        // The namespaces every cluster has (kubectl get ns lists them; tools expect "default").
        std::vector<json> system_namespaces;
        for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
          system_namespaces.push_back(
              {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
        }
        CreateSeedObjects(*handlers.front(), system_namespaces, "the system namespaces");
        CreateSeedObjects(*handlers.front(), seed_objects, args.seed_objects);
      } catch (const net::NetError& e) {
        std::fprintf(stderr, "bubble: error: %s\n", e.what());
        code = 2;
        return;
      }
      // After the seeding, which is the server's own start and must not fail by a draw.
      clientset->MutableFaults() = apiserver::FlakyFaults(faults.flaky);
      const std::string faults_line =
          net_commands::FaultsLine(faults, sim::Bubble::Current()->GetOptions().seed);
      const ServerTls tls = ResolveTls(args.listen, at);
      code = ServeUntilSignal(handlers, at, args.listen, tls, "apiserver", [&](const Served& s) {
        std::printf("bubble apiserver: serving a fake API server (fidelity %s%s) at %s\n",
                    args.fidelity.c_str(),
                    seed_objects.empty()
                        ? ""
                        : fmt::format(", {} seed objects", seed_objects.size()).c_str(),
                    s.url.c_str());
        if (!faults_line.empty()) {
          std::printf("%s\n", faults_line.c_str());
        }
        PrintTry(s, {"get all -A", "apply -f my-objects.yaml", "get configmaps -w"});
      });
    };
    const sim::RunResult r = net::RunRealTime(serve, {.seed = faults.seed});
    if (!r.Passed() && code == 0) {
      std::fprintf(stderr, "bubble: error: the server failed: %s\n", r.report.c_str());
      return 1;
    }
    return code;
  }
};

}  // namespace

const NetworkCommands& KubernetesApiCommands() {
  static const KubernetesApi commands;
  return commands;
}

}  // namespace bubble::cli
