// The clientset: reactor chain and recorded actions (docs/semantics.md §1.6, §2.2), default
// reactions and their quirks, the typed and dynamic clients.
#include "bubble/fake/clientset.h"

#include <catch2/catch.hpp>

#include <bubble/runtime/lease.h>
#include <bubble/runtime/pod.h>
#include <bubble/runtime/unstructured.h>

#include "test_util.h"

namespace fake = bubble::fake;
using namespace fake::testing;

namespace {

fake::Action CreateAction(const rt::ConfigMap& cm) {
  fake::Action a;
  a.verb = "create";
  a.resource = ConfigMaps();
  a.namespace_ = cm.metadata.namespace_;
  a.name = cm.metadata.name;
  a.object = std::make_shared<const rt::ConfigMap>(cm);
  return a;
}

}  // namespace

// client-go's TestOriginalObjectCaptured.
TEST_CASE("reactors cannot alter the recorded action", "[fake][reactors]") {
  fake::Clientset cs;
  cs.PrependReactor("*", "*", [](fake::Action& a) {
    rt::ConfigMap changed = dynamic_cast<const rt::ConfigMap&>(*a.object);
    changed.metadata.labels["foo"] = "bar";
    a.object = std::make_shared<const rt::ConfigMap>(changed);
    return fake::Reaction::Handled(a.object);
  });
  const fake::Reaction r = cs.Invokes(CreateAction(Cm("default", "cm")));
  REQUIRE(r.handled);
  CHECK(r.object->metadata.labels.at("foo") == "bar");  // the returned object is mutated
  REQUIRE(cs.Actions().size() == 1);
  CHECK(cs.Actions()[0].object->metadata.labels.empty());  // the recorded one is not
}

// client-go's TestReactorChangesPersisted.
TEST_CASE("changes a reactor makes are seen by the next reactor", "[fake][reactors]") {
  fake::Clientset cs;
  bool second_saw = false;
  cs.PrependReactor("*", "*", [&](fake::Action& a) {
    second_saw = a.object->metadata.labels.contains("first");
    return fake::Reaction::Handled(a.object);
  });
  cs.PrependReactor("*", "*", [](fake::Action& a) {  // runs first
    rt::ConfigMap changed = dynamic_cast<const rt::ConfigMap&>(*a.object);
    changed.metadata.labels["first"] = "yes";
    a.object = std::make_shared<const rt::ConfigMap>(changed);
    return fake::Reaction::Unhandled();
  });
  const fake::Reaction r = cs.Invokes(CreateAction(Cm("default", "cm")));
  CHECK(r.handled);
  CHECK(second_saw);
  CHECK(r.object->metadata.labels.contains("first"));
  CHECK(cs.Actions()[0].object->metadata.labels.empty());
}

TEST_CASE("PrependReactor runs first, AddReactor after the default", "[fake][reactors]") {
  RunInBubble([] {
    fake::Clientset cs;
    std::vector<std::string> order;
    cs.AddReactor("get", "*", [&](fake::Action&) {
      order.push_back("added");  // never reached: the default reaction handles get
      return fake::Reaction::Unhandled();
    });
    cs.PrependReactor("get", "*", [&](fake::Action&) {
      order.push_back("prepended-1");
      return fake::Reaction::Unhandled();
    });
    cs.PrependReactor("get", "*", [&](fake::Action&) {
      order.push_back("prepended-2");
      return fake::Reaction::Unhandled();
    });
    cs.PrependReactor("list", "*", [&](fake::Action&) {
      order.push_back("list only");
      return fake::Reaction::Unhandled();
    });
    CHECK(rt::IsNotFound(cs.ConfigMaps("ns").Get("x").error()));
    CHECK(order == std::vector<std::string>{"prepended-2", "prepended-1"});
  });
}

