// apiserver/test/rest_handler_test.cc
//
// The REST handler in a simulated bubble, with an in-memory responder: routes, verbs, paging,
// watches, Table output and errors, as kubectl sends them.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <bubble/apiserver/live_server.h>
#include <bubble/apiserver/rest_handler.h>
#include <bubble/fake/clientset.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/pod.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>
#include <bubble/testing/testing.h>

#include "recording_responder.h"
#include "responses.h"

namespace bubble::apiserver::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace rt = bubble::runtime;

// kubectl 1.20's Accept header for `kubectl get`.
constexpr std::string_view kKubectlGetAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta."
    "k8s.io,application/json";

rt::ConfigMap Cm(std::string ns, std::string name, std::map<std::string, std::string> labels = {}) {
  return rt::ConfigMap({.name = std::move(name), .namespace_ = std::move(ns), .labels = labels},
                       {{"k", "v"}});
}

std::string CmJson(std::string_view ns, std::string_view name, std::string_view value = "v") {
  return json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"data", {{"k", value}}}}
      .dump();
}

net::HttpHeaders Json(std::string type = "application/json") {
  return {{"content-type", std::move(type)}};
}

// Runs `body` in a fresh bubble (seed 1) and requires the run to pass.
void InBubble(const std::function<void()>& body) {
  bubble::testing::RunOnce({.seed = 1}, [&](sim::Bubble&) { body(); });
}

// Checks the metav1.Status shape kube-apiserver sends with every error.
void CheckStatus(const RecordingResponder& out, int code, std::string_view reason) {
  INFO(out.body);
  CHECK(out.answers == 1);
  CHECK(out.status == code);
  CHECK(out.content_type == "application/json");
  const json s = out.Json();
  CHECK(s["kind"] == "Status");
  CHECK(s["apiVersion"] == "v1");
  CHECK(s["metadata"] == json::object());
  CHECK(s["status"] == "Failure");
  CHECK(s["code"] == code);
  CHECK(s["reason"] == reason);
  CHECK(s.contains("details"));
  CHECK(s["message"].is_string());
}

std::vector<std::string> Names(const json& list) {
  std::vector<std::string> names;
  for (const json& item : list["items"]) {
    names.push_back(item["metadata"]["name"]);
  }
  return names;
}

TEST_CASE("health checks, unknown paths and discovery routes", "[apiserver][rest]") {
  InBubble([] {
    RestHandler rest(fake::NewClientset());
    auto ok = Call(rest, Req("GET", "/healthz"));
    CHECK(ok.status == 200);
    CHECK(ok.body == "ok");
    CHECK(Call(rest, Req("GET", "/readyz")).body == "ok");
    CHECK(Call(rest, Req("GET", "/livez")).body == "ok");

    auto unknown = Call(rest, Req("GET", "/metrics"));
    CheckStatus(unknown, 404, "NotFound");
    CHECK(unknown.Json()["message"] == "the server could not find the requested resource");
    CheckStatus(Call(rest, Req("GET", "/api/v1/namespaces/a/gadgets")), 404, "NotFound");
    CheckStatus(Call(rest, Req("GET", "/apis/nowhere.io/v1")), 404, "NotFound");
    CheckStatus(Call(rest, Req("GET", "/api/v1/%zz")), 400, "BadRequest");

    CHECK(Call(rest, Req("GET", "/api")).Json()["versions"] == json{"v1"});
    CHECK(Call(rest, Req("GET", "/apis")).Json()["kind"] == "APIGroupList");
    CHECK(Call(rest, Req("GET", "/apis/apps")).Json()["kind"] == "APIGroup");
    CHECK(Call(rest, Req("GET", "/api/v1")).Json()["kind"] == "APIResourceList");
    CHECK(Call(rest, Req("GET", "/version")).Json()["major"] == "1");
    auto openapi =
        Call(rest, Req("GET", "/openapi/v2", {},
                       {{"accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"}}));
    CHECK(openapi.status == 200);
    CHECK(openapi.content_type == "application/octet-stream");
    CheckStatus(Call(rest, Req("POST", "/api")), 405, "MethodNotAllowed");
  });
}

TEST_CASE("get and list: objects carry apiVersion and kind, lists their List kind",
          "[apiserver][rest]") {
  InBubble([] {
    RestHandler rest(fake::NewClientset(Cm("a", "cm1"), Cm("b", "cm2")));
    auto got = Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps/cm1"));
    REQUIRE(got.status == 200);
    CHECK(got.Json()["kind"] == "ConfigMap");
    CHECK(got.Json()["apiVersion"] == "v1");
    CHECK(got.Json()["data"]["k"] == "v");

    auto missing = Call(rest, Req("GET", "/api/v1/namespaces/b/configmaps/cm1"));
    CheckStatus(missing, 404, "NotFound");
    CHECK(missing.Json()["message"] == "configmaps \"cm1\" not found");

    auto all = Call(rest, Req("GET", "/api/v1/configmaps?limit=500"));
    REQUIRE(all.status == 200);
    const json list = all.Json();
    CHECK(list["kind"] == "ConfigMapList");
    CHECK(list["apiVersion"] == "v1");
    CHECK(list["metadata"]["resourceVersion"].is_string());
    CHECK_FALSE(list["metadata"].contains("continue"));
    CHECK(Names(list) == std::vector<std::string>{"cm1", "cm2"});
    CHECK(list["items"][0]["kind"] == "ConfigMap");

    CHECK(Names(Call(rest, Req("GET", "/api/v1/namespaces/b/configmaps")).Json()) ==
          std::vector<std::string>{"cm2"});
    // A namespaced resource named without a namespace is no route.
    CheckStatus(Call(rest, Req("GET", "/api/v1/configmaps/cm1")), 404, "NotFound");
  });
}

