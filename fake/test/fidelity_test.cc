// Every fidelity switch: on by default (a real server, docs/semantics.md §1.9), off in the
// client-go preset. Each switch is tested alone, on top of the preset.
#include <catch2/catch.hpp>

#include <bubble/fake/clientset.h>
#include <bubble/fake/tracker.h>
#include <bubble/runtime/pod.h>
#include <bubble/runtime/unstructured.h>
#include <bubble/sim/timer.h>

#include "test_util.h"

namespace fake = bubble::fake;
using namespace fake::testing;
using namespace std::chrono_literals;

namespace {

// client-go's fake plus `switches`, so each test sees what its switch adds and nothing else.
fake::Options With(std::initializer_list<std::string_view> switches) {
  fake::Options opts = fake::Options::ClientGoFake();
  for (const std::string_view s : switches) {
    REQUIRE(opts.fidelity.Enable(s).has_value());
  }
  return opts;
}

const rt::ConfigMap& AsCm(const rt::ObjectPtr& p) {
  return dynamic_cast<const rt::ConfigMap&>(*p);
}

}  // namespace

TEST_CASE("fidelity switches are on by default and have names", "[fake][fidelity]") {
  const fake::Fidelity f;
  CHECK(f.EnabledNames() == fake::Fidelity::All().EnabledNames());
  CHECK(f.EnabledNames().size() == 12);
  CHECK(f.history_limit == 0);  // unbounded
  CHECK(fake::Fidelity::None().EnabledNames().empty());
  CHECK(fake::Options::ClientGoFake().fidelity.EnabledNames().empty());
  CHECK(fake::Options::ClientGoFake().watch_buffer == fake::Options{}.watch_buffer);

  fake::Fidelity g = fake::Fidelity::None();
  REQUIRE(g.Enable("history=50").has_value());
  REQUIRE(g.Enable("conflicts").has_value());
  CHECK(g.EnabledNames() == std::vector<std::string>{"conflicts", "history=50"});
  const auto bad = g.Enable("telepathy");
  REQUIRE_FALSE(bad.has_value());
  CHECK_THAT(bad.error().message,
             Catch::Matchers::StartsWith("unknown fidelity switch \"telepathy\""));
  CHECK_FALSE(g.Enable("no-telepathy").has_value());
  CHECK_FALSE(g.Enable("no-history=5").has_value());
}

TEST_CASE("Enable takes all, none, client-go and no-<switch>, in order", "[fake][fidelity]") {
  fake::Fidelity f;
  REQUIRE(f.Enable("no-watch-list").has_value());
  REQUIRE(f.Enable("no-bookmarks").has_value());
  CHECK_FALSE(f.watch_list);
  CHECK_FALSE(f.bookmarks);
  CHECK(f.EnabledNames().size() == 10);
  REQUIRE(f.Enable("history=7").has_value());
  REQUIRE(f.Enable("none").has_value());
  CHECK(f.EnabledNames() == std::vector<std::string>{"history=7"});  // the limit stays
  REQUIRE(f.Enable("all").has_value());
  CHECK(f.watch_list);
  CHECK(f.EnabledNames().size() == 13);
  REQUIRE(f.Enable("client-go").has_value());
  REQUIRE(f.Enable("conflicts").has_value());
  CHECK(f.EnabledNames() == std::vector<std::string>{"conflicts", "history=7"});
}

TEST_CASE("stamp-rv writes the tracker's resourceVersion into metadata", "[fake][fidelity]") {
  fake::Tracker t(With({"stamp-rv"}));
  auto a = t.Add(Cm("ns", "a"));
  REQUIRE(a.has_value());
  CHECK((*a)->metadata.resource_version == "2");
  auto u = t.Update(ConfigMaps(), Cm("ns", "a", {{"k", "v"}}), "ns");
  REQUIRE(u.has_value());
  CHECK((*u)->metadata.resource_version == "3");
  CHECK(t.List(ConfigMaps(), "")->items.front()->metadata.resource_version == "3");
}