TEST_CASE("a reactor can fail a verb on a resource", "[fake][reactors]") {
  RunInBubble([] {
    auto cs = fake::NewClientset(Cm("ns", "a"));
    cs->PrependReactor("update", "configmaps", [](fake::Action& a) {
      return fake::Reaction::Failed(rt::NewConflict({"", "configmaps"}, a.name, "injected"));
    });
    auto cms = cs->ConfigMaps("ns");
    const auto r = cms.Update(Cm("ns", "a", {{"k", "v"}}));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message == "Operation cannot be fulfilled on configmaps \"a\": injected");
    CHECK(cms.Get("a").has_value());  // other verbs unaffected
  });
}

// client-go's Test_resourceCovers.
TEST_CASE("resource filters cover resources and subresources", "[fake][reactors]") {
  auto action = [](std::string resource, std::string sub) {
    fake::Action a;
    a.resource = {"", "v1", std::move(resource)};
    a.subresource = std::move(sub);
    return a;
  };
  CHECK(fake::ResourceCovers("*", action("pods", "")));
  CHECK(fake::ResourceCovers("*", action("pods", "status")));
  CHECK(fake::ResourceCovers("pods", action("pods", "")));
  CHECK(fake::ResourceCovers("pods", action("pods", "status")));
  CHECK(fake::ResourceCovers("pods/status", action("pods", "status")));
  CHECK_FALSE(fake::ResourceCovers("pods/status", action("pods", "")));
  CHECK_FALSE(fake::ResourceCovers("pods/status", action("pods", "log")));
  CHECK_FALSE(fake::ResourceCovers("services", action("pods", "")));
}

TEST_CASE("list and watch are recorded as actions", "[fake][reactors]") {
  RunInBubble([&] {
    fake::Clientset cs;
    auto cms = cs.ConfigMaps("ns");
    REQUIRE(cms.List().has_value());
    auto w = cms.Watch({.resource_version = "1"});
    REQUIRE(w.has_value());
    const auto actions = cs.Actions();
    REQUIRE(actions.size() == 2);
    CHECK(actions[0].Matches("list", "configmaps"));
    CHECK(actions[1].Matches("watch", "configmaps"));
    CHECK(actions[1].list_options.resource_version == "1");
    CHECK(actions[1].list_options.watch);
    CHECK(fmt::format("{}", actions[1]) == "watch v1/configmaps ns rv=\"1\"");
    cs.ClearActions();
    CHECK(cs.Actions().empty());
  });
}

// The examples/fake-client pattern: a watch reactor that signals when the informer watches.
TEST_CASE("watch reactors can wrap or replace the tracker's watch", "[fake][reactors]") {
  RunInBubble([&] {
    fake::Clientset cs;
    auto hand_fed = std::make_shared<rt::ChannelWatcher>(10, "hand-fed");
    int watches = 0;
    cs.PrependWatchReactor("*", [&](fake::Action&) {
      ++watches;
      return fake::WatchReaction::Unhandled();  // observe, then let the tracker serve it
    });
    cs.PrependWatchReactor("secrets",
                           [&](fake::Action&) { return fake::WatchReaction::Handled(hand_fed); });
    auto cm_watch = cs.ConfigMaps("ns").Watch();
    REQUIRE(cm_watch.has_value());
    CHECK(watches == 1);
    auto secret_watch = cs.Secrets("ns").Watch();
    REQUIRE(secret_watch.has_value());
    CHECK(secret_watch->get() == hand_fed.get());
  });
}

// client-go's TestPatchWithMissingObject.
TEST_CASE("patching a missing object is handled with NotFound", "[fake][reactors]") {
  fake::Tracker t;
  fake::Action a;
  a.verb = "patch";
  a.resource = {"", "v1", "nodes"};
  a.name = "node-1";
  a.patch_type = rt::PatchType::kStrategicMerge;
  a.patch = R"({"metadata":{"labels":{"a":"b"}}})";
  const fake::Reaction r = fake::ObjectReaction(t, a);
  CHECK(r.handled);
  CHECK(r.object == nullptr);
  REQUIRE(r.error.has_value());
  CHECK(r.error->message == "nodes \"node-1\" not found");
}