TEST_CASE("label and field selectors, percent-encoded as kubectl sends them", "[apiserver][rest]") {
  InBubble([] {
    RestHandler rest(fake::NewClientset(Cm("a", "web", {{"app", "web"}}),
                                        Cm("a", "db", {{"app", "db"}}),
                                        Cm("b", "web2", {{"app", "web"}})));
    auto by_label = Call(rest, Req("GET", "/api/v1/configmaps?labelSelector=app%3Dweb"));
    CHECK(Names(by_label.Json()) == std::vector<std::string>{"web", "web2"});
    auto by_set = Call(rest, Req("GET", "/api/v1/configmaps?labelSelector=app+in+%28db%29"));
    CHECK(Names(by_set.Json()) == std::vector<std::string>{"db"});
    auto by_field =
        Call(rest, Req("GET",
                       "/api/v1/configmaps?fieldSelector=metadata.namespace%3Da%2Cmetadata.name"
                       "%21%3Dweb"));
    CHECK(Names(by_field.Json()) == std::vector<std::string>{"db"});
    CheckStatus(Call(rest, Req("GET", "/api/v1/configmaps?labelSelector=%3D%3D%3D")), 400,
                "BadRequest");
  });
}

TEST_CASE("kubectl describe's event selectors on involvedObject fields", "[apiserver][rest]") {
  InBubble([] {
    RestHandler rest(fake::NewClientset());
    for (const auto& [name, pod, kind] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"e1", "web", "Pod"}, {"e2", "db", "Pod"}, {"e3", "web", "Deployment"}}) {
      json ev = {{"apiVersion", "v1"},
                 {"kind", "Event"},
                 {"metadata", {{"name", name}}},
                 {"involvedObject", {{"kind", kind}, {"name", pod}, {"namespace", "a"}}},
                 {"reason", "Started"},
                 {"type", "Normal"}};
      REQUIRE(Call(rest, Req("POST", "/api/v1/namespaces/a/events", ev.dump(), Json())).status ==
              201);
    }
    auto described =
        Call(rest, Req("GET",
                       "/api/v1/namespaces/a/events?fieldSelector=involvedObject.name%3Dweb%2C"
                       "involvedObject.namespace%3Da%2CinvolvedObject.kind%3DPod&limit=500"));
    INFO(described.body);
    REQUIRE(described.status == 200);
    CHECK(Names(described.Json()) == std::vector<std::string>{"e1"});
    auto not_web =
        Call(rest, Req("GET", "/api/v1/events?fieldSelector=involvedObject.name%21%3Dweb"));
    CHECK(Names(not_web.Json()) == std::vector<std::string>{"e2"});
  });
}

TEST_CASE("paging: pages of one list stay consistent across a write, tokens expire",
          "[apiserver][rest]") {
  InBubble([] {
    auto server = fake::NewClientset(Cm("a", "c1"), Cm("a", "c2"), Cm("a", "c3"), Cm("a", "c4"),
                                     Cm("a", "c5"));
    RestHandler rest(server);
    auto p1 = Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps?limit=2")).Json();
    CHECK(Names(p1) == std::vector<std::string>{"c1", "c2"});
    CHECK(p1["metadata"]["remainingItemCount"] == 3);
    const std::string token = p1["metadata"]["continue"];
    const std::string rv = p1["metadata"]["resourceVersion"];

    // A write between pages: c0 sorts first, c3 is deleted; neither shows in the later pages.
    REQUIRE(Call(rest, Req("POST", "/api/v1/namespaces/a/configmaps", CmJson("a", "c0"), Json()))
                .status == 201);
    REQUIRE(Call(rest, Req("DELETE", "/api/v1/namespaces/a/configmaps/c3")).status == 200);

    auto p2 =
        Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps?limit=2&continue=" + token)).Json();
    CHECK(Names(p2) == std::vector<std::string>{"c3", "c4"});
    CHECK(p2["metadata"]["resourceVersion"] == rv);
    CHECK(p2["metadata"]["remainingItemCount"] == 1);
    auto p3 = Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps?limit=2&continue=" +
                                        std::string(p2["metadata"]["continue"])))
                  .Json();
    CHECK(Names(p3) == std::vector<std::string>{"c5"});
    CHECK_FALSE(p3["metadata"].contains("continue"));
    CHECK_FALSE(p3["metadata"].contains("remainingItemCount"));

    // A fresh list sees the write.
    CHECK(Names(Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps")).Json()) ==
          std::vector<std::string>{"c0", "c1", "c2", "c4", "c5"});

    auto unknown = Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps?limit=2&continue=99.2"));
    CheckStatus(unknown, 410, "Expired");
    CHECK(unknown.Json()["message"].get<std::string>().starts_with(
        "The provided continue parameter is too old"));

    // A pager's continued pages send no resourceVersion, whatever the first page asked (a
    // reflector starts from "0"); one other than "0" with a token is refused, as kube-apiserver's
    // storage does.
    auto z1 =
        Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps?resourceVersion=0&limit=3")).Json();
    CHECK(Names(z1) == std::vector<std::string>{"c0", "c1", "c2"});
    const std::string zt = z1["metadata"]["continue"];
    auto z2 =
        Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps?limit=3&continue=" + zt)).Json();
    CHECK(Names(z2) == std::vector<std::string>{"c4", "c5"});
    auto y1 = Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps?limit=1")).Json();
    const std::string yt = y1["metadata"]["continue"];
    const std::string y_rv = y1["metadata"]["resourceVersion"];
    auto pinned =
        Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps?limit=1&resourceVersion=" + y_rv +
                                  "&continue=" + yt));
    CheckStatus(pinned, 400, "BadRequest");
    CHECK(pinned.Json()["message"] ==
          "specifying resource version is not allowed when using continue");
    CHECK(Names(Call(rest, Req("GET",
                               "/api/v1/namespaces/a/configmaps?limit=1&resourceVersion=0"
                               "&continue=" +
                                   yt))
                    .Json()) == std::vector<std::string>{"c1"});

    auto q1 = Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps?limit=1")).Json();
    const std::string t1 = q1["metadata"]["continue"];
    CheckStatus(Call(rest, Req("GET", "/api/v1/namespaces/b/configmaps?limit=1&continue=" + t1)),
                400, "BadRequest");
    sim::SleepFor(6min);  // past the token's lifetime
    CheckStatus(Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps?limit=1&continue=" + t1)),
                410, "Expired");
  });
}