TEST_CASE("conflicts: a stale resourceVersion is 409", "[fake][fidelity]") {
  fake::Tracker t(With({"conflicts"}));
  auto v1 = t.Add(Cm("ns", "a"));
  REQUIRE(v1.has_value());
  CHECK((*v1)->metadata.resource_version == "2");  // implies stamping

  rt::ConfigMap first = AsCm(*v1);
  first.data["writer"] = "one";
  REQUIRE(t.Update(ConfigMaps(), first, "ns").has_value());  // rv 2 is current

  rt::ConfigMap second = AsCm(*v1);  // still rv 2: stale now
  second.data["writer"] = "two";
  const auto stale = t.Update(ConfigMaps(), second, "ns");
  REQUIRE_FALSE(stale.has_value());
  CHECK(rt::IsConflict(stale.error()));
  CHECK(stale.error().message ==
        "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please "
        "apply your changes to the latest version and try again");
  CHECK(t.ResourceVersion(ConfigMaps()) == 3);  // failed: no bump

  rt::ConfigMap unconditional = AsCm(*v1);
  unconditional.metadata.resource_version.clear();
  CHECK(t.Update(ConfigMaps(), unconditional, "ns").has_value());

  rt::DeleteOptions pre;
  pre.preconditions.resource_version = "2";
  const auto del = t.Delete(ConfigMaps(), "ns", "a", pre);
  REQUIRE_FALSE(del.has_value());
  CHECK(del.error().message ==
        "Operation cannot be fulfilled on configmaps \"a\": Precondition failed: ResourceVersion "
        "in precondition: 2, ResourceVersion in object meta: 4");
  pre.preconditions.resource_version = "4";
  CHECK(t.Delete(ConfigMaps(), "ns", "a", pre).has_value());
}

TEST_CASE("without conflicts, stale updates silently win (client-go's fake)", "[fake][fidelity]") {
  fake::Tracker t(fake::Options::ClientGoFake());
  rt::ConfigMap stale = Cm("ns", "a");
  stale.metadata.resource_version = "999";
  REQUIRE(t.Add(Cm("ns", "a")).has_value());
  CHECK(t.Update(ConfigMaps(), stale, "ns").has_value());
}

TEST_CASE("tombstones: changes after the listed version replay with their real types",
          "[fake][fidelity][replay]") {
  RunInBubble([] {
    fake::Tracker t(With({"tombstones"}));
    REQUIRE(t.Add(Cm("ns", "a")).has_value());  // 2
    REQUIRE(t.Add(Cm("ns", "b")).has_value());  // 3
    const std::string listed = t.List(ConfigMaps(), "")->metadata.resource_version;
    REQUIRE(t.Delete(ConfigMaps(), "ns", "a").has_value());  // 4: deletes take a version
    REQUIRE(t.Update(ConfigMaps(), Cm("ns", "b", {{"k", "v"}}), "ns").has_value());  // 5
    REQUIRE(t.Add(Cm("ns", "c")).has_value());                                       // 6
    CHECK(t.ResourceVersion(ConfigMaps()) == 6);
    auto w = t.Watch(ConfigMaps(), "", {.resource_version = listed});
    REQUIRE(w.has_value());
    CHECK(Drain(**w) == Events{"DELETED a", "MODIFIED b", "ADDED c"});
    // "" and "0" still start from the current state.
    auto all = t.Watch(ConfigMaps(), "", {.resource_version = "0"});
    CHECK(Drain(**all) == Events{"ADDED b", "ADDED c"});
    auto other_ns = t.Watch(ConfigMaps(), "elsewhere", {.resource_version = listed});
    CHECK(Drain(**other_ns).empty());
  });
}

