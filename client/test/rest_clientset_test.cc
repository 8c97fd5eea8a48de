// client/test/rest_clientset_test.cc: RestClientset against bubble's fake API server over REST
// (apiserver::RestHandler behind net::HttpServer on loopback), all in one real-time bubble:
// every ResourceClient method, the error mapping, paging, watches (and 410 Expired), retries,
// TLS with a bearer token, and informers syncing through the client (list then watch, or one
// streaming watch with RestConfig::watch_list).
#include "bubble/client/rest_clientset.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <bubble/apiserver/rest_handler.h>
#include <bubble/fake/clientset.h>
#include <bubble/net/http_server.h>
#include <bubble/net/io_loop.h>
#include <bubble/net/tls.h>
#include <bubble/runtime/cache/list_watch.h>
#include <bubble/runtime/cache/shared_informer.h>
#include <bubble/runtime/cache/wait_for_cache_sync.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/pod.h>
#include <bubble/runtime/unstructured.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "temp_dir.h"

namespace apiserver = bubble::apiserver;
namespace client = bubble::client;
namespace fake = bubble::fake;
namespace net = bubble::net;
namespace rt = bubble::runtime;
namespace sim = bubble::sim;
namespace cache = bubble::runtime::cache;
using namespace std::chrono_literals;

namespace {

// What a test sees: the fake behind the server, the client, and what the server was sent.
struct Env {
  std::shared_ptr<fake::Clientset> server;
  client::RestClientset* client = nullptr;
  std::vector<net::HttpRequest>* requests = nullptr;
  std::string server_url{};
  sim::Context ctx = sim::Context::Background();
};

struct EnvOptions {
  fake::Options fake{};
  bool tls = false;
  std::string bearer_token{};
  // RestConfig::watch_list of the client.
  bool watch_list = false;
  // Answers a request before the fake does (a fault); returns false to pass it on.
  std::function<bool(const net::HttpRequest&, net::HttpResponder&)> intercept{};
};

// Runs `body` in a real-time bubble with the fake served on 127.0.0.1:0 and a client for it.
// The body's context ends after 20 s so a broken test fails instead of hanging.
void WithServer(EnvOptions options, const std::function<void(Env&)>& body) {
  std::vector<net::HttpRequest> requests;
  const sim::RunResult result = net::RunRealTime([&] {
    Env env;
    env.server = fake::NewClientset(options.fake);
    env.requests = &requests;
    apiserver::RestHandler rest(env.server);
    std::optional<net::GeneratedTls> tls;
    if (options.tls) {
      tls = net::GenerateTlsIdentity();
    }
    net::HttpServer http({.listen = "127.0.0.1:0",
                          .tls = tls ? std::optional<net::TlsIdentity>(tls->server) : std::nullopt},
                         [&](const net::HttpRequest& req, net::HttpResponder& out) {
                           net::HttpRequest seen = req;
                           seen.body.clear();
                           requests.push_back(std::move(seen));
                           if (options.intercept && options.intercept(req, out)) {
                             return;
                           }
                           rest.Serve(req, out);
                         });
    http.Start();
    env.server_url = fmt::format("{}://{}", tls ? "https" : "http", http.BoundAddress());
    client::RestClientset cs({.server = env.server_url,
                              .ca_pem = tls ? tls->ca.cert_pem : std::string(),
                              .bearer_token = options.bearer_token,
                              .qps = 1000,
                              .burst = 1000,
                              .watch_list = options.watch_list},
                             rt::Scheme::Builtin());
    env.client = &cs;
    auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), 20s);
    env.ctx = ctx;
    body(env);
    cancel();
    http.Stop();
  });
  INFO(result.report);
  REQUIRE(result.Passed());
}

rt::ConfigMap NewConfigMap(std::string name, std::map<std::string, std::string> labels = {}) {
  return rt::ConfigMap({.name = std::move(name), .namespace_ = "default", .labels = labels},
                       {{"k", "v"}});
}

std::string Data(const rt::ObjectPtr& obj) {
  auto cm = rt::As<rt::ConfigMap>(obj);
  REQUIRE(cm);
  return (*cm)->data.count("k") ? (*cm)->data.at("k") : std::string("<none>");
}

// What the running bubble's `component` logger writes while this lives (the message only).
class CapturedLog {
 public:
  explicit CapturedLog(std::string_view component)
      : logger_(sim::Bubble::Current()->Logger(component)),
        sink_(std::make_shared<spdlog::sinks::ostream_sink_st>(out_)) {
    sink_->set_pattern("%v");
    logger_.sinks().push_back(sink_);
  }

  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  ~CapturedLog() {
    auto& sinks = logger_.sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }

  std::string Text() const { return out_.str(); }

  // How many lines contain `text`.
  int Count(std::string_view text) const {
    int n = 0;
    std::istringstream lines(out_.str());
    for (std::string line; std::getline(lines, line);) {
      n += line.find(text) != std::string::npos ? 1 : 0;
    }
    return n;
  }

 private:
  spdlog::logger& logger_;
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_st> sink_;
};

