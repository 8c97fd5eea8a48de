// apiserver/test/flaky_server_test.cc
//
// A flaky server (flaky_server.h) over REST, in a simulated bubble: the rates and the mix of
// injected errors, writes that fail after they were applied, latency, watch lifetimes and 410
// Expired, and what stays up (discovery, custom resources).
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <bubble/apiserver/flaky_server.h>
#include <bubble/apiserver/rest_handler.h>
#include <bubble/fake/action.h>
#include <bubble/fake/clientset.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/unstructured.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>
#include <bubble/testing/testing.h>

#include "recording_responder.h"

namespace bubble::apiserver::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace rt = bubble::runtime;

void InBubble(const std::function<void()>& body) {
  bubble::testing::RunOnce({.seed = 1}, [&](sim::Bubble&) { body(); });
}

rt::ConfigMap Cm(std::string name) {
  return rt::ConfigMap({.name = std::move(name), .namespace_ = "a"}, {{"k", "v"}});
}

std::string CmJson(std::string_view name) {
  return json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", name}, {"namespace", "a"}}}}
      .dump();
}

rt::Unstructured GadgetCrd() {
  auto crd = rt::Unstructured::FromJson(json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "gadgets.example.org"},
    "spec": {"group": "example.org", "scope": "Namespaced",
             "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
             "versions": [{"name": "v1", "served": true, "storage": true}]}})"));
  REQUIRE(crd);
  return std::move(*crd);
}

net::HttpHeaders JsonBody() {
  return {{"content-type", "application/json"}};
}

// The reason of an injected error, after checking it is one of the mix's, in kube-apiserver's
// shape: 429 carries Retry-After (header and details), the others do not.
std::string InjectedReason(const RecordingResponder& out) {
  INFO(out.body);
  REQUIRE(out.answers == 1);
  REQUIRE_FALSE(out.streaming);
  const json s = out.Json();
  CHECK(s["kind"] == "Status");
  CHECK(s["status"] == "Failure");
  CHECK(s["code"] == out.status);
  const std::string reason = s["reason"];
  if (out.status == 429) {
    CHECK(reason == "TooManyRequests");
    CHECK(out.headers == net::HttpHeaders{{"Retry-After", "1"}});
    CHECK(s["details"]["retryAfterSeconds"] == kFlakyRetryAfterSeconds);
  } else {
    CHECK(((out.status == 500 && reason == "InternalError") ||
           (out.status == 504 && reason == "Timeout")));
    CHECK(out.headers.empty());
  }
  CHECK(s["message"].get<std::string>().find("injected fault") != std::string::npos);
  return reason;
}

// Of `verb`'s requests, the share each rule fails (the first whose draw fires decides).
std::vector<double> FailShares(const fake::Faults& f, std::string_view verb) {
  std::vector<double> shares;
  double untouched = 1;
  for (const fake::ErrorRule& r : f.errors) {
    if (r.verb == verb) {
      shares.push_back(untouched * r.probability);
      untouched *= 1 - r.probability;
    }
  }
  return shares;
}

TEST_CASE("flaky faults: each verb fails at the rate, in the documented mix",
          "[apiserver][flaky]") {
  for (const double percent : {0.5, 10.0, 50.0, 100.0}) {
    const fake::Faults f = FlakyFaults({.error_percent = percent});
    const double p = percent / 100;
    for (std::string_view verb : {fake::kVerbGet, fake::kVerbList, fake::kVerbWatch}) {
      INFO(verb << " at " << percent << "%");
      const std::vector<double> s = FailShares(f, verb);
      REQUIRE(s.size() == 3);
      CHECK(s[0] == Approx(p / 2));  // 500
      CHECK(s[1] == Approx(p / 4));  // 429
      CHECK(s[2] == Approx(p / 4));  // 504
    }
    for (std::string_view verb : {fake::kVerbCreate, fake::kVerbUpdate, fake::kVerbPatch,
                                  fake::kVerbDelete, fake::kVerbDeleteCollection}) {
      INFO(verb << " at " << percent << "%");
      const std::vector<double> s = FailShares(f, verb);
      REQUIRE(s.size() == 4);
      double applied = 0;
      double total = 0;
      std::size_t i = 0;
      for (const fake::ErrorRule& r : f.errors) {
        if (r.verb == verb) {
          total += s[i];
          applied += r.after_apply ? s[i] : 0;
          CHECK(s[i] == Approx(p / 4));
          ++i;
        }
      }
      CHECK(total == Approx(p));
      CHECK(applied == Approx(p / 2));
    }
  }
  const fake::Faults none = FlakyFaults({});
  CHECK(none.errors.empty());
  CHECK(none.latency.empty());
  CHECK(none.watch_max_lifetime == sim::Duration::zero());
  CHECK(none.compaction_probability == 0);
  CHECK(none.watch_end_probability == 0);
}