TEST_CASE("watch: a chunked stream of events made by another fiber, ended by its timeout",
          "[apiserver][rest]") {
  InBubble([] {
    auto server = fake::NewClientset(Cm("a", "old"));
    RestHandler rest(server);
    const std::string rv = Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps"))
                               .Json()["metadata"]["resourceVersion"];
    sim::Spawn("writer", [&] {
      sim::SleepFor(5s);
      auto cms = server->ConfigMaps("a");
      REQUIRE(cms.Create(Cm("a", "new")));
      REQUIRE(cms.Delete("old"));
    });
    const sim::TimePoint start = sim::Now();
    auto out =
        Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps?watch=true&resourceVersion=" + rv +
                                  "&timeoutSeconds=30"));
    CHECK(sim::Now() - start == 30s);
    CHECK(out.status == 200);
    CHECK(out.streaming);
    CHECK(out.content_type == "application/json");
    const auto events = out.Events();
    REQUIRE(events.size() == 2);
    CHECK(events[0]["type"] == "ADDED");
    CHECK(events[0]["object"]["metadata"]["name"] == "new");
    CHECK(events[0]["object"]["kind"] == "ConfigMap");
    CHECK(events[1]["type"] == "DELETED");
    CHECK(events[1]["object"]["metadata"]["name"] == "old");
    CHECK(out.chunks[0].ends_with("}\n"));
  });
}

TEST_CASE("watch: the legacy /watch/ prefix, a client that leaves, bookmarks, default timeout",
          "[apiserver][rest]") {
  InBubble([] {
    auto server = fake::NewClientset(Cm("a", "x"), Cm("a", "y"));
    RestHandler rest(server);
    // The legacy path watches one object by name, replaying it from resourceVersion 0.
    auto one = Call(rest, Req("GET",
                              "/api/v1/watch/namespaces/a/configmaps/y?resourceVersion=0&"
                              "timeoutSeconds=1"));
    REQUIRE(one.Events().size() == 1);
    CHECK(one.Events()[0]["object"]["metadata"]["name"] == "y");

    // A client that leaves after 10s ends the stream then.
    RecordingResponder leaving;
    sim::Spawn("client", [&] {
      sim::SleepFor(10s);
      leaving.Leave();
    });
    sim::TimePoint start = sim::Now();
    rest.Serve(Req("GET", "/api/v1/configmaps?watch=1"), leaving);
    CHECK(sim::Now() - start == 10s);
    CHECK(leaving.streaming);

    // Bookmarks: the server's own after the replay, then one every minute of an idle stream,
    // with the current resourceVersion.
    auto marked = Call(rest, Req("GET",
                                 "/api/v1/namespaces/a/configmaps?watch=1&"
                                 "allowWatchBookmarks=true&timeoutSeconds=150&"
                                 "resourceVersion=" +
                                     std::to_string(server->GetTracker().ResourceVersion(
                                         rt::ConfigMap::StaticResource()))));
    const auto bookmarks = marked.Events();
    REQUIRE(bookmarks.size() == 3);
    CHECK(bookmarks[0]["type"] == "BOOKMARK");
    CHECK(bookmarks[2]["type"] == "BOOKMARK");
    CHECK(bookmarks[0]["object"]["kind"] == "ConfigMap");
    CHECK(bookmarks[2]["object"]["metadata"]["resourceVersion"] ==
          std::to_string(server->GetTracker().ResourceVersion(rt::ConfigMap::StaticResource())));

    // Without timeoutSeconds: a draw in [5 min, 10 min).
    start = sim::Now();
    Call(rest, Req("GET", "/api/v1/configmaps?watch=true&resourceVersion=1000"));
    CHECK(sim::Now() - start >= 5min);
    CHECK(sim::Now() - start < 10min);
  });
}