TEST_CASE("history=N: a watch older than the retained history gets 410", "[fake][fidelity][410]") {
  RunInBubble([] {
    fake::Tracker t(With({"tombstones", "history=2"}));
    for (const char* name : {"a", "b", "c", "d"}) {  // 2, 3, 4, 5; history keeps 4 and 5
      REQUIRE(t.Add(Cm("ns", name)).has_value());
    }
    auto old = t.Watch(ConfigMaps(), "", {.resource_version = "2"});
    REQUIRE(old.has_value());
    auto ev = (*old)->ResultChan().TryRecv();
    REQUIRE(ev.has_value());
    CHECK(ev->type == rt::WatchEventType::kError);
    REQUIRE(ev->error != nullptr);
    CHECK(rt::IsResourceExpired(*ev->error));
    CHECK(ev->error->code == 410);
    CHECK(ev->error->message == "too old resource version: 2 (3)");
    CHECK((*old)->ResultChan().Closed());
    auto recent = t.Watch(ConfigMaps(), "", {.resource_version = "3"});
    CHECK(Drain(**recent) == Events{"ADDED c", "ADDED d"});
  });
}

TEST_CASE("compaction forces 410 on the next watch from an older version",
          "[fake][fidelity][410]") {
  RunInBubble([] {
    fake::Tracker t(fake::Options::ClientGoFake());  // works without a history too
    REQUIRE(t.Add(Cm("ns", "a")).has_value());
    REQUIRE(t.Add(Cm("ns", "b")).has_value());
    t.Compact(ConfigMaps());
    CHECK(Drain(**t.Watch(ConfigMaps(), "", {.resource_version = "2"})) == Events{"ERROR 410"});
    CHECK(Drain(**t.Watch(ConfigMaps(), "", {.resource_version = "3"})).empty());
    CHECK(Drain(**t.Watch(ConfigMaps(), "", {.resource_version = "0"})).size() == 2);
  });
}

TEST_CASE("bookmarks: a watch that allows them gets the current version", "[fake][fidelity]") {
  RunInBubble([] {
    fake::Tracker t(With({"bookmarks"}));
    REQUIRE(t.Add(Cm("ns", "a")).has_value());
    auto w = t.Watch(ConfigMaps(), "", {.resource_version = "0", .allow_watch_bookmarks = true});
    auto plain = t.Watch(ConfigMaps(), "", {.resource_version = "0"});
    REQUIRE(w.has_value());
    auto added = (*w)->ResultChan().TryRecv();
    auto bookmark = (*w)->ResultChan().TryRecv();
    REQUIRE(bookmark.has_value());
    CHECK(bookmark->type == rt::WatchEventType::kBookmark);
    CHECK(bookmark->object->metadata.resource_version == "2");
    CHECK(bookmark->object->Kind().kind == "ConfigMap");
    REQUIRE(t.Add(Cm("ns", "b")).has_value());
    t.Bookmark(ConfigMaps());
    CHECK(Drain(**w) == Events{"ADDED b", "BOOKMARK "});
    CHECK(Drain(**plain) == Events{"ADDED a", "ADDED b"});
  });
}

TEST_CASE("selectors filter List and Watch on the server", "[fake][fidelity][selectors]") {
  RunInBubble([] {
    fake::Tracker t(With({"selectors"}));
    rt::ConfigMap web = Cm("ns", "web");
    web.metadata.labels = {{"app", "web"}};
    REQUIRE(t.Add(web).has_value());
    REQUIRE(t.Add(Cm("ns", "db")).has_value());
    auto listed = t.List(ConfigMaps(), "", {.label_selector = "app=web"});
    REQUIRE(listed.has_value());
    REQUIRE(listed->items.size() == 1);
    CHECK(listed->items.front()->metadata.name == "web");
    CHECK(t.List(ConfigMaps(), "", {.field_selector = "metadata.name=db"})->items.size() == 1);

    auto w = t.Watch(ConfigMaps(), "", {.label_selector = "app=web", .resource_version = "0"});
    REQUIRE(w.has_value());
    rt::ConfigMap db = Cm("ns", "db");
    db.metadata.labels = {{"app", "web"}};  // starts matching: ADDED
    REQUIRE(t.Update(ConfigMaps(), db, "ns").has_value());
    REQUIRE(t.Update(ConfigMaps(), Cm("ns", "web"), "ns").has_value());  // stops: DELETED
    REQUIRE(t.Add(Cm("ns", "other")).has_value());                       // never matches
    CHECK(Drain(**w) == Events{"ADDED web", "ADDED db", "DELETED web"});

    const auto bad_field = t.List(ConfigMaps(), "", {.field_selector = "spec.nodeName=x"});
    REQUIRE_FALSE(bad_field.has_value());
    CHECK(bad_field.error().message == "field label not supported: spec.nodeName");
    CHECK(rt::IsBadRequest(t.Watch(ConfigMaps(), "", {.label_selector = "app in ("}).error()));
  });
}