// The Authorization header of each request the server was sent.
std::vector<std::string> SentTokens(const std::vector<net::HttpRequest>& requests) {
  std::vector<std::string> tokens;
  for (const net::HttpRequest& req : requests) {
    tokens.emplace_back(req.Header("authorization"));
  }
  return tokens;
}

// The next event of `w`, or nullopt when the watch ended or 10 s passed.
std::optional<rt::WatchEvent> NextEvent(rt::Watcher& w, const sim::Context& ctx) {
  auto [bounded, cancel] = sim::WithTimeout(ctx, 10s);
  auto ev = w.ResultChan().Recv(bounded);
  cancel();
  return ev;
}

// The lists and watches of configmaps the fake served, oldest first.
std::vector<fake::Action> ConfigMapReads(const fake::Clientset& server) {
  std::vector<fake::Action> reads;
  for (fake::Action& a : server.Actions()) {
    if (a.resource.resource == "configmaps" && (a.verb == "list" || a.verb == "watch")) {
      reads.push_back(std::move(a));
    }
  }
  return reads;
}

// The targets of the requests sent to the configmaps collection, oldest first.
std::vector<std::string> ConfigMapTargets(const std::vector<net::HttpRequest>& requests) {
  std::vector<std::string> targets;
  for (const net::HttpRequest& req : requests) {
    if (req.Path().ends_with("/configmaps")) {
      targets.push_back(req.target);
    }
  }
  return targets;
}

bool Has(std::string_view target, std::string_view param) {
  return target.find(param) != std::string_view::npos;
}

// Runs an informer of every namespace's configmaps on the client until the body returns.
void WithConfigMapInformer(Env& env, const std::function<void(cache::SharedIndexInformer&)>& body) {
  cache::SharedIndexInformer informer(
      cache::ListWatchFromClient(*env.client, rt::ConfigMap::StaticResource(), ""),
      {.expected_kind = rt::ConfigMap::StaticKind()});
  auto [run_ctx, stop] = sim::WithCancel(env.ctx);
  sim::WaitGroup running("informer");
  running.Go("informer", [&, run = run_ctx] { informer.Run(run); });
  body(informer);
  stop();
  running.Wait();
}

// Creates default/NAME on the fake and waits (bounded by the test's context) until the informer
// has it.
void CreateAndSee(Env& env, cache::SharedIndexInformer& informer, const std::string& name) {
  REQUIRE(env.server->ConfigMaps("default").Create(env.ctx, NewConfigMap(name), {}));
  while (informer.GetStore().GetByKey("default/" + name) == nullptr && !env.ctx.IsDone()) {
    sim::SleepFor(5ms, env.ctx);
  }
  CHECK(informer.GetStore().GetByKey("default/" + name) != nullptr);
}

}  // namespace

TEST_CASE("typed ConfigMap create, get, update, list and delete", "[client][rest]") {
  WithServer({}, [](Env& env) {
    auto cms = env.client->ConfigMaps("default");
    auto created = cms.Create(env.ctx, NewConfigMap("cm1"), {});
    INFO((created ? std::string() : fmt::format("{:v}", created.error())));
    REQUIRE(created);
    CHECK((*created)->metadata.namespace_ == "default");
    CHECK_FALSE((*created)->metadata.resource_version.empty());
    CHECK_FALSE((*created)->metadata.uid.empty());

    auto got = cms.Get(env.ctx, "cm1", {});
    REQUIRE(got);
    CHECK((*got)->data.at("k") == "v");

    rt::ConfigMap next = **got;
    next.data["k"] = "w";
    auto updated = cms.Update(env.ctx, next, {});
    REQUIRE(updated);
    CHECK((*updated)->data.at("k") == "w");
    CHECK((*updated)->metadata.resource_version != (*got)->metadata.resource_version);
    // Seen by the fake directly: the write went to the server.
    auto direct = env.server->ConfigMaps("default").Get(env.ctx, "cm1", {});
    REQUIRE(direct);
    CHECK((*direct)->data.at("k") == "w");

    auto list = cms.List(env.ctx, {});
    REQUIRE(list);
    REQUIRE(list->items.size() == 1);
    CHECK(list->items[0]->metadata.name == "cm1");
    CHECK_FALSE(list->metadata.resource_version.empty());

    REQUIRE(cms.Delete(env.ctx, "cm1", {}));
    auto gone = cms.Get(env.ctx, "cm1", {});
    REQUIRE_FALSE(gone);
    CHECK(rt::IsNotFound(gone.error()));
  });
}