TEST_CASE("watch: a compacted resourceVersion is an ERROR event with 410, then the end",
          "[apiserver][rest]") {
  InBubble([] {
    auto server = fake::NewClientset(Cm("a", "x"));
    RestHandler rest(server);
    REQUIRE(
        Call(rest, Req("PUT", "/api/v1/namespaces/a/configmaps/x", CmJson("a", "x", "2"), Json()))
            .status == 200);
    server->GetTracker().Compact(rt::ConfigMap::StaticResource());
    const sim::TimePoint start = sim::Now();
    auto out = Call(rest, Req("GET",
                              "/api/v1/configmaps?watch=1&resourceVersion=1&"
                              "timeoutSeconds=60"));
    CHECK(sim::Now() == start);  // ended by the error, not the timeout
    const auto events = out.Events();
    REQUIRE(events.size() == 1);
    CHECK(events[0]["type"] == "ERROR");
    CHECK(events[0]["object"]["kind"] == "Status");
    CHECK(events[0]["object"]["code"] == 410);
    CHECK(events[0]["object"]["reason"] == "Expired");
    // A resourceVersion that is no integer is refused before the stream starts.
    CheckStatus(Call(rest, Req("GET", "/api/v1/configmaps?watch=1&resourceVersion=abc")), 400,
                "BadRequest");
  });
}

// A 422 Invalid Status saying `message`.
void CheckInvalid(const RecordingResponder& out, std::string_view message) {
  CheckStatus(out, 422, "Invalid");
  CHECK(out.Json()["message"] == message);
}

// The annotations of a watch event's object ({} when it has none).
json Annotations(const json& event) {
  return event["object"]["metadata"].value("annotations", json::object());
}

TEST_CASE(
    "watch-list: sendInitialEvents streams every object, then the initial-events-end "
    "bookmark",
    "[apiserver][rest][watch-list]") {
  InBubble([] {
    auto server = fake::NewClientset(Cm("a", "x"), Cm("a", "y"), Cm("b", "z"));
    RestHandler rest(server);
    const std::string rv =
        std::to_string(server->GetTracker().ResourceVersion(rt::ConfigMap::StaticResource()));
    const std::string stream =
        "/api/v1/namespaces/a/configmaps?watch=1&timeoutSeconds=1&sendInitialEvents=true&"
        "resourceVersionMatch=NotOlderThan";

    // What client-go's reflector sends: the objects as ADDED, then the end bookmark at the
    // version they were read at.
    auto out = Call(rest, Req("GET", stream + "&allowWatchBookmarks=true"));
    REQUIRE(out.status == 200);
    auto events = out.Events();
    REQUIRE(events.size() == 3);
    CHECK(events[0]["type"] == "ADDED");
    CHECK(events[0]["object"]["metadata"]["name"] == "x");
    CHECK(events[1]["object"]["metadata"]["name"] == "y");
    CHECK(events[2]["type"] == "BOOKMARK");
    CHECK(Annotations(events[2]) == json{{"k8s.io/initial-events-end", "true"}});
    CHECK(events[2]["object"]["metadata"]["resourceVersion"] == rv);
    CHECK(server->Actions().back().list_options.send_initial_events == std::optional<bool>(true));

    // Without bookmarks: the objects, and no end bookmark (kube-apiserver does not refuse it).
    events = Call(rest, Req("GET", stream)).Events();
    REQUIRE(events.size() == 2);
    CHECK(events[1]["type"] == "ADDED");

    // A plain watch with bookmarks from `from` ("" or "&resourceVersion=N").
    const auto plain_watch = [&](const std::string& from) {
      return Call(rest, Req("GET",
                            "/api/v1/namespaces/a/configmaps?watch=1&timeoutSeconds=1&"
                            "allowWatchBookmarks=true" +
                                from))
          .Events();
    };
    // kube-apiserver defaults a watch from "" or "0" naming neither option to a streaming list:
    // the same objects, and the end bookmark when bookmarks are allowed.
    for (const char* from : {"", "&resourceVersion=0"}) {
      events = plain_watch(from);
      REQUIRE(events.size() == 3);
      CHECK(events[2]["type"] == "BOOKMARK");
      CHECK(Annotations(events[2]) == json{{"k8s.io/initial-events-end", "true"}});
      CHECK(server->Actions().back().list_options.resource_version_match == "NotOlderThan");
    }
    // A watch from a version replays the changes after it: no initial events, no end marker.
    events = plain_watch("&resourceVersion=" + rv);
    REQUIRE(events.size() == 1);
    CHECK(events[0]["type"] == "BOOKMARK");
    CHECK(Annotations(events[0]) == json::object());
  });
}