TEST_CASE("patches apply to the stored object", "[fake][clientset]") {
  RunInBubble([&] {
    auto cs = fake::NewClientset(Cm("ns", "a", {{"keep", "1"}, {"drop", "2"}}));
    auto cms = cs->ConfigMaps("ns");
    auto merged = cms.Patch("a", rt::PatchType::kMerge, R"({"data":{"drop":null,"new":"3"}})");
    REQUIRE(merged.has_value());
    CHECK((*merged)->data == std::map<std::string, std::string>{{"keep", "1"}, {"new", "3"}});
    auto json = cms.Patch("a", rt::PatchType::kJson,
                          R"([{"op":"replace","path":"/data/keep","value":"9"}])");
    REQUIRE(json.has_value());
    CHECK((*json)->data.at("keep") == "9");
    CHECK(rt::IsBadRequest(cms.Patch("a", rt::PatchType::kMerge, "nope").error()));
    CHECK(rt::IsNotFound(cms.Patch("zz", rt::PatchType::kMerge, "{}").error()));
    const auto renamed = cms.Patch("a", rt::PatchType::kMerge, R"({"metadata":{"name":"b"}})");
    REQUIRE_FALSE(renamed.has_value());
    CHECK(renamed.error().message ==
          "the name of the object (b) does not match the name on the URL (a)");
  });
}

TEST_CASE("client-go's quirks under ClientGoFake()", "[fake][clientset][quirks]") {
  RunInBubble([&] {
    // client-go's fake tracker: its quirks are what this test is about.
    auto cs = fake::NewClientset(fake::Options::ClientGoFake(),
                                 rt::Pod({.name = "p", .namespace_ = "ns"}, {.node_name = "n1"}),
                                 Cm("ns", "a"), Cm("ns", "b"));
    // DeleteCollection is a silent no-op.
    CHECK(cs->ConfigMaps("ns").DeleteCollection().has_value());
    CHECK(cs->ConfigMaps("ns").List()->items.size() == 2);
    // UpdateStatus replaces the whole object, spec included.
    rt::Pod next = **cs->Pods("ns").Get("p");
    next.spec.node_name = "n2";
    next.status.phase = "Running";
    auto updated = cs->Pods("ns").UpdateStatus(next);
    REQUIRE(updated.has_value());
    CHECK((*updated)->spec.node_name == "n2");
    CHECK((*updated)->status.phase == "Running");
    const auto actions = cs->Actions();
    REQUIRE(actions.size() == 4);
    CHECK(actions[0].verb == "delete-collection");
    CHECK(actions[3].verb == "update");
    CHECK(actions[3].subresource == "status");
  });
}

TEST_CASE("label selectors filter List on the client side, bad selectors are BadRequest",
          "[fake][clientset][selectors]") {
  rt::ConfigMap web = Cm("ns", "web");
  web.metadata.labels = {{"app", "web"}};
  RunInBubble([&] {
    // client-go's fake tracker: its client-side selector filtering is what this test is about.
    auto cs = fake::NewClientset(fake::Options::ClientGoFake(), web, Cm("ns", "db"));
    auto cms = cs->ConfigMaps("ns");
    auto list = cms.List({.label_selector = "app=web"});
    REQUIRE(list.has_value());
    REQUIRE(list->items.size() == 1);
    CHECK(list->items[0]->metadata.name == "web");
    CHECK(list->metadata.resource_version == "3");
    // Field selectors are parsed but not applied (client-go's typed fake).
    CHECK(cms.List({.field_selector = "metadata.name=web"})->items.size() == 2);
    const auto bad = cms.List({.label_selector = "app in (web"});
    REQUIRE_FALSE(bad.has_value());
    CHECK(rt::IsBadRequest(bad.error()));
    CHECK(rt::IsBadRequest(cms.Watch({.field_selector = "nonsense"}).error()));
    CHECK(cs->Actions().size() == 2);  // calls with bad selectors are not recorded
  });
}