TEST_CASE("Status errors map to the runtime's reasons and codes", "[client][rest]") {
  WithServer({}, [](Env& env) {
    auto cms = env.client->ConfigMaps("default");
    auto missing = cms.Get(env.ctx, "nope", {});
    REQUIRE_FALSE(missing);
    CHECK(rt::IsNotFound(missing.error()));
    CHECK(missing.error().code == 404);
    CHECK(missing.error().message == "configmaps \"nope\" not found");
    CHECK(missing.error().details.name == "nope");

    REQUIRE(cms.Create(env.ctx, NewConfigMap("cm1"), {}));
    auto again = cms.Create(env.ctx, NewConfigMap("cm1"), {});
    REQUIRE_FALSE(again);
    CHECK(rt::IsAlreadyExists(again.error()));
    CHECK(again.error().code == 409);

    // An update from a stale resourceVersion: Conflict.
    rt::ConfigMap stale = NewConfigMap("cm1");
    stale.metadata.resource_version = "1";
    auto conflict = cms.Update(env.ctx, stale, {});
    REQUIRE_FALSE(conflict);
    CHECK(rt::IsConflict(conflict.error()));

    // Delete preconditions that do not hold: Conflict, and the object stays.
    auto pre = cms.Delete(env.ctx, "cm1", {.preconditions = {.uid = "not-the-uid"}});
    REQUIRE_FALSE(pre);
    CHECK(rt::IsConflict(pre.error()));
    auto rv = cms.Delete(env.ctx, "cm1", {.preconditions = {.resource_version = "1"}});
    REQUIRE_FALSE(rv);
    CHECK(rt::IsConflict(rv.error()));
    REQUIRE(cms.Get(env.ctx, "cm1", {}));
    auto current = cms.Get(env.ctx, "cm1", {});
    REQUIRE(current);
    REQUIRE(
        cms.Delete(env.ctx, "cm1",
                   {.preconditions = {.uid = (*current)->metadata.uid,
                                      .resource_version = (*current)->metadata.resource_version},
                    .propagation_policy = "Background"}));
    CHECK(rt::IsNotFound(cms.Get(env.ctx, "cm1", {}).error()));

    // The wrong namespace in the body: BadRequest from the server.
    rt::ConfigMap elsewhere = NewConfigMap("cm2");
    elsewhere.metadata.namespace_ = "other";
    auto bad = cms.Create(env.ctx, elsewhere, {});
    REQUIRE_FALSE(bad);
    CHECK(rt::IsBadRequest(bad.error()));
  });
}

TEST_CASE("status update and every patch type", "[client][rest]") {
  WithServer({}, [](Env& env) {
    auto pods = env.client->Pods("default");
    REQUIRE(pods.Create(env.ctx, rt::Pod({.name = "p1", .namespace_ = "default"}), {}));
    auto pod = pods.Get(env.ctx, "p1", {});
    REQUIRE(pod);
    rt::Pod running = **pod;
    running.status.phase = "Running";
    auto status = pods.UpdateStatus(env.ctx, running, {});
    INFO((status ? std::string() : fmt::format("{:v}", status.error())));
    REQUIRE(status);
    CHECK((*status)->status.phase == "Running");
    CHECK(env.requests->back().method == "PUT");
    CHECK(env.requests->back().Path() == "/api/v1/namespaces/default/pods/p1/status");

    auto cms = env.client->Resource(rt::ConfigMap::StaticResource(), "default");
    REQUIRE(env.client->ConfigMaps("default").Create(env.ctx, NewConfigMap("cm1"), {}));
    auto merged =
        cms->Patch(env.ctx, "cm1", rt::PatchType::kMerge, R"({"data":{"k":"merge"}})", {});
    REQUIRE(merged);
    CHECK(Data(*merged) == "merge");
    CHECK(env.requests->back().Header("content-type") == "application/merge-patch+json");
    auto json_patch = cms->Patch(env.ctx, "cm1", rt::PatchType::kJson,
                                 R"([{"op":"replace","path":"/data/k","value":"json"}])", {});
    REQUIRE(json_patch);
    CHECK(Data(*json_patch) == "json");
    auto strategic = cms->Patch(env.ctx, "cm1", rt::PatchType::kStrategicMerge,
                                R"({"data":{"k":"strategic"}})", {});
    REQUIRE(strategic);
    CHECK(Data(*strategic) == "strategic");
    // Server-side apply is not served by bubble's API server: 415, mapped by its reason.
    auto apply = cms->Patch(env.ctx, "cm1", rt::PatchType::kApply, R"({"data":{"k":"apply"}})",
                            {.field_manager = "test"});
    REQUIRE_FALSE(apply);
    CHECK(apply.error().code == 415);
    CHECK(apply.error().reason == rt::StatusReason::kUnsupportedMediaType);

    auto status_patch = pods.Patch(env.ctx, "p1", rt::PatchType::kMerge,
                                   R"({"status":{"phase":"Succeeded"}})", {}, "status");
    REQUIRE(status_patch);
    CHECK((*status_patch)->status.phase == "Succeeded");
  });
}