TEST_CASE("without selectors, the tracker ignores them (client-go's fake)",
          "[fake][fidelity][selectors]") {
  fake::Tracker t(fake::Options::ClientGoFake());
  REQUIRE(t.Add(Cm("ns", "a")).has_value());
  CHECK(t.List(ConfigMaps(), "", {.label_selector = "app=web"})->items.size() == 1);
}

TEST_CASE("generate-name fills names from the bubble's generator", "[fake][fidelity]") {
  std::vector<std::string> names;
  RunTwice([&] {
    names.clear();
    sim::Bubble b({.seed = 42});
    return b.Run([&] {
      fake::Tracker t(With({"generate-name"}));
      rt::ConfigMap cm;
      cm.metadata.generate_name = "job-";
      for (int i = 0; i < 3; ++i) {
        auto created = t.Create(ConfigMaps(), cm, "ns");
        REQUIRE(created.has_value());
        names.push_back((*created)->metadata.name);
      }
      const auto nameless = t.Create(ConfigMaps(), rt::ConfigMap(), "ns");
      REQUIRE_FALSE(nameless.has_value());
      CHECK(rt::IsInvalid(nameless.error()));
      CHECK(nameless.error().message ==
            "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is "
            "required");
    });
  });
  REQUIRE(names.size() == 3);
  for (const std::string& n : names) {
    CHECK(n.size() == 9);
    CHECK(n.starts_with("job-"));
    CHECK(n.substr(4).find_first_not_of("bcdfghjklmnpqrstvwxz2456789") == std::string::npos);
  }
  CHECK(names[0] != names[1]);
}

TEST_CASE("without generate-name, generateName is ignored (client-go#439)", "[fake][fidelity]") {
  fake::Tracker t(fake::Options::ClientGoFake());
  rt::ConfigMap cm;
  cm.metadata.generate_name = "job-";
  auto first = t.Create(ConfigMaps(), cm, "ns");
  REQUIRE(first.has_value());
  CHECK((*first)->metadata.name.empty());
  CHECK(t.Create(ConfigMaps(), cm, "ns").error().message == "configmaps \"\" already exists");
}

TEST_CASE("finalizers: delete marks, removing the last finalizer deletes", "[fake][fidelity]") {
  RunInBubble([] {
    fake::Tracker t(With({"finalizers"}));
    rt::ConfigMap cm = Cm("ns", "a");
    cm.metadata.finalizers = {"example.com/cleanup"};
    REQUIRE(t.Add(cm).has_value());
    auto w = t.Watch(ConfigMaps(), "", {.resource_version = "2"});
    sim::SleepFor(5s);
    REQUIRE(t.Delete(ConfigMaps(), "ns", "a").has_value());
    auto marked = t.Get(ConfigMaps(), "ns", "a");
    REQUIRE(marked.has_value());
    CHECK((*marked)->metadata.deletion_timestamp == sim::Clock::Epoch() + 5s);
    REQUIRE(t.Delete(ConfigMaps(), "ns", "a").has_value());  // already terminating: no change
    CHECK(t.ResourceVersion(ConfigMaps()) == 3);

    rt::ConfigMap cleared = AsCm(*marked);
    cleared.metadata.deletion_timestamp.reset();  // clients cannot clear it
    cleared.metadata.labels["still"] = "here";
    auto still = t.Update(ConfigMaps(), cleared, "ns");
    REQUIRE(still.has_value());
    CHECK((*still)->metadata.deletion_timestamp.has_value());

    cleared.metadata.finalizers.clear();
    REQUIRE(t.Update(ConfigMaps(), cleared, "ns").has_value());
    CHECK(rt::IsNotFound(t.Get(ConfigMaps(), "ns", "a").error()));
    CHECK(Drain(**w) == Events{"MODIFIED a", "MODIFIED a", "DELETED a"});
  });
}

