#include "bubble/fake/tracker.h"

#include <catch2/catch.hpp>

#include <bubble/runtime/lease.h>
#include <bubble/runtime/secret.h>
#include <bubble/runtime/unstructured.h>

#include "test_util.h"

namespace fake = bubble::fake;
using namespace fake::testing;

// docs/semantics.md §1.2, HEAD column.
TEST_CASE("resource versions follow the HEAD table", "[fake][tracker][rv]") {
  fake::Tracker t(fake::Options::ClientGoFake());  // the table is client-go's fake tracker's
  const rt::GroupVersionResource secrets = rt::Secret::StaticResource();
  auto list_rv = [&](const rt::GroupVersionResource& gvr) {
    auto l = t.List(gvr, "");
    REQUIRE(l.has_value());
    return l->metadata.resource_version;
  };

  CHECK(list_rv(ConfigMaps()) == "1");  // a fresh collection lists at "1", never ""
  REQUIRE(t.Create(ConfigMaps(), Cm("default", "cm1"), "default").has_value());
  CHECK(list_rv(ConfigMaps()) == "2");  // the first object takes "2"
  REQUIRE(t.Update(ConfigMaps(), Cm("default", "cm1", {{"k", "v"}}), "default").has_value());
  CHECK(list_rv(ConfigMaps()) == "3");
  REQUIRE(t.Delete(ConfigMaps(), "default", "cm1").has_value());
  CHECK(list_rv(ConfigMaps()) == "3");  // delete does not bump
  CHECK(list_rv(secrets) == "1");       // another resource has its own counter
  REQUIRE(t.Create(secrets, rt::Secret({.name = "s", .namespace_ = "default"}), "default"));
  CHECK(list_rv(secrets) == "2");
  CHECK(list_rv(ConfigMaps()) == "3");

  // A failed operation never bumps.
  REQUIRE(t.Create(ConfigMaps(), Cm("default", "cm2"), "default"));
  CHECK(t.ResourceVersion(ConfigMaps()) == 4);
  CHECK(rt::IsAlreadyExists(t.Create(ConfigMaps(), Cm("default", "cm2"), "default").error()));
  CHECK(rt::IsNotFound(t.Update(ConfigMaps(), Cm("default", "nope"), "default").error()));
  CHECK(rt::IsNotFound(t.Delete(ConfigMaps(), "default", "nope").error()));
  CHECK(rt::IsAlreadyExists(t.Add(Cm("default", "cm2")).error()));
  CHECK(list_rv(ConfigMaps()) == "4");
}

TEST_CASE("a dynamic tracker with three objects lists at 4", "[fake][tracker][rv]") {
  fake::Tracker t;
  const rt::GroupVersionKind widget{"example.com", "v1", "Widget"};
  for (const char* name : {"a", "b", "c"}) {
    REQUIRE(t.Add(rt::Unstructured(widget, {.name = name, .namespace_ = "ns"})).has_value());
  }
  auto l = t.List({"example.com", "v1", "widgets"}, "ns");
  REQUIRE(l.has_value());
  CHECK(l->metadata.resource_version == "4");
  CHECK(l->items.size() == 3);
}

// client-go's TestGetWithExactMatch.
TEST_CASE("Get matches namespace and name exactly", "[fake][tracker]") {
  fake::Tracker t;
  const rt::GroupVersionKind node_kind{"", "v1", "Node"};
  const rt::GroupVersionResource nodes{"", "v1", "nodes"};
  REQUIRE(t.Add(rt::Unstructured(node_kind, {.name = "node-1"})).has_value());
  REQUIRE(t.Add(Cm("default", "cm")).has_value());

  CHECK(t.Get(nodes, "", "node-1").has_value());
  const auto in_ns = t.Get(nodes, "ns", "node-1");
  REQUIRE_FALSE(in_ns.has_value());
  CHECK(in_ns.error().message == "nodes \"node-1\" not found");
  CHECK(t.Get(ConfigMaps(), "default", "cm").has_value());
  CHECK(rt::IsNotFound(t.Get(ConfigMaps(), "", "cm").error()));
}