TEST_CASE("lists with selectors and pages, and deletecollection", "[client][rest]") {
  WithServer({}, [](Env& env) {
    auto cms = env.client->ConfigMaps("default");
    for (int i = 0; i < 5; ++i) {
      REQUIRE(cms.Create(
          env.ctx, NewConfigMap(fmt::format("cm{}", i), {{"app", i % 2 == 0 ? "a" : "b"}}), {}));
    }
    auto a = cms.List(env.ctx, {.label_selector = "app=a"});
    REQUIRE(a);
    CHECK(a->items.size() == 3);
    auto named = cms.List(env.ctx, {.field_selector = "metadata.name=cm3"});
    REQUIRE(named);
    REQUIRE(named->items.size() == 1);
    CHECK(named->items[0]->metadata.name == "cm3");

    std::vector<std::string> names;
    rt::ListOptions page{.limit = 2};
    int pages = 0;
    while (true) {
      auto l = cms.List(env.ctx, page);
      REQUIRE(l);
      ++pages;
      for (const auto& item : l->items) {
        names.push_back(item->metadata.name);
      }
      if (l->metadata.continue_.empty()) {
        break;
      }
      page.continue_ = l->metadata.continue_;
    }
    CHECK(pages == 3);
    CHECK(names == std::vector<std::string>{"cm0", "cm1", "cm2", "cm3", "cm4"});

    REQUIRE(env.client->Resource(rt::ConfigMap::StaticResource(), "default")
                ->DeleteCollection(env.ctx, {}, {.label_selector = "app=b"}));
    auto left = cms.List(env.ctx, {});
    REQUIRE(left);
    CHECK(left->items.size() == 3);

    // All namespaces, and an object of a kind without code (Unstructured).
    auto all = env.client->Resource(rt::ConfigMap::StaticResource(), "")->List(env.ctx, {});
    REQUIRE(all);
    CHECK(all->items.size() == 3);
  });
}

TEST_CASE("a custom resource the client's Scheme does not know is Unstructured", "[client][rest]") {
  const rt::GroupVersionKind widget{"example.com", "v1", "Widget"};
  const rt::GroupVersionResource widgets{"example.com", "v1", "widgets"};
  fake::Options options;
  options.scheme.RegisterUnstructured(widget);
  WithServer({.fake = options}, [&](Env& env) {
    auto in_ns = env.client->Resource(widgets, "ns");
    auto created = in_ns->Create(
        env.ctx, rt::Unstructured(widget, {.name = "w1"}, {{"spec", {{"size", 3}}}}), {});
    INFO((created ? std::string() : fmt::format("{:v}", created.error())));
    REQUIRE(created);
    CHECK(env.requests->back().Path() == "/apis/example.com/v1/namespaces/ns/widgets");
    auto got = in_ns->Get(env.ctx, "w1", {});
    REQUIRE(got);
    auto w1 = rt::As<rt::Unstructured>(*got);
    REQUIRE(w1);
    CHECK((*w1)->Kind() == widget);
    CHECK((*w1)->metadata.namespace_ == "ns");
    CHECK((*w1)->content["spec"]["size"] == 3);
    // All namespaces: the path has none.
    auto all = env.client->Resource(widgets, "")->List(env.ctx, {});
    REQUIRE(all);
    REQUIRE(all->items.size() == 1);
    CHECK(all->items[0]->Kind() == widget);
    CHECK(env.requests->back().Path() == "/apis/example.com/v1/widgets");
  });
}

TEST_CASE("a watch receives another fiber's write and ends on Stop", "[client][rest][watch]") {
  WithServer({}, [](Env& env) {
    auto cms = env.client->ConfigMaps("default");
    auto list = cms.List(env.ctx, {});
    REQUIRE(list);
    auto w = env.client->Resource(rt::ConfigMap::StaticResource(), "default")
                 ->Watch(env.ctx, {.resource_version = list->metadata.resource_version});
    REQUIRE(w);
    CHECK(env.requests->back().Query().find("watch=1") != std::string_view::npos);
    sim::WaitGroup writer("writer");
    writer.Go("writer", [&] {
      REQUIRE(env.server->ConfigMaps("default").Create(env.ctx, NewConfigMap("cm1"), {}));
    });
    auto ev = NextEvent(**w, env.ctx);
    REQUIRE(ev);
    CHECK(ev->type == rt::WatchEventType::kAdded);
    REQUIRE(ev->object != nullptr);
    CHECK(ev->object->metadata.name == "cm1");
    CHECK(Data(ev->object) == "v");
    writer.Wait();
    REQUIRE(cms.Delete(env.ctx, "cm1", {}));
    auto deleted = NextEvent(**w, env.ctx);
    REQUIRE(deleted);
    CHECK(deleted->type == rt::WatchEventType::kDeleted);
    (*w)->Stop();
    CHECK_FALSE(NextEvent(**w, env.ctx));
  });
}

TEST_CASE("a watch that allows bookmarks gets one with the current resourceVersion",
          "[client][rest][watch]") {
  WithServer({}, [](Env& env) {
    auto cms = env.client->ConfigMaps("default");
    REQUIRE(cms.Create(env.ctx, NewConfigMap("cm1"), {}));
    auto list = cms.List(env.ctx, {});
    REQUIRE(list);
    auto w = env.client->Resource(rt::ConfigMap::StaticResource(), "default")
                 ->Watch(env.ctx, {.resource_version = list->metadata.resource_version,
                                   .allow_watch_bookmarks = true});
    REQUIRE(w);
    CHECK(env.requests->back().Query().find("allowWatchBookmarks=true") != std::string_view::npos);
    auto ev = NextEvent(**w, env.ctx);
    REQUIRE(ev);
    CHECK(ev->type == rt::WatchEventType::kBookmark);
    REQUIRE(ev->object != nullptr);
    CHECK(ev->object->Kind() == rt::ConfigMap::StaticKind());
    CHECK(ev->object->metadata.resource_version == list->metadata.resource_version);
    (*w)->Stop();
  });
}