TEST_CASE(
    "selectors and finalizers: the update that removes the last finalizer and changes labels "
    "is a delete judged on the stored object (issue 11)",
    "[fake][fidelity][selectors]") {
  RunInBubble([] {
    fake::Tracker t(With({"selectors", "finalizers", "tombstones", "stamp-rv"}));
    rt::ConfigMap cm = Cm("ns", "a");
    cm.metadata.labels = {{"app", "web"}};
    cm.metadata.finalizers = {"example.com/cleanup"};
    REQUIRE(t.Add(cm).has_value());  // rv 2
    auto web = t.Watch(ConfigMaps(), "", {.label_selector = "app=web", .resource_version = "0"});
    auto db = t.Watch(ConfigMaps(), "", {.label_selector = "app=db", .resource_version = "0"});
    REQUIRE(t.Delete(ConfigMaps(), "ns", "a").has_value());  // rv 3: deletionTimestamp

    rt::ConfigMap done = AsCm(*t.Get(ConfigMaps(), "ns", "a"));
    done.metadata.finalizers.clear();
    done.metadata.labels = {{"app", "db"}};
    auto deleted = t.Update(ConfigMaps(), done, "ns");  // rv 4: deleted, as last stored
    REQUIRE(deleted.has_value());
    CHECK(rt::IsNotFound(t.Get(ConfigMaps(), "ns", "a").error()));
    CHECK((*deleted)->metadata.labels.at("app") == "web");
    CHECK((*deleted)->metadata.resource_version == "4");

    // The watcher that holds the object sees it go; the other never saw it and sees nothing.
    std::vector<rt::WatchEvent> seen;
    while (auto ev = (*web)->ResultChan().TryRecv()) {
      seen.push_back(*ev);
    }
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].type == rt::WatchEventType::kAdded);
    CHECK(seen[1].type == rt::WatchEventType::kModified);
    CHECK(seen[2].type == rt::WatchEventType::kDeleted);
    CHECK(seen[2].object->metadata.labels.at("app") == "web");
    CHECK(seen[2].object->metadata.resource_version == "4");
    CHECK(Drain(**db).empty());

    // Replay from the history judges the delete the same way.
    CHECK(Drain(**t.Watch(ConfigMaps(), "",
                          {.label_selector = "app=web", .resource_version = "2"})) ==
          Events{"MODIFIED a", "DELETED a"});
    CHECK(Drain(**t.Watch(ConfigMaps(), "", {.label_selector = "app=db", .resource_version = "2"}))
              .empty());
  });
}

TEST_CASE(
    "selectors: an object that stops matching is DELETED with the state the watcher held, at "
    "the new resourceVersion (the real server's watch cache)",
    "[fake][fidelity][selectors]") {
  RunInBubble([] {
    fake::Tracker t(With({"selectors", "stamp-rv"}));
    rt::ConfigMap cm = Cm("ns", "a");
    cm.metadata.labels = {{"app", "web"}};
    REQUIRE(t.Add(cm).has_value());  // rv 2
    auto w = t.Watch(ConfigMaps(), "", {.label_selector = "app=web", .resource_version = "0"});
    cm.metadata.labels = {{"app", "db"}};
    REQUIRE(t.Update(ConfigMaps(), cm, "ns").has_value());  // rv 3
    REQUIRE((*w)->ResultChan().TryRecv().has_value());      // ADDED
    const auto left = (*w)->ResultChan().TryRecv();
    REQUIRE(left.has_value());
    CHECK(left->type == rt::WatchEventType::kDeleted);
    CHECK(left->object->metadata.labels.at("app") == "web");
    CHECK(left->object->metadata.resource_version == "3");
  });
}