TEST_CASE("errors read as apimachinery's", "[fake][tracker]") {
  fake::Tracker t;
  const auto mismatch = t.Create(ConfigMaps(), Cm("other", "cm"), "default");
  REQUIRE_FALSE(mismatch.has_value());
  CHECK(rt::IsBadRequest(mismatch.error()));
  CHECK(mismatch.error().message ==
        "request namespace does not match object namespace, request: \"default\" object: "
        "\"other\"");
  const auto lease = t.Get(rt::Lease::StaticResource(), "ns", "x");
  CHECK(lease.error().message == "leases.coordination.k8s.io \"x\" not found");
  REQUIRE(t.Add(Cm("default", "cm")).has_value());
  CHECK(t.Add(Cm("default", "cm")).error().message == "configmaps \"cm\" already exists");
}

TEST_CASE("objects take the request namespace when they have none", "[fake][tracker]") {
  fake::Tracker t;
  auto stored = t.Create(ConfigMaps(), Cm("", "cm"), "default");
  REQUIRE(stored.has_value());
  CHECK((*stored)->metadata.namespace_ == "default");
}

TEST_CASE("reads share the stored object, writes copy the input", "[fake][tracker]") {
  fake::Tracker t;
  rt::ConfigMap input = Cm("default", "cm", {{"k", "1"}});
  auto created = t.Create(ConfigMaps(), input, "default");
  REQUIRE(created.has_value());
  input.data["k"] = "changed";  // the caller's copy is not the stored one
  auto got = t.Get(ConfigMaps(), "default", "cm");
  REQUIRE(got.has_value());
  CHECK(got->get() == created->get());
  CHECK(dynamic_cast<const rt::ConfigMap&>(**got).data.at("k") == "1");
  auto list = t.List(ConfigMaps(), "");
  REQUIRE(list.has_value());
  CHECK(list->items.front().get() == created->get());
  // The default server stamps the resourceVersion, as a real API server does (§1.9);
  // client-go's fake leaves metadata.resourceVersion as written (§1.1).
  CHECK((*got)->metadata.resource_version == "2");
  fake::Tracker go(fake::Options::ClientGoFake());
  REQUIRE(go.Create(ConfigMaps(), Cm("default", "cm"), "default").has_value());
  CHECK((*go.Get(ConfigMaps(), "default", "cm"))->metadata.resource_version.empty());
}

TEST_CASE("List is scoped by namespace and ordered by (namespace, name)", "[fake][tracker]") {
  fake::Tracker t;
  for (auto [ns, name] : {std::pair{"b", "x"}, {"a", "z"}, {"a", "y"}, {"c", "w"}}) {
    REQUIRE(t.Add(Cm(ns, name)).has_value());
  }
  auto all = t.List(ConfigMaps(), "");
  REQUIRE(all.has_value());
  std::vector<std::string> keys;
  for (const auto& o : all->items) {
    keys.push_back(o->metadata.Key());
  }
  CHECK(keys == std::vector<std::string>{"a/y", "a/z", "b/x", "c/w"});
  auto a = t.List(ConfigMaps(), "a");
  REQUIRE(a.has_value());
  CHECK(a->items.size() == 2);
  CHECK(t.List(ConfigMaps(), "none")->items.empty());
}

TEST_CASE("malformed watch resource versions give the documented error", "[fake][tracker][rv]") {
  fake::Tracker t;
  const auto [rv, why] = GENERATE(table<std::string, std::string>({
      {"abc", "invalid syntax"},
      {"1.5", "invalid syntax"},
      {" 1", "invalid syntax"},
      {"+", "invalid syntax"},
      {"99999999999999999999", "value out of range"},
  }));
  auto w = t.Watch(ConfigMaps(), "", {.resource_version = rv});
  REQUIRE_FALSE(w.has_value());
  CHECK(rt::IsBadRequest(w.error()));
  CHECK(w.error().message == fmt::format("invalid ResourceVersion \"{}\" in ListOptions, must be "
                                         "int64: strconv.ParseInt: parsing \"{}\": {}",
                                         rv, rv, why));
  CHECK(*fake::ParseResourceVersion("-9223372036854775808") == INT64_MIN);
  CHECK(*fake::ParseResourceVersion("+7") == 7);
}