TEST_CASE("a watch from an expired resourceVersion gets the 410 Expired event",
          "[client][rest][watch]") {
  fake::Options options;
  options.fidelity.history_limit = 2;
  WithServer({.fake = options}, [](Env& env) {
    auto cms = env.client->ConfigMaps("default");
    for (int i = 0; i < 5; ++i) {
      REQUIRE(cms.Create(env.ctx, NewConfigMap(fmt::format("cm{}", i)), {}));
    }
    auto w = env.client->Resource(rt::ConfigMap::StaticResource(), "default")
                 ->Watch(env.ctx, {.resource_version = "1"});
    REQUIRE(w);
    auto ev = NextEvent(**w, env.ctx);
    REQUIRE(ev);
    REQUIRE(ev->type == rt::WatchEventType::kError);
    REQUIRE(ev->error != nullptr);
    CHECK(rt::IsResourceExpired(*ev->error));
    CHECK(ev->error->code == 410);
    CHECK_FALSE(NextEvent(**w, env.ctx));  // the stream ends after the error
  });
}

TEST_CASE("reads answered 429 with Retry-After are retried, writes are not", "[client][rest]") {
  int refusals = 0;
  int failures = 0;
  EnvOptions options;
  options.intercept = [&](const net::HttpRequest& req, net::HttpResponder& out) {
    if (refusals < 2 && req.Path().ends_with("/configmaps/cm1")) {
      ++refusals;
      out.Respond(429, "application/json", rt::NewTooManyRequests("slow down", 0).ToJson().dump(),
                  {{"Retry-After", "0"}});
      return true;
    }
    if (req.Path().ends_with("/configmaps/cm2")) {
      ++failures;
      out.Respond(500, "application/json", rt::NewInternalError("boom").ToJson().dump());
      return true;
    }
    if (req.method == "POST" && req.Path().ends_with("/secrets")) {
      out.Respond(503, "text/plain", "busy\n", {{"Retry-After", "0"}});
      return true;
    }
    return false;
  };
  WithServer(options, [&](Env& env) {
    REQUIRE(env.server->ConfigMaps("default").Create(env.ctx, NewConfigMap("cm1"), {}));
    auto got = env.client->ConfigMaps("default").Get(env.ctx, "cm1", {});
    REQUIRE(got);
    CHECK(refusals == 2);
    // A 500 without Retry-After is returned as it is (client-go retries only when told to wait).
    auto failed = env.client->ConfigMaps("default").Get(env.ctx, "cm2", {});
    REQUIRE_FALSE(failed);
    CHECK(rt::IsInternalError(failed.error()));
    CHECK(failures == 1);
    auto secret = env.client->Secrets("default").Create(env.ctx, rt::Secret({.name = "s1"}), {});
    REQUIRE_FALSE(secret);
    CHECK(rt::IsServiceUnavailable(secret.error()));
    CHECK(secret.error().message == "busy");
  });
}

TEST_CASE("a client of a server that is gone gets a connection-refused error", "[client][rest]") {
  const sim::RunResult result = net::RunRealTime([] {
    std::string address;
    {
      net::HttpServer http({}, [](const net::HttpRequest&, net::HttpResponder& out) {
        out.Respond(200, "text/plain", "");
      });
      http.Start();
      address = http.BoundAddress();
      http.Stop();
    }
    client::RestClientset cs({.server = "http://" + address}, rt::Scheme::Builtin());
    auto got = cs.ConfigMaps("default").Get(sim::Context::Background(), "cm1", {});
    REQUIRE_FALSE(got);
    CHECK(got.error().code == 0);
    INFO(got.error().message);
    CHECK(cache::IsConnectionRefused(got.error()));
  });
  INFO(result.report);
  REQUIRE(result.Passed());
}

TEST_CASE("over TLS the client verifies the server and sends its bearer token",
          "[client][rest][tls]") {
  WithServer({.tls = true, .bearer_token = "s3cret"}, [](Env& env) {
    REQUIRE(env.client->ConfigMaps("default").Create(env.ctx, NewConfigMap("cm1"), {}));
    auto list = env.client->ConfigMaps("default").List(env.ctx, {});
    REQUIRE(list);
    CHECK(list->items.size() == 1);
    REQUIRE_FALSE(env.requests->empty());
    for (const net::HttpRequest& req : *env.requests) {
      CHECK(req.Header("authorization") == "Bearer s3cret");
      CHECK(req.Header("user-agent") == "bubble-client");
    }
    // A client trusting another CA refuses the server: a client-side error, not an API one.
    client::RestClientset wary(
        {.server = env.server_url, .ca_pem = net::GenerateTlsIdentity().ca.cert_pem},
        rt::Scheme::Builtin());
    auto refused = wary.ConfigMaps("default").Get(env.ctx, "cm1", {});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == 0);
    CHECK_THAT(refused.error().message, Catch::Matchers::Contains("TLS handshake"));
  });
}