TEST_CASE("watch-list: list options kube-apiserver refuses are 422 Invalid naming the rule",
          "[apiserver][rest][watch-list]") {
  InBubble([] {
    auto server = fake::NewClientset(Cm("a", "x"));
    RestHandler rest(server);
    // The configmaps actions (the handler's own reads of stored CRDs are actions too).
    const auto configmap_actions = [&] {
      const std::vector<fake::Action> actions = server->Actions();
      return std::count_if(actions.begin(), actions.end(), [](const fake::Action& a) {
        return a.resource.resource == "configmaps";
      });
    };
    // The whole message for one case; a cause per broken rule.
    auto refused = Call(rest, Req("GET",
                                  "/api/v1/configmaps?watch=1&sendInitialEvents=true&"
                                  "allowWatchBookmarks=true"));
    CheckInvalid(refused,
                 "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: "
                 "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
    CHECK(refused.Json()["details"]["kind"] == "ListOptions");
    CHECK(refused.Json()["details"]["group"] == "meta.k8s.io");
    CHECK(refused.Json()["details"]["causes"] ==
          json::array({{{"reason", "FieldValueForbidden"},
                        {"message",
                         "Forbidden: sendInitialEvents requires setting resourceVersionMatch to "
                         "NotOlderThan"},
                        {"field", "resourceVersionMatch"}}}));

    struct Case {
      std::string query;
      std::vector<std::string> messages;  // one per cause
    };
    const std::vector<Case> cases = {
        {"watch=1&sendInitialEvents=true&resourceVersionMatch=Exact",
         {"Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
          "Unsupported value: \"Exact\": supported values: \"NotOlderThan\""}},
        {"watch=1&sendInitialEvents=false",
         {"Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"}},
        {"watch=1&resourceVersion=5&resourceVersionMatch=NotOlderThan",
         {"Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is "
          "provided"}},
        {"sendInitialEvents=true", {"Forbidden: sendInitialEvents is forbidden for list"}},
        {"resourceVersionMatch=NotOlderThan",
         {"Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"}},
        {"resourceVersion=0&resourceVersionMatch=Exact",
         {"Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""}},
        {"resourceVersion=1&resourceVersionMatch=Newest",
         {"Unsupported value: \"Newest\": supported values: \"Exact\", \"NotOlderThan\", \"\""}},
    };
    for (const Case& c : cases) {
      INFO(c.query);
      auto out = Call(rest, Req("GET", "/api/v1/configmaps?" + c.query));
      CheckStatus(out, 422, "Invalid");
      const json body = out.Json();
      std::vector<std::string> messages;
      for (const json& cause : body["details"]["causes"]) {
        messages.push_back(cause["message"]);
      }
      CHECK(messages == c.messages);
    }
    // deletecollection checks its list options as a list does.
    CheckStatus(Call(rest, Req("DELETE", "/api/v1/namespaces/a/configmaps?sendInitialEvents=true")),
                422, "Invalid");
    // Refused before the store is asked: nothing recorded, nothing deleted.
    CHECK(configmap_actions() == 0);
    CHECK(Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps/x")).status == 200);
    // What the rules allow.
    CHECK(Call(rest, Req("GET",
                         "/api/v1/configmaps?resourceVersion=0&"
                         "resourceVersionMatch=NotOlderThan"))
              .status == 200);
  });
}

TEST_CASE(
    "watch-list: a server whose watch-list switch is off refuses sendInitialEvents, as "
    "kube-apiserver with the WatchList gate off",
    "[apiserver][rest][watch-list]") {
  InBubble([] {
    fake::Options options;
    options.fidelity.watch_list = false;
    auto server = fake::NewClientset(options, Cm("a", "x"));
    RestHandler rest(server);
    CHECK(LiveServerOptions().fidelity.watch_list);  // `bubble apiserver` serves it
    auto refused = Call(rest, Req("GET",
                                  "/api/v1/configmaps?watch=1&sendInitialEvents=true&"
                                  "resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"));
    CheckInvalid(refused,
                 "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: "
                 "sendInitialEvents is forbidden for watch unless the WatchList feature gate is "
                 "enabled (bubble: this server's watch-list fidelity switch is off)");
    // A plain watch is not defaulted to a streaming list: its bookmark marks nothing.
    auto events =
        Call(rest, Req("GET", "/api/v1/configmaps?watch=1&timeoutSeconds=1&allowWatchBookmarks=1"))
            .Events();
    REQUIRE(events.size() == 2);
    CHECK(events[0]["type"] == "ADDED");
    CHECK(events[1]["type"] == "BOOKMARK");
    CHECK(Annotations(events[1]) == json::object());
  });
}

TEST_CASE("Table output for kubectl get, and for kubectl get -w", "[apiserver][rest]") {
  InBubble([] {
    auto server = fake::NewClientset(Cm("a", "x"));
    RestHandler rest(server);
    const net::HttpHeaders accept = {{"accept", std::string(kKubectlGetAccept)}};
    auto table = Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps?limit=500", {}, accept));
    REQUIRE(table.status == 200);
    CHECK(table.Json()["kind"] == "Table");
    CHECK(table.Json()["apiVersion"] == "meta.k8s.io/v1");
    CHECK(table.Json()["rows"].size() == 1);
    CHECK(table.Json()["metadata"]["resourceVersion"].is_string());

    auto one = Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps/x?includeObject=Object", {},
                              {{"accept", "application/json;as=Table;v=v1beta1;g=meta.k8s.io"}}));
    CHECK(one.Json()["apiVersion"] == "meta.k8s.io/v1beta1");
    CHECK(one.Json()["rows"][0]["object"]["kind"] == "ConfigMap");
    CheckStatus(
        Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps/x?includeObject=All", {}, accept)),
        400, "BadRequest");

    sim::Spawn("writer", [&] {
      sim::SleepFor(1s);
      REQUIRE(server->ConfigMaps("a").Create(Cm("a", "y")));
    });
    auto watch = Call(rest, Req("GET",
                                "/api/v1/namespaces/a/configmaps?watch=1&resourceVersion=" +
                                    std::string(table.Json()["metadata"]["resourceVersion"]) +
                                    "&timeoutSeconds=5",
                                {}, accept));
    const auto events = watch.Events();
    REQUIRE(events.size() == 1);
    CHECK(events[0]["type"] == "ADDED");
    CHECK(events[0]["object"]["kind"] == "Table");
    CHECK(events[0]["object"]["rows"][0]["cells"][0] == "y");

    CheckStatus(Call(rest, Req("GET", "/api/v1/configmaps", {},
                               {{"accept", "application/vnd.kubernetes.protobuf"}})),
                406, "NotAcceptable");
    CHECK(Call(rest, Req("GET", "/api/v1/configmaps", {},
                         {{"accept", "application/vnd.kubernetes.protobuf,application/json"}}))
              .Json()["kind"] == "ConfigMapList");
  });
}

TEST_CASE("a Status with a retry delay carries it in a Retry-After header too",
          "[apiserver][rest]") {
  InBubble([] {
    RecordingResponder throttled;
    detail::RespondStatus(throttled, rt::NewTooManyRequests("slow down", 3));
    CHECK(throttled.status == 429);
    CHECK(throttled.headers == net::HttpHeaders{{"Retry-After", "3"}});
    CHECK(throttled.Json()["details"]["retryAfterSeconds"] == 3);
    RecordingResponder conflict;
    detail::RespondStatus(conflict, rt::NewStaleConflict({"", "configmaps"}, "x"));
    CHECK(conflict.status == 409);
    CHECK(conflict.headers.empty());
  });
}

TEST_CASE("a frozen state's Table ages count to the instant it shows", "[apiserver][rest]") {
  InBubble([] {
    auto server = fake::NewClientset(Cm("a", "x"));  // created at the epoch
    const net::HttpHeaders accept = {{"accept", std::string(kKubectlGetAccept)}};
    sim::SleepFor(10min);
    RestHandler live(server);
    RestHandler frozen(server, {.read_only = true, .shown_at = sim::Clock::Epoch() + 90s});
    const auto age = [&](RestHandler& rest) {
      auto table = Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps", {}, accept));
      return table.Json()["rows"][0]["cells"][2].get<std::string>();
    };
    CHECK(age(live) == "10m");
    CHECK(age(frozen) == "90s");
  });
}

TEST_CASE("create and update: status codes, namespace and name checks, bad bodies",
          "[apiserver][rest]") {
  InBubble([] {
    RestHandler rest(fake::NewClientset());
    auto created =
        Call(rest, Req("POST", "/api/v1/namespaces/a/configmaps", CmJson("a", "x"), Json()));
    REQUIRE(created.status == 201);
    CHECK(created.Json()["metadata"]["uid"].is_string());
    const std::string rv = created.Json()["metadata"]["resourceVersion"];

    // The namespace comes from the URL when the body has none.
    json no_ns = json::parse(CmJson("a", "y"));
    no_ns["metadata"].erase("namespace");
    CHECK(Call(rest, Req("POST", "/api/v1/namespaces/a/configmaps", no_ns.dump(), Json()))
              .Json()["metadata"]["namespace"] == "a");

    auto other_ns =
        Call(rest, Req("POST", "/api/v1/namespaces/a/configmaps", CmJson("b", "z"), Json()));
    CheckStatus(other_ns, 400, "BadRequest");
    CHECK(other_ns.Json()["message"] ==
          "the namespace of the provided object does not match the namespace sent on the request");
    CheckStatus(Call(rest, Req("POST", "/api/v1/namespaces/a/configmaps", "{\"kind\":", Json())),
                400, "BadRequest");
    for (const std::string& bad : {
             std::string("{}"),
             std::string("[1]"),
             std::string(R"({"apiVersion":1,"kind":"ConfigMap"})"),
             std::string(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}})"),
             std::string(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":"x"})"),
             std::string(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":5}})"),
             std::string(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"},)"
                         R"("data":[1]})"),
         }) {
      INFO(bad);
      CheckStatus(Call(rest, Req("POST", "/api/v1/namespaces/a/configmaps", bad, Json())), 400,
                  "BadRequest");
    }
    CheckStatus(Call(rest, Req("POST", "/api/v1/namespaces/a/configmaps", CmJson("a", "q"),
                               Json("application/yaml"))),
                415, "UnsupportedMediaType");
    CheckStatus(
        Call(rest, Req("POST", "/api/v1/namespaces/a/configmaps", CmJson("a", "x"), Json())), 409,
        "AlreadyExists");
    CheckStatus(
        Call(rest, Req("POST", "/api/v1/namespaces/a/configmaps/x", CmJson("a", "x"), Json())), 405,
        "MethodNotAllowed");
    CheckStatus(Call(rest, Req("POST", "/api/v1/namespaces/a/configmaps?dryRun=All",
                               CmJson("a", "d"), Json())),
                400, "BadRequest");
    RestHandler small(fake::NewClientset(), {.max_body_bytes = 16});
    CheckStatus(
        Call(small, Req("POST", "/api/v1/namespaces/a/configmaps", CmJson("a", "x"), Json())), 413,
        "RequestEntityTooLarge");

    json next = json::parse(CmJson("a", "x", "2"));
    next["metadata"]["resourceVersion"] = rv;
    auto updated = Call(rest, Req("PUT", "/api/v1/namespaces/a/configmaps/x", next.dump(), Json()));
    REQUIRE(updated.status == 200);
    CHECK(updated.Json()["data"]["k"] == "2");
    // The same resourceVersion again is stale now.
    CheckStatus(Call(rest, Req("PUT", "/api/v1/namespaces/a/configmaps/x", next.dump(), Json())),
                409, "Conflict");
    CheckStatus(
        Call(rest, Req("PUT", "/api/v1/namespaces/a/configmaps/y", CmJson("a", "x"), Json())), 400,
        "BadRequest");
  });
}