TEST_CASE("typed and dynamic clients see the same objects", "[fake][clientset]") {
  fake::Options opts;
  opts.scheme.RegisterUnstructured({"example.com", "v1", "Widget"});
  RunInBubble([&] {
    auto cs = std::make_shared<fake::Clientset>(opts);
    sim::Context ctx = sim::Context::Background();
    auto dyn = cs->Resource(rt::ConfigMap::StaticResource(), "ns");
    const rt::Unstructured u({"", "v1", "ConfigMap"}, {.name = "u"}, {{"data", {{"k", "v"}}}});
    auto created = dyn->Create(ctx, u, {});
    REQUIRE(created.has_value());
    // Stored in its typed form: the typed client shares it.
    auto typed = cs->ConfigMaps("ns").Get("u");
    REQUIRE(typed.has_value());
    CHECK(typed->get() == created->get());
    CHECK((*typed)->data.at("k") == "v");

    auto widgets = cs->Resource({"example.com", "v1", "widgets"}, "ns");
    const rt::Unstructured w({"example.com", "v1", "Widget"}, {.name = "w1"},
                             {{"spec", {{"size", 3}}}});
    REQUIRE(widgets->Create(ctx, w, {}).has_value());
    auto got = widgets->Get(ctx, "w1", {});
    REQUIRE(got.has_value());
    CHECK(dynamic_cast<const rt::Unstructured&>(**got).content["spec"]["size"] == 3);
    CHECK(widgets->Delete(ctx, "w1", {}).has_value());
    CHECK(rt::IsNotFound(widgets->Get(ctx, "w1", {}).error()));

    auto leases = cs->Leases("kube-system");
    rt::Lease lease({.name = "leader"});
    lease.spec.holder_identity = "me";
    auto l = leases.Create(lease);
    REQUIRE(l.has_value());
    CHECK((*l)->metadata.namespace_ == "kube-system");
    CHECK(leases.Get("nope").error().message == "leases.coordination.k8s.io \"nope\" not found");
  });
}

TEST_CASE("a reactor that calls back into its clientset fails the run", "[fake][reactors]") {
  auto cs = std::make_shared<fake::Clientset>();
  cs->PrependReactor("get", "*", [cs_raw = cs.get()](fake::Action&) {
    (void)cs_raw->ConfigMaps("ns").List();  // re-enters the lock
    return fake::Reaction::Unhandled();
  });
  sim::Bubble b;
  const auto r = b.Run([&] { (void)cs->ConfigMaps("ns").Get("x"); });
  REQUIRE_FALSE(r.Passed());
  CHECK_THAT(r.failure->message, Catch::Matchers::Contains("fake clientset"));
}

TEST_CASE("NewClientset refuses objects it cannot add", "[fake][clientset]") {
  CHECK_THROWS_AS(fake::NewClientset(Cm("ns", "a"), Cm("ns", "a")), bubble::UsageError);
}

TEST_CASE("every request and response is in the trace", "[fake][clientset][trace]") {
  auto cs = fake::NewClientset(Cm("ns", "a"));
  sim::Bubble b({.trace = sim::TraceMode::kFull});
  const auto r = b.Run([&] {
    auto cms = cs->ConfigMaps("ns");
    REQUIRE(cms.Get("a").has_value());
    REQUIRE_FALSE(cms.Get("b").has_value());
    REQUIRE(cms.List().has_value());
  });
  REQUIRE(r.Passed());
  std::vector<std::string> api;
  for (const sim::TraceEvent& e : b.GetTrace().Events()) {
    if (e.kind == sim::EventKind::kSliceBegin || e.kind == sim::EventKind::kSliceEnd) {
      api.push_back(e.detail);
    }
  }
  // The response names the object's resourceVersion: a real server stamps it (stamp-rv).
  CHECK(api == std::vector<std::string>{"api: get v1/configmaps ns/a", "ok ns/a rv=2",
                                        "api: get v1/configmaps ns/b",
                                        "404 NotFound: configmaps \"b\" not found",
                                        "api: list v1/configmaps ns {}", "ok 1 items rv=2"});
}