TEST_CASE("insecure_skip_tls_verify reaches a server the client has no CA for, with a warning",
          "[client][rest][tls]") {
  WithServer({.tls = true}, [](Env& env) {
    const CapturedLog log("client");
    // No CA and verification on: the system's roots do not know the generated CA.
    client::RestClientset verifying({.server = env.server_url}, rt::Scheme::Builtin());
    auto refused = verifying.ConfigMaps("default").List(env.ctx, {});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == 0);
    CHECK_THAT(refused.error().message,
               Catch::Matchers::Contains("TLS handshake") &&
                   Catch::Matchers::Contains("certificate verify failed") &&
                   Catch::Matchers::Contains("give the CA"));
    CHECK(log.Count("is not verified") == 0);

    client::RestClientset trusting({.server = env.server_url,
                                    .tls_server_name = "elsewhere",
                                    .insecure_skip_tls_verify = true},
                                   rt::Scheme::Builtin());
    REQUIRE(trusting.ConfigMaps("default").Create(env.ctx, NewConfigMap("cm1"), {}));
    auto list = trusting.ConfigMaps("default").List(env.ctx, {});
    REQUIRE(list);
    CHECK(list->items.size() == 1);
    INFO(log.Text());
    CHECK(log.Count("is not verified (insecure_skip_tls_verify)") == 1);  // once, not per request

    // A CA with the flag is refused, as client-go refuses it.
    CHECK_THROWS_WITH(client::RestClientset({.server = env.server_url,
                                             .ca_pem = net::GenerateTlsIdentity().ca.cert_pem,
                                             .insecure_skip_tls_verify = true},
                                            rt::Scheme::Builtin()),
                      Catch::Matchers::Contains("ca_pem and insecure_skip_tls_verify"));
  });
}

TEST_CASE("over http insecure_skip_tls_verify is ignored", "[client][rest][tls]") {
  WithServer({}, [](Env& env) {
    const CapturedLog log("client");
    client::RestClientset plain({.server = env.server_url,
                                 .ca_pem = net::GenerateTlsIdentity().ca.cert_pem,
                                 .insecure_skip_tls_verify = true},
                                rt::Scheme::Builtin());
    CHECK(plain.ConfigMaps("default").List(env.ctx, {}));
    CHECK(log.Count("is not verified") == 0);
  });
}

TEST_CASE("the client sends a rotated token file's token once the re-read period has passed",
          "[client][rest][token]") {
  bubble::net::test::TempDir dir;
  const std::filesystem::path file = dir.Write("token", "first\n");
  constexpr auto kPeriod = 50ms;
  WithServer({}, [&](Env& env) {
    const CapturedLog log("client");
    client::RestClientset cs({.server = env.server_url,
                              .bearer_token = "first",
                              .token_file = file.string(),
                              .token_file_reread_period = kPeriod},
                             rt::Scheme::Builtin());
    auto list = [&] { return bool(cs.ConfigMaps("default").List(env.ctx, {})); };
    auto last_token = [&] { return std::string(env.requests->back().Header("authorization")); };
    REQUIRE(list());
    CHECK(last_token() == "Bearer first");

    dir.Write("token", "second\n");
    REQUIRE(sim::SleepFor(kPeriod, env.ctx));
    REQUIRE(list());
    CHECK(last_token() == "Bearer second");

    // A re-read that fails keeps the token held, and the client keeps working (and says why).
    std::filesystem::remove(file);
    REQUIRE(sim::SleepFor(kPeriod, env.ctx));
    REQUIRE(list());
    CHECK(last_token() == "Bearer second");
    REQUIRE(sim::SleepFor(kPeriod, env.ctx));
    REQUIRE(list());
    CHECK(last_token() == "Bearer second");
    INFO(log.Text());
    CHECK(log.Count("cannot re-read token file " + file.string()) == 1);  // not once a period

    dir.Write("token", "third\n");
    REQUIRE(sim::SleepFor(kPeriod, env.ctx));
    REQUIRE(list());
    CHECK(last_token() == "Bearer third");
  });
}

TEST_CASE("a 401 does not make the client re-read its token file early (as client-go)",
          "[client][rest][token]") {
  bubble::net::test::TempDir dir;
  const std::filesystem::path file = dir.Write("token", "expired\n");
  EnvOptions options;
  options.intercept = [](const net::HttpRequest& req, net::HttpResponder& out) {
    if (req.Header("authorization") != "Bearer expired") {
      return false;
    }
    out.Respond(401, "application/json",
                R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                R"("message":"Unauthorized","reason":"Unauthorized","code":401})");
    return true;
  };
  WithServer(options, [&](Env& env) {
    // client-go's period (a minute): no re-read is due during the test.
    client::RestClientset cs(
        {.server = env.server_url, .bearer_token = "expired", .token_file = file.string()},
        rt::Scheme::Builtin());
    dir.Write("token", "fresh\n");
    for (int i = 0; i < 2; ++i) {
      auto got = cs.ConfigMaps("default").List(env.ctx, {});
      REQUIRE_FALSE(got);
      CHECK(rt::IsUnauthorized(got.error()));
    }
    // Neither retried nor re-read: the rotated token waits for the period, as client-go's
    // bearer token file round tripper does (it never resets its cached token on a 401).
    CHECK(SentTokens(*env.requests) ==
          std::vector<std::string>{"Bearer expired", "Bearer expired"});
  });
}