TEST_CASE("uid-timestamps: uid, creationTimestamp and generation come from the server",
          "[fake][fidelity]") {
  RunInBubble([] {
    sim::SleepFor(3s);
    fake::Tracker t(With({"uid-timestamps"}));
    auto created = t.Add(Cm("ns", "a"));
    REQUIRE(created.has_value());
    const rt::ObjectMeta& m = (*created)->metadata;
    CHECK(m.uid.size() == 36);
    CHECK(m.uid[14] == '4');
    CHECK(m.creation_timestamp == sim::Clock::Epoch() + 3s);
    CHECK(m.generation == 1);

    rt::ConfigMap relabelled = Cm("ns", "a");
    relabelled.metadata.labels = {{"x", "y"}};
    auto v2 = t.Update(ConfigMaps(), relabelled, "ns");
    REQUIRE(v2.has_value());
    CHECK((*v2)->metadata.uid == m.uid);
    CHECK((*v2)->metadata.creation_timestamp == m.creation_timestamp);
    CHECK((*v2)->metadata.generation == 1);  // metadata only
    auto v3 = t.Update(ConfigMaps(), Cm("ns", "a", {{"k", "v"}}), "ns");
    REQUIRE(v3.has_value());
    CHECK((*v3)->metadata.generation == 2);
    CHECK(t.Add(Cm("ns", "b")).value()->metadata.uid != m.uid);
  });
}

TEST_CASE("status-subresource: status and spec are written separately", "[fake][fidelity]") {
  RunInBubble([&] {
    auto cs = fake::NewClientset(With({"status-subresource"}),
                                 rt::Pod({.name = "p", .namespace_ = "ns"}, {.node_name = "n1"}));
    auto pods = cs->Pods("ns");
    rt::Pod next = **pods.Get("p");
    next.spec.node_name = "n2";
    next.status.phase = "Running";
    auto after_status = pods.UpdateStatus(next);
    REQUIRE(after_status.has_value());
    CHECK((*after_status)->status.phase == "Running");
    CHECK((*after_status)->spec.node_name == "n1");  // spec untouched by UpdateStatus

    next.status.phase = "Failed";
    auto after_update = pods.Update(next);
    REQUIRE(after_update.has_value());
    CHECK((*after_update)->spec.node_name == "n2");
    CHECK((*after_update)->status.phase == "Running");  // status untouched by Update

    REQUIRE(cs->GetTracker().Add(Cm("ns", "cm")).has_value());
    const auto no_status = cs->ConfigMaps("ns").UpdateStatus(Cm("ns", "cm"));
    REQUIRE_FALSE(no_status.has_value());
    CHECK(rt::IsNotFound(no_status.error()));

    // A custom resource stored without a status: its first status update is served (its kind
    // may well have the subresource), and leaves the spec alone.
    const rt::GroupVersionResource sites{"example.com", "v1", "websites"};
    auto client = cs->Resource(sites, "ns");
    rt::Unstructured site({"example.com", "v1", "Website"}, {.name = "w", .namespace_ = "ns"},
                          {{"spec", {{"replicas", 1}}}});
    REQUIRE(client->Create(sim::Context::Background(), site, {}).has_value());
    site.content["spec"]["replicas"] = 5;
    site.content["status"] = {{"observedGeneration", 1}};
    auto updated = client->UpdateStatus(sim::Context::Background(), site, {});
    REQUIRE(updated.has_value());
    const nlohmann::json stored = (*updated)->ToJson();
    CHECK(stored["status"]["observedGeneration"] == 1);
    CHECK(stored["spec"]["replicas"] == 1);
  });
}