TEST_CASE("patch: merge, strategic merge (kubectl apply's), JSON patch, no server-side apply",
          "[apiserver][rest]") {
  InBubble([] {
    RestHandler rest(fake::NewClientset(Cm("a", "x")));
    const std::string path = "/api/v1/namespaces/a/configmaps/x";
    auto merged = Call(
        rest, Req("PATCH", path, R"({"data":{"m":"1"}})", Json("application/merge-patch+json")));
    REQUIRE(merged.status == 200);
    CHECK(merged.Json()["data"] == json{{"k", "v"}, {"m", "1"}});

    auto strategic = Call(
        rest, Req("PATCH", path,
                  R"({"$setElementOrder/x":[{"name":"a"}],"metadata":{"annotations":{"s":"2"}}})",
                  Json("application/strategic-merge-patch+json")));
    REQUIRE(strategic.status == 200);
    CHECK(strategic.Json()["metadata"]["annotations"]["s"] == "2");
    CHECK_FALSE(strategic.Json().contains("$setElementOrder/x"));

    auto patched = Call(rest, Req("PATCH", path, R"([{"op":"remove","path":"/data/k"}])",
                                  Json("application/json-patch+json")));
    REQUIRE(patched.status == 200);
    CHECK(patched.Json()["data"] == json{{"m", "1"}});

    auto apply = Call(rest, Req("PATCH", path, "data: {}", Json("application/apply-patch+yaml")));
    CheckStatus(apply, 415, "UnsupportedMediaType");
    CHECK(apply.Json()["message"].get<std::string>().find("server-side apply") !=
          std::string::npos);
    CheckStatus(Call(rest, Req("PATCH", path, "{}", Json("text/plain"))), 415,
                "UnsupportedMediaType");
    CheckStatus(Call(rest, Req("PATCH", "/api/v1/namespaces/a/configmaps/none", "{}",
                               Json("application/merge-patch+json"))),
                404, "NotFound");
  });
}