TEST_CASE(
    "an informer on the RestClientset syncs a list longer than a page: the pager follows the "
    "continue tokens of a list from resourceVersion 0",
    "[client][rest][informer]") {
  WithServer({}, [](Env& env) {
    constexpr int kObjects = 1'200;  // three pages of the reflector's 500
    for (int i = 0; i < kObjects; ++i) {
      REQUIRE(env.server->ConfigMaps("default").Create(
          env.ctx, NewConfigMap(fmt::format("cm-{:04}", i)), {}));
    }
    env.requests->clear();
    WithConfigMapInformer(env, [&](cache::SharedIndexInformer& informer) {
      REQUIRE(cache::WaitFor(env.ctx, "", {informer.HasSyncedChecker()}));
      CHECK(informer.GetStore().List().size() == kObjects);
      CreateAndSee(env, informer, "after");
    });
    const std::vector<std::string> targets = ConfigMapTargets(*env.requests);
    REQUIRE(targets.size() == 4);
    CHECK(Has(targets[0], "resourceVersion=0"));
    CHECK(Has(targets[0], "limit=500"));
    for (int page = 1; page <= 2; ++page) {
      CHECK(Has(targets[page], "continue="));
      CHECK_FALSE(Has(targets[page], "resourceVersion="));
    }
    CHECK(Has(targets[3], "watch=1"));
  });
}

TEST_CASE(
    "an informer on the RestClientset lists, watches from the list and sees a create made "
    "on the fake",
    "[client][rest][informer][watch-list]") {
  WithServer({}, [](Env& env) {
    CHECK_FALSE(env.client->SupportsWatchList());  // client-go's WatchListClient default
    REQUIRE(env.server->ConfigMaps("default").Create(env.ctx, NewConfigMap("before"), {}));
    WithConfigMapInformer(env, [&](cache::SharedIndexInformer& informer) {
      REQUIRE(cache::WaitFor(env.ctx, "", {informer.HasSyncedChecker()}));
      CHECK(informer.GetStore().GetByKey("default/before") != nullptr);
      CreateAndSee(env, informer, "after");
      auto seen = informer.GetStore().GetByKey("default/after");
      REQUIRE(seen != nullptr);
      CHECK(Data(seen) == "v");
    });
    const std::vector<fake::Action> reads = ConfigMapReads(*env.server);
    REQUIRE(reads.size() == 2);
    CHECK(reads[0].verb == "list");
    CHECK(reads[1].verb == "watch");
    CHECK_FALSE(reads[1].list_options.send_initial_events.has_value());
    CHECK(reads[1].list_options.resource_version_match.empty());
  });
}

TEST_CASE("with RestConfig::watch_list an informer syncs from one streaming watch, with no LIST",
          "[client][rest][informer][watch-list]") {
  EnvOptions options;
  options.watch_list = true;
  WithServer(options, [](Env& env) {
    CHECK(env.client->SupportsWatchList());
    REQUIRE(env.server->ConfigMaps("default").Create(env.ctx, NewConfigMap("before"), {}));
    WithConfigMapInformer(env, [&](cache::SharedIndexInformer& informer) {
      REQUIRE(cache::WaitFor(env.ctx, "", {informer.HasSyncedChecker()}));
      CHECK(informer.GetStore().GetByKey("default/before") != nullptr);
      CreateAndSee(env, informer, "after");  // on the same watch
    });
    const std::vector<fake::Action> reads = ConfigMapReads(*env.server);
    REQUIRE(reads.size() == 1);
    CHECK(reads[0].verb == "watch");
    CHECK(reads[0].list_options.send_initial_events == std::optional<bool>(true));
    CHECK(reads[0].list_options.resource_version_match == "NotOlderThan");
    CHECK(reads[0].list_options.allow_watch_bookmarks);
    const std::vector<std::string> targets = ConfigMapTargets(*env.requests);
    REQUIRE(targets.size() == 1);
    CHECK(Has(targets[0], "sendInitialEvents=true"));
    CHECK(Has(targets[0], "resourceVersionMatch=NotOlderThan"));
  });
}