TEST_CASE("delete-collection deletes what the selectors match", "[fake][fidelity]") {
  auto make = [](std::string name, std::string app) {
    rt::ConfigMap cm = Cm("ns", std::move(name));
    cm.metadata.labels = {{"app", std::move(app)}};
    return cm;
  };
  RunInBubble([&] {
    auto cs = fake::NewClientset(With({"delete-collection"}), make("a", "web"), make("b", "web"),
                                 make("c", "db"));
    REQUIRE(cs->ConfigMaps("ns").DeleteCollection({}, {.label_selector = "app=web"}).has_value());
    auto left = cs->ConfigMaps("ns").List();
    REQUIRE(left->items.size() == 1);
    CHECK(left->items.front()->metadata.name == "c");
  });
}

TEST_CASE("watch-timeouts: a watch ends after timeoutSeconds of virtual time", "[fake][fidelity]") {
  RunTwice([] {
    sim::Bubble b;
    return b.Run([] {
      fake::Tracker t(With({"watch-timeouts", "bookmarks"}));
      auto w =
          t.Watch(ConfigMaps(), "",
                  {.resource_version = "0", .timeout_seconds = 300, .allow_watch_bookmarks = true});
      REQUIRE(w.has_value());
      std::vector<std::string> seen;
      while (auto ev = (*w)->ResultChan().Recv()) {
        seen.push_back(std::string(rt::WatchEventTypeName(ev->type)));
      }
      CHECK(sim::Now() == sim::Clock::Epoch() + 300s);
      CHECK(seen == std::vector<std::string>{"BOOKMARK", "BOOKMARK"});  // after replay, before end
    });
  });
}

TEST_CASE("watch-list: sendInitialEvents streams the state, then the end bookmark",
          "[fake][fidelity]") {
  RunInBubble([&] {
    auto cs = fake::NewClientset(With({"watch-list", "bookmarks"}), Cm("ns", "a"), Cm("ns", "b"));
    CHECK(cs->SupportsWatchList());
    CHECK_FALSE(fake::Clientset(fake::Options::ClientGoFake()).SupportsWatchList());
    CHECK(fake::Clientset().SupportsWatchList());
    auto w = cs->ConfigMaps("").Watch(
        {.resource_version = "", .allow_watch_bookmarks = true, .send_initial_events = true});
    REQUIRE(w.has_value());
    std::vector<rt::WatchEvent> events;
    while (auto ev = (*w)->ResultChan().TryRecv()) {
      events.push_back(*ev);
    }
    REQUIRE(events.size() == 3);
    CHECK(events[0].type == rt::WatchEventType::kAdded);
    CHECK(events[2].type == rt::WatchEventType::kBookmark);
    CHECK(events[2].object->metadata.annotations.at(std::string(rt::kInitialEventsEndAnnotation)) ==
          "true");
    CHECK(events[2].object->metadata.resource_version == "3");
  });
}

TEST_CASE("all switches combine", "[fake][fidelity]") {
  fake::Options opts;
  opts.fidelity = fake::Fidelity::All();
  opts.fidelity.history_limit = 10;
  RunTwice([&] {
    auto local = std::make_shared<fake::Clientset>(opts);
    sim::Bubble b;
    return b.Run([local] {
      auto cms = local->ConfigMaps("ns");
      rt::ConfigMap cm;
      cm.metadata.generate_name = "cm-";
      cm.metadata.finalizers = {"f"};
      cm.metadata.labels = {{"app", "x"}};
      auto created = cms.Create(cm);
      REQUIRE(created.has_value());
      const std::string name = (*created)->metadata.name;
      auto w = cms.Watch({.label_selector = "app=x",
                          .resource_version = (*created)->metadata.resource_version,
                          .allow_watch_bookmarks = true});
      REQUIRE(w.has_value());
      rt::ConfigMap stale = **created;
      stale.data["k"] = "v";
      REQUIRE(cms.Update(stale).has_value());
      CHECK(rt::IsConflict(cms.Update(stale).error()));
      REQUIRE(cms.Delete(name).has_value());
      rt::ConfigMap done = **cms.Get(name);
      done.metadata.finalizers.clear();
      REQUIRE(cms.Update(done).has_value());
      CHECK(Drain(**w) ==
            Events{"BOOKMARK ", "MODIFIED " + name, "MODIFIED " + name, "DELETED " + name});
    });
  });
}