TEST_CASE("kubectl apply's strategic merge patch keeps the fields of a container it names",
          "[apiserver][rest]") {
  InBubble([] {
    rt::Pod pod({.name = "p", .namespace_ = "a"});
    pod.spec.containers = {{.name = "a", .image = "x", .command = {"sh"}, .args = {}},
                           {.name = "b", .image = "y", .command = {}, .args = {}}};
    auto server = fake::NewClientset(pod);
    RestHandler rest(server);
    const std::string path = "/api/v1/namespaces/a/pods/p";
    auto out = Call(rest, Req("PATCH", path,
                              R"({"spec":{"$setElementOrder/containers":[{"name":"b"},)"
                              R"({"name":"a"}],"containers":[{"image":"x2","name":"a"}]}})",
                              Json("application/strategic-merge-patch+json")));
    INFO(out.body);
    REQUIRE(out.status == 200);
    CHECK(out.Json()["spec"]["containers"] ==
          json::parse(R"([{"name":"b","image":"y"},{"name":"a","image":"x2","command":["sh"]}])"));
    // A write between the handler's read and its patch: the patch is computed again from the
    // new state, so neither write is lost.
    int patches = 0;
    server->PrependReactor("patch", "pods", [&](fake::Action&) {
      if (++patches == 1) {
        auto now = server->GetTracker().Get(rt::Pod::StaticResource(), "a", "p");
        REQUIRE(now);
        auto changed = (*now)->Clone();
        changed->metadata.labels["by"] = "other";
        REQUIRE(server->GetTracker().Update(rt::Pod::StaticResource(), *changed, "a"));
      }
      return fake::Reaction::Unhandled();
    });
    auto raced = Call(rest, Req("PATCH", path, R"({"metadata":{"labels":{"by-kubectl":"yes"}}})",
                                Json("application/strategic-merge-patch+json")));
    INFO(raced.body);
    REQUIRE(raced.status == 200);
    CHECK(patches == 2);
    CHECK(raced.Json()["metadata"]["labels"] == json{{"by", "other"}, {"by-kubectl", "yes"}});
    // A patch pinned to a stale resourceVersion is a conflict, not retried.
    CheckStatus(Call(rest, Req("PATCH", path, R"({"metadata":{"resourceVersion":"1"}})",
                               Json("application/strategic-merge-patch+json"))),
                409, "Conflict");
  });
}