TEST_CASE(
    "with RestConfig::watch_list against a server without WatchList the 422 makes the "
    "informer list, then watch",
    "[client][rest][informer][watch-list]") {
  EnvOptions options;
  options.watch_list = true;
  options.fake.fidelity.watch_list = false;  // kube-apiserver with the WatchList gate off
  WithServer(options, [](Env& env) {
    auto refused = env.client->Resource(rt::ConfigMap::StaticResource(), "")
                       ->Watch(env.ctx, {.resource_version_match = "NotOlderThan",
                                         .allow_watch_bookmarks = true,
                                         .send_initial_events = true});
    REQUIRE_FALSE(refused);
    CHECK(rt::IsInvalid(refused.error()));
    CHECK_THAT(refused.error().message, Catch::Contains("WatchList feature gate"));

    REQUIRE(env.server->ConfigMaps("default").Create(env.ctx, NewConfigMap("before"), {}));
    env.requests->clear();
    WithConfigMapInformer(env, [&](cache::SharedIndexInformer& informer) {
      REQUIRE(cache::WaitFor(env.ctx, "", {informer.HasSyncedChecker()}));
      CHECK(informer.GetStore().GetByKey("default/before") != nullptr);
      CreateAndSee(env, informer, "after");
    });
    // The refused streaming watch, then what the reflector falls back to.
    const std::vector<std::string> targets = ConfigMapTargets(*env.requests);
    REQUIRE(targets.size() == 3);
    CHECK(Has(targets[0], "sendInitialEvents=true"));
    CHECK_FALSE(Has(targets[1], "watch=1"));
    CHECK(Has(targets[2], "watch=1"));
    CHECK_FALSE(Has(targets[2], "sendInitialEvents"));
    const std::vector<fake::Action> reads = ConfigMapReads(*env.server);
    REQUIRE(reads.size() == 2);  // the refused request never reached the store
    CHECK(reads[0].verb == "list");
    CHECK(reads[1].verb == "watch");
  });
}

TEST_CASE(
    "with RestConfig::watch_list a stream that ends before the end bookmark is opened "
    "again, never replaced by a LIST (as client-go)",
    "[client][rest][informer][watch-list]") {
  // Two streams as a server that ignores sendInitialEvents sends them: the objects, no end
  // bookmark, then the end of the stream (its timeout). Against such a server for good, the
  // informer would never sync; here the third request reaches the fake.
  int streams = 0;
  EnvOptions options;
  options.watch_list = true;
  options.intercept = [&](const net::HttpRequest& req, net::HttpResponder& out) {
    if (!req.Path().ends_with("/configmaps") || !Has(req.target, "sendInitialEvents=true") ||
        ++streams > 2) {
      return false;
    }
    out.StartStream(200, "application/json");
    const nlohmann::json added = {{"type", "ADDED"}, {"object", NewConfigMap("stale").ToJson()}};
    out.WriteChunk(added.dump() + "\n");
    return true;
  };
  WithServer(options, [&](Env& env) {
    REQUIRE(env.server->ConfigMaps("default").Create(env.ctx, NewConfigMap("before"), {}));
    WithConfigMapInformer(env, [&](cache::SharedIndexInformer& informer) {
      REQUIRE(cache::WaitFor(env.ctx, "", {informer.HasSyncedChecker()}));
      // What the unfinished streams carried was dropped with them.
      CHECK(informer.GetStore().GetByKey("default/stale") == nullptr);
      CHECK(informer.GetStore().GetByKey("default/before") != nullptr);
    });
    CHECK(streams == 3);
    const std::vector<std::string> targets = ConfigMapTargets(*env.requests);
    CHECK(std::all_of(targets.begin(), targets.end(),
                      [](const std::string& t) { return Has(t, "sendInitialEvents=true"); }));
    CHECK(ConfigMapReads(*env.server).size() == 1);
  });
}

TEST_CASE("an informer whose watch gets 410 Expired relists through the RestClientset",
          "[client][rest][informer]") {
  int watches = 0;
  int lists = 0;
  EnvOptions options;
  options.intercept = [&](const net::HttpRequest& req, net::HttpResponder& out) {
    if (!req.Path().ends_with("/configmaps")) {
      return false;
    }
    if (req.Query().find("watch=1") == std::string_view::npos) {
      ++lists;
      return false;
    }
    if (++watches > 1) {
      return false;
    }
    // The first watch: the server has compacted past the list's resourceVersion.
    out.StartStream(200, "application/json");
    const nlohmann::json expired =
        rt::NewResourceExpired("too old resource version: 1 (5)").ToJson();
    out.WriteChunk(nlohmann::json{{"type", "ERROR"}, {"object", expired}}.dump() + "\n");
    return true;
  };
  WithServer(options, [&](Env& env) {
    REQUIRE(env.server->ConfigMaps("default").Create(env.ctx, NewConfigMap("before"), {}));
    WithConfigMapInformer(env, [&](cache::SharedIndexInformer& informer) {
      REQUIRE(cache::WaitFor(env.ctx, "", {informer.HasSyncedChecker()}));
      CreateAndSee(env, informer, "after");
      // The relist may bring "after" before the second watch opens: wait for it too (bounded
      // by the test's context).
      while (watches < 2 && !env.ctx.IsDone()) {
        sim::SleepFor(5ms, env.ctx);
      }
    });
    CHECK(lists >= 2);  // the 410 made the reflector list again
    CHECK(watches >= 2);
  });
}