// client-go's TestWatchCallMultipleInvocation.
TEST_CASE("changes fan out to namespace and all-namespace watchers", "[fake][tracker][watch]") {
  RunTwice([] {
    sim::Bubble b;
    return b.Run([] {
      fake::Tracker t;
      const rt::GroupVersionResource widgets{"example.com", "v1", "widgets"};
      const rt::GroupVersionKind kind{"example.com", "v1", "Widget"};
      auto w = [&](std::string_view ns) {
        auto r = t.Watch(widgets, ns, {});
        REQUIRE(r.has_value());
        return *r;
      };
      auto all1 = w("");
      auto ns1 = w("test_namespace");
      auto all2 = w("");
      auto ns2 = w("test_namespace");
      auto make = [&](std::string ns, std::string name, int v) {
        return rt::Unstructured(kind, {.name = std::move(name), .namespace_ = std::move(ns)},
                                {{"v", v}});
      };
      REQUIRE(t.Create(widgets, make("test_namespace", "foo", 1), "test_namespace"));
      REQUIRE(t.Create(widgets, make("test_namespace", "bar", 1), "test_namespace"));
      REQUIRE(t.Create(widgets, make("", "baz", 1), ""));
      REQUIRE(t.Update(widgets, make("test_namespace", "bar", 2), "test_namespace"));
      REQUIRE(t.Update(widgets, make("", "baz", 2), ""));
      REQUIRE(t.Delete(widgets, "test_namespace", "foo"));
      REQUIRE(t.Delete(widgets, "test_namespace", "bar"));
      REQUIRE(t.Delete(widgets, "", "baz"));

      const Events every{"ADDED foo",    "ADDED bar",   "ADDED baz",   "MODIFIED bar",
                         "MODIFIED baz", "DELETED foo", "DELETED bar", "DELETED baz"};
      const Events in_ns{"ADDED foo", "ADDED bar", "MODIFIED bar", "DELETED foo", "DELETED bar"};
      CHECK(Drain(*all1) == every);
      CHECK(Drain(*all2) == every);
      CHECK(Drain(*ns1) == in_ns);
      CHECK(Drain(*ns2) == in_ns);
    });
  });
}

// client-go's TestWatchCallAllNamespace: the events carry the stored objects.
TEST_CASE("watchers of a namespace and of all namespaces see the same objects",
          "[fake][tracker][watch]") {
  RunInBubble([] {
    fake::Tracker t;
    auto in_ns = t.Watch(ConfigMaps(), "test_namespace", {});
    auto all = t.Watch(ConfigMaps(), "", {});
    REQUIRE(in_ns.has_value());
    REQUIRE(all.has_value());
    auto created = t.Create(ConfigMaps(), Cm("test_namespace", "cm"), "test_namespace");
    REQUIRE(created.has_value());
    auto a = (*in_ns)->ResultChan().TryRecv();
    auto b = (*all)->ResultChan().TryRecv();
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(a->object.get() == created->get());  // shared, not copied
    CHECK(b->object.get() == created->get());
  });
}

// client-go's TestWatchAddAfterStop.
TEST_CASE("a stopped watch drops later changes silently", "[fake][tracker][watch]") {
  RunInBubble([] {
    fake::Tracker t;
    auto w = t.Watch(ConfigMaps(), "ns", {});
    REQUIRE(w.has_value());
    (*w)->Stop();
    CHECK((*w)->ResultChan().Closed());
    CHECK(t.Create(ConfigMaps(), Cm("ns", "cm"), "ns").has_value());
    CHECK(t.WatchCount(ConfigMaps()) == 0);
  });
}

TEST_CASE("dropping the last handle of a watch stops it", "[fake][tracker][watch]") {
  RunInBubble([] {
    fake::Tracker t;
    {
      auto w = t.Watch(ConfigMaps(), "", {});
      REQUIRE(w.has_value());
      CHECK(t.WatchCount(ConfigMaps()) == 1);
    }
    CHECK(t.WatchCount(ConfigMaps()) == 0);
    for (int i = 0; i < 200; ++i) {  // nothing to overflow
      REQUIRE(t.Create(ConfigMaps(), Cm("ns", fmt::format("cm{}", i)), "ns").has_value());
    }
  });
}