TEST_CASE("flaky server at 100%: every API request fails with an injected error, discovery stays",
          "[apiserver][flaky]") {
  InBubble([] {
    auto server = fake::NewClientset(Cm("x"), GadgetCrd());
    RestHandler rest(server);
    server->MutableFaults() = FlakyFaults({.error_percent = 100});
    std::map<std::string, int> reasons;
    for (int i = 0; i < 60; ++i) {
      ++reasons[InjectedReason(Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps/x")))];
      ++reasons[InjectedReason(Call(rest, Req("GET", "/api/v1/configmaps")))];
    }
    CHECK(reasons.size() == 3);  // InternalError, Timeout, TooManyRequests all occur
    CHECK(reasons["InternalError"] > reasons["Timeout"]);
    // A watch fails before its stream starts.
    InjectedReason(Call(rest, Req("GET", "/api/v1/configmaps?watch=1&timeoutSeconds=5")));
    // A custom resource is still served (the CRDs are read on the server's side): its requests
    // fail with the mix, never with 404.
    for (int i = 0; i < 10; ++i) {
      InjectedReason(Call(rest, Req("GET", "/apis/example.org/v1/namespaces/a/gadgets")));
    }
    for (const char* path : {"/version", "/api", "/api/v1", "/apis", "/apis/example.org",
                             "/apis/example.org/v1", "/openapi/v2", "/healthz"}) {
      INFO(path);
      CHECK(Call(rest, Req("GET", path)).status == 200);
    }
    const json gadgets = Call(rest, Req("GET", "/apis/example.org/v1")).Json();
    CHECK(gadgets["resources"][0]["name"] == "gadgets");
  });
}

TEST_CASE("flaky server: some writes fail after they were applied, and a retry sees it",
          "[apiserver][flaky]") {
  InBubble([] {
    auto server = fake::NewClientset();
    RestHandler rest(server);
    server->MutableFaults() = FlakyFaults({.error_percent = 100});
    std::map<std::string, std::set<bool>> stored_after;  // reason -> whether the object exists
    std::vector<std::string> applied;
    for (int i = 0; i < 80; ++i) {
      const std::string name = fmt::format("c{}", i);
      const std::string reason = InjectedReason(
          Call(rest, Req("POST", "/api/v1/namespaces/a/configmaps", CmJson(name), JsonBody())));
      const bool stored =
          server->GetTracker().Get(rt::ConfigMap::StaticResource(), "a", name).has_value();
      stored_after[reason].insert(stored);
      if (stored) {
        applied.push_back(name);
      }
    }
    CHECK(stored_after["TooManyRequests"] == std::set<bool>{false});  // throttled: never applied
    CHECK(stored_after["Timeout"] == std::set<bool>{true});           // the response was lost
    CHECK(stored_after["InternalError"] == std::set<bool>{false, true});
    REQUIRE_FALSE(applied.empty());

    // The client's retry, once the server behaves: its create was applied after all.
    server->MutableFaults() = {};
    auto retry =
        Call(rest, Req("POST", "/api/v1/namespaces/a/configmaps", CmJson(applied[0]), JsonBody()));
    CHECK(retry.status == 409);
    CHECK(retry.Json()["reason"] == "AlreadyExists");
  });
}

TEST_CASE("flaky server: a lower rate fails about that share, 0 fails none", "[apiserver][flaky]") {
  InBubble([] {
    auto server = fake::NewClientset(Cm("x"));
    RestHandler rest(server);
    server->MutableFaults() = FlakyFaults({.error_percent = 20});
    int failed = 0;
    for (int i = 0; i < 500; ++i) {
      auto out = Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps/x"));
      if (out.status != 200) {
        InjectedReason(out);
        ++failed;
      }
    }
    CHECK(failed > 60);  // about 100: one draw per request, not one per call the handler makes
    CHECK(failed < 140);
    server->MutableFaults() = FlakyFaults({});
    for (int i = 0; i < 50; ++i) {
      CHECK(Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps/x")).status == 200);
    }
  });
}

TEST_CASE("flaky server: latency delays each API request both ways, not discovery or a stream",
          "[apiserver][flaky]") {
  InBubble([] {
    auto server = fake::NewClientset(Cm("x"));
    RestHandler rest(server);
    server->MutableFaults() = FlakyFaults({.latency_min = 1s, .latency_max = 1s});
    sim::TimePoint start = sim::Now();
    CHECK(Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps/x")).status == 200);
    CHECK(sim::Now() - start == 2s);
    start = sim::Now();
    CHECK(Call(rest, Req("DELETE", "/api/v1/namespaces/a/configmaps/x")).status == 200);
    CHECK(sim::Now() - start == 2s);  // the handler's own reads wait nothing
    start = sim::Now();
    CHECK(Call(rest, Req("GET", "/api/v1")).status == 200);
    CHECK(sim::Now() == start);

    // A watch waits before its stream starts; a change made meanwhile is still delivered, and
    // the stream then follows changes as they happen.
    sim::Spawn("writer", [&] {
      sim::SleepFor(1500ms);  // during the response's delay
      REQUIRE(server->GetTracker().Create(rt::ConfigMap::StaticResource(), Cm("early"), "a"));
      sim::SleepFor(5s);
      REQUIRE(server->GetTracker().Create(rt::ConfigMap::StaticResource(), Cm("late"), "a"));
    });
    start = sim::Now();
    auto watched = Call(rest, Req("GET",
                                  "/api/v1/namespaces/a/configmaps?watch=1&"
                                  "resourceVersion=" +
                                      std::to_string(server->GetTracker().ResourceVersion(
                                          rt::ConfigMap::StaticResource())) +
                                      "&timeoutSeconds=30"));
    CHECK(sim::Now() - start == 30s);
    REQUIRE(watched.streaming);
    const auto events = watched.Events();
    REQUIRE(events.size() == 2);
    CHECK(events[0]["object"]["metadata"]["name"] == "early");
    CHECK(events[1]["object"]["metadata"]["name"] == "late");

    // MIN..MAX: each way a draw in the range.
    server->MutableFaults() = FlakyFaults({.latency_min = 10ms, .latency_max = 50ms});
    std::set<sim::Duration> took;
    for (int i = 0; i < 20; ++i) {
      start = sim::Now();
      Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps"));
      const sim::Duration d = sim::Now() - start;
      CHECK(d >= 20ms);
      CHECK(d <= 100ms);
      took.insert(d);
    }
    CHECK(took.size() > 1);
  });
}

TEST_CASE("flaky server: every watch stream ends within the lifetime", "[apiserver][flaky]") {
  InBubble([] {
    auto server = fake::NewClientset(Cm("x"));
    RestHandler rest(server);
    server->MutableFaults() = FlakyFaults({.watch_lifetime = 10s});
    std::set<sim::Duration> lived;
    for (int i = 0; i < 20; ++i) {
      const sim::TimePoint start = sim::Now();
      auto out = Call(rest, Req("GET", "/api/v1/configmaps?watch=1&timeoutSeconds=300"));
      const sim::Duration d = sim::Now() - start;
      CHECK(out.streaming);
      CHECK(out.answers == 1);
      CHECK(d > 0s);
      CHECK(d <= 10s);
      lived.insert(d);
      // The replay came before the end: the stream ended, it did not fail.
      REQUIRE(out.Events().size() == 1);
      CHECK(out.Events()[0]["type"] == "ADDED");
    }
    CHECK(lived.size() > 1);
    // Without timeoutSeconds too (the server's own 5-10 minutes are longer).
    const sim::TimePoint start = sim::Now();
    CHECK(Call(rest, Req("GET", "/api/v1/configmaps?watch=1")).streaming);
    CHECK(sim::Now() - start <= 10s);
  });
}

TEST_CASE("flaky server at expire 100%: a watch from an older resourceVersion gets 410",
          "[apiserver][flaky]") {
  InBubble([] {
    auto server = fake::NewClientset(Cm("x"));
    RestHandler rest(server);
    const auto rv = [&] {
      return std::to_string(server->GetTracker().ResourceVersion(rt::ConfigMap::StaticResource()));
    };
    const std::string old_rv = rv();
    REQUIRE(server->GetTracker().Update(rt::ConfigMap::StaticResource(), Cm("x"), "a"));
    const std::string watch_old =
        "/api/v1/configmaps?watch=1&timeoutSeconds=1&resourceVersion=" + old_rv;
    // Without the fault, the history serves it.
    auto served = Call(rest, Req("GET", watch_old));
    REQUIRE(served.Events().size() == 1);
    CHECK(served.Events()[0]["type"] == "MODIFIED");

    server->MutableFaults() = FlakyFaults({.expire_percent = 100});
    const sim::TimePoint start = sim::Now();
    auto expired = Call(rest, Req("GET", watch_old));
    CHECK(sim::Now() == start);  // ended by the error
    CHECK(expired.status == 200);
    REQUIRE(expired.Events().size() == 1);
    CHECK(expired.Events()[0]["type"] == "ERROR");
    CHECK(expired.Events()[0]["object"]["code"] == 410);
    CHECK(expired.Events()[0]["object"]["reason"] == "Expired");
    // A watch from the latest resourceVersion (what a fresh list returns) is served.
    auto current = Call(rest, Req("GET",
                                  "/api/v1/configmaps?watch=1&timeoutSeconds=1&"
                                  "resourceVersion=" +
                                      rv()));
    CHECK(current.streaming);
    CHECK(current.Events().empty());
  });
}

}  // namespace
}  // namespace bubble::apiserver::testing