TEST_CASE("delete: the last state, preconditions, finalizers, deletecollection",
          "[apiserver][rest]") {
  InBubble([] {
    rt::ConfigMap held = Cm("a", "held");
    held.metadata.finalizers = {"example.com/keep"};
    auto server = fake::NewClientset(Cm("a", "x", {{"app", "web"}}), Cm("a", "y", {{"app", "web"}}),
                                     Cm("a", "z"), held);
    RestHandler rest(server);

    auto wrong_uid =
        Call(rest, Req("DELETE", "/api/v1/namespaces/a/configmaps/x",
                       R"({"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"no"}})",
                       Json()));
    CheckStatus(wrong_uid, 409, "Conflict");
    CheckStatus(Call(rest, Req("DELETE", "/api/v1/namespaces/a/configmaps/x",
                               R"({"preconditions":{"resourceVersion":"999"}})", Json())),
                409, "Conflict");

    auto deleted = Call(rest, Req("DELETE", "/api/v1/namespaces/a/configmaps/x",
                                  R"({"kind":"DeleteOptions","apiVersion":"v1",)"
                                  R"("propagationPolicy":"Background"})",
                                  Json()));
    REQUIRE(deleted.status == 200);
    CHECK(deleted.Json()["metadata"]["name"] == "x");
    CheckStatus(Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps/x")), 404, "NotFound");
    CheckStatus(Call(rest, Req("DELETE", "/api/v1/namespaces/a/configmaps/x")), 404, "NotFound");

    auto kept = Call(rest, Req("DELETE", "/api/v1/namespaces/a/configmaps/held"));
    REQUIRE(kept.status == 200);
    CHECK(kept.Json()["metadata"]["deletionTimestamp"].is_string());

    auto collection =
        Call(rest, Req("DELETE", "/api/v1/namespaces/a/configmaps?labelSelector=app%3Dweb"));
    REQUIRE(collection.status == 200);
    CHECK(Names(collection.Json()) == std::vector<std::string>{"y"});
    CHECK(Names(Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps")).Json()) ==
          std::vector<std::string>{"held", "z"});
  });
}

TEST_CASE("the status subresource, other subresources are not served", "[apiserver][rest]") {
  InBubble([] {
    RestHandler rest(fake::NewClientset(rt::Pod({.name = "p", .namespace_ = "a"})));
    const std::string status_path = "/api/v1/namespaces/a/pods/p/status";
    auto patched = Call(rest, Req("PATCH", status_path, R"({"status":{"phase":"Running"}})",
                                  Json("application/merge-patch+json")));
    REQUIRE(patched.status == 200);
    CHECK(patched.Json()["status"]["phase"] == "Running");
    CHECK(Call(rest, Req("GET", status_path)).Json()["status"]["phase"] == "Running");
    // A status patch through the main resource leaves .status alone.
    auto main = Call(rest, Req("PATCH", "/api/v1/namespaces/a/pods/p",
                               R"({"status":{"phase":"Failed"},"spec":{"nodeName":"n1"}})",
                               Json("application/merge-patch+json")));
    CHECK(main.Json()["status"]["phase"] == "Running");
    json pod = Call(rest, Req("GET", status_path)).Json();
    pod["status"]["phase"] = "Succeeded";
    CHECK(Call(rest, Req("PUT", status_path, pod.dump(), Json())).Json()["status"]["phase"] ==
          "Succeeded");

    auto log = Call(rest, Req("GET", "/api/v1/namespaces/a/pods/p/log"));
    CheckStatus(log, 404, "NotFound");
    CHECK(log.Json()["message"].get<std::string>().find("\"log\"") != std::string::npos);
    CheckStatus(Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps/x/status")), 404,
                "NotFound");
    CheckStatus(Call(rest, Req("PUT", "/api/v1/namespaces/a/pods")), 405, "MethodNotAllowed");
  });
}

TEST_CASE("read-only mode: reads are served, every write is 405 naming the reason",
          "[apiserver][rest]") {
  InBubble([] {
    RestHandler rest(fake::NewClientset(Cm("a", "x")),
                     {.read_only = true, .read_only_reason = "seed 7 ended at 00:05:00"});
    CHECK(Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps/x")).status == 200);
    for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
             {"POST", "/api/v1/namespaces/a/configmaps"},
             {"PUT", "/api/v1/namespaces/a/configmaps/x"},
             {"PATCH", "/api/v1/namespaces/a/configmaps/x"},
             {"DELETE", "/api/v1/namespaces/a/configmaps/x"},
             {"DELETE", "/api/v1/namespaces/a/configmaps"}}) {
      auto out = Call(rest, Req(method, path, CmJson("a", "x"), Json()));
      CheckStatus(out, 405, "MethodNotAllowed");
      const std::string message = out.Json()["message"];
      CHECK(message.find("read-only") != std::string::npos);
      CHECK(message.find("seed 7 ended at 00:05:00") != std::string::npos);
    }
    CHECK(Call(rest, Req("GET", "/api/v1/namespaces/a/configmaps/x")).Json()["data"]["k"] == "v");
  });
}

// The bytes of a session of requests (writes, pages, a watch with another fiber's writes).
std::vector<std::string> Session(std::uint64_t seed) {
  std::vector<std::string> bytes;
  bubble::testing::RunOnce(
      {.seed = seed, .strategy = sim::StrategyKind::kRandom}, [&](sim::Bubble&) {
        auto server = fake::NewClientset();
        RestHandler rest(server);
        for (int i = 0; i < 4; ++i) {
          bytes.push_back(Call(rest, Req("POST", "/api/v1/namespaces/a/configmaps",
                                         CmJson("a", fmt::format("c{}", i)), Json()))
                              .body);
        }
        bytes.push_back(Call(rest, Req("GET", "/api/v1/configmaps?limit=3")).body);
        sim::Spawn("writer", [&] {
          sim::SleepFor(1s);
          (void)server->ConfigMaps("a").Delete("c1");
        });
        auto w = Call(rest, Req("GET", "/api/v1/configmaps?watch=1"));
        bytes.insert(bytes.end(), w.chunks.begin(), w.chunks.end());
      });
  return bytes;
}

TEST_CASE("deterministic: the same seed gives the same bytes", "[apiserver][rest]") {
  const auto a = Session(3);
  CHECK(a == Session(3));
  CHECK(a.size() > 6);
}

}  // namespace
}  // namespace bubble::apiserver::testing