TEST_CASE("a watch that nobody reads fails the run when its buffer overflows",
          "[fake][tracker][watch]") {
  auto scenario = [] {
    sim::Bubble b;
    return b.Run([] {
      fake::Tracker t;
      auto w = t.Watch(ConfigMaps(), "", {});
      REQUIRE(w.has_value());
      for (int i = 0; i <= 100; ++i) {
        (void)t.Create(ConfigMaps(), Cm("ns", fmt::format("cm{:03}", i)), "ns");
      }
      FAIL("the 101st event should have failed the run");
    });
  };
  const sim::RunResult r = scenario();
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kInvariant);
  CHECK_THAT(r.failure->message,
             Catch::Matchers::Contains("watch w1 v1/configmaps (all namespaces) overflowed: its "
                                       "buffer of 100 events is full when delivering ADDED "
                                       "ns/cm100 rv=102"));
  CHECK_THAT(r.report, Catch::Matchers::Contains("overflowed"));
  CHECK(scenario().fingerprint == r.fingerprint);
}

TEST_CASE("client-go's fake: replaying more than the buffer into a new watch fails the run",
          "[fake][tracker][watch]") {
  sim::Bubble b;
  const sim::RunResult r = b.Run([] {
    fake::Tracker t(fake::Options::ClientGoFake());
    for (int i = 0; i < 101; ++i) {
      REQUIRE(t.Add(Cm("ns", fmt::format("cm{:03}", i))).has_value());
    }
    (void)t.Watch(ConfigMaps(), "", {.resource_version = "0"});
  });
  REQUIRE_FALSE(r.Passed());
  CHECK_THAT(r.failure->message, Catch::Matchers::Contains("overflowed"));
}

TEST_CASE("a realistic server streams a replay of any size, then buffers watch_buffer events",
          "[fake][tracker][watch]") {
  // Before, an informer over more than 100 objects failed its first list-watch on the default
  // server: the replay alone overflowed the buffer (a false alarm on correct code).
  sim::Bubble b;
  std::size_t received = 0;
  const sim::RunResult r = b.Run([&] {
    fake::Tracker t;
    for (int i = 0; i < 1000; ++i) {
      REQUIRE(t.Add(Cm("ns", fmt::format("cm{:04}", i))).has_value());
    }
    auto w = t.Watch(ConfigMaps(), "", {.resource_version = ""});
    REQUIRE(w.has_value());
    for (int i = 0; i < 100; ++i) {  // the consumer may still fall behind by watch_buffer
      REQUIRE(t.Add(Cm("ns", fmt::format("late{:03}", i))).has_value());
    }
    while ((*w)->ResultChan().TryRecv()) {
      ++received;
    }
  });
  INFO(r.report);
  REQUIRE(r.Passed());
  CHECK(received == 1100);
}

TEST_CASE("the buffer size is an option", "[fake][tracker][watch]") {
  RunInBubble([] {
    fake::Options opts;
    opts.watch_buffer = 1000;
    fake::Tracker t(opts);
    for (int i = 0; i < 500; ++i) {
      REQUIRE(t.Add(Cm("ns", fmt::format("cm{:03}", i))).has_value());
    }
    auto w = t.Watch(ConfigMaps(), "", {.resource_version = "0"});
    REQUIRE(w.has_value());
    CHECK((*w)->ResultChan().size() == 500);
  });
}

TEST_CASE("the tracker ends open watches when destroyed", "[fake][tracker][watch]") {
  RunInBubble([] {
    rt::WatchPtr w;
    {
      fake::Tracker t;
      w = *t.Watch(ConfigMaps(), "", {});
    }
    CHECK(w->ResultChan().Closed());
  });
}

TEST_CASE("watch deliveries appear in the trace", "[fake][tracker][trace]") {
  sim::Bubble b({.trace = sim::TraceMode::kFull});
  auto r = b.Run([] {
    fake::Tracker t;
    auto w = t.Watch(ConfigMaps(), "", {});
    REQUIRE(t.Create(ConfigMaps(), Cm("ns", "cm"), "ns").has_value());
  });
  REQUIRE(r.Passed());
  std::vector<std::string> watch_events;
  for (const sim::TraceEvent& e : b.GetTrace().Events()) {
    if (e.kind == sim::EventKind::kInstant && e.detail.starts_with("watch:")) {
      watch_events.push_back(e.detail);
    }
  }
  CHECK(watch_events ==
        std::vector<std::string>{
            "watch: w1 v1/configmaps: opened in all namespaces from rv=\"\" (replay all)",
            "watch: w1 ADDED v1/configmaps ns/cm rv=2"});
}
