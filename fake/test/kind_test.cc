// Kinds through the fake API server: a kind declared in this file with KindBase (no
// hand-written encoding) gets a typed client, an informer, a lister and the status subresource;
// Namespace, Service and Deployment work through the clientset's accessors; custom resources
// without a type get informers and listers of Unstructured. Every fidelity switch a test relies
// on is set explicitly, so the tests hold whatever the defaults are.
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/deployment.h>
#include <bubble/runtime/kind.h>
#include <bubble/runtime/namespace.h>
#include <bubble/runtime/service.h>
#include <bubble/runtime/unstructured.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>

#include "test_util.h"

namespace cache = bubble::runtime::cache;
namespace fake = bubble::fake;
using namespace bubble::fake::testing;

// [your-own-kinds]
namespace example {

struct WidgetSpec {
  std::int32_t size = 1;
  std::string color{};
  friend bool operator==(const WidgetSpec&, const WidgetSpec&) = default;
};
BUBBLE_JSON_FIELDS(WidgetSpec, (size, "size"), (color, "color"))

struct WidgetStatus {
  std::string phase{};
  friend bool operator==(const WidgetStatus&, const WidgetStatus&) = default;
};
BUBBLE_JSON_FIELDS(WidgetStatus, (phase, "phase"))

struct Widget final : bubble::runtime::KindBase<Widget, WidgetSpec, WidgetStatus> {
  BUBBLE_KIND(Widget, "example.com", "v1", "Widget", "widgets", /*namespaced=*/true);
};

}  // namespace example

TEST_CASE("your own kind: typed client, informer and lister, no encoder written",
          "[fake][kind][docs]") {
  bubble::fake::Options opts;
  opts.scheme.Register<example::Widget>();  // the server decodes JSON of the kind into Widget
  bubble::sim::Bubble bubble;
  auto result = bubble.Run([&] {
    auto cs = std::make_shared<bubble::fake::Clientset>(opts);
    auto widgets = cs->For<example::Widget>("default");  // TypedClient<Widget>

    bubble::runtime::cache::InformerFactory factory(*cs);
    auto lister = factory.ListerFor<example::Widget>();
    auto [ctx, cancel] = bubble::sim::WithCancel(bubble::sim::Context::Background());
    factory.Start(ctx);
    REQUIRE(factory.WaitForCacheSync(ctx).AsError());

    REQUIRE(widgets.Create(example::Widget({.name = "w1"}, {.size = 3, .color = "red"})));
    bubble::sim::Wait();  // the informer has caught up
    auto cached = lister.Namespace("default").Get("w1");
    REQUIRE(cached);
    CHECK((*cached)->spec.size == 3);

    // Its JSON, as a real API server would hold it: Kubernetes' field names, defaults omitted.
    CHECK((*cached)->ToJson()["spec"].dump() == R"({"color":"red","size":3})");

    cancel();
    factory.Shutdown();
  });
  REQUIRE(result.Passed());
}

// [your-own-kinds]

using example::Widget;

TEST_CASE("docs/api.md shows the code of the test above verbatim", "[fake][kind][docs]") {
  auto read = [](const std::string& path) {
    std::ifstream in(std::string(BUBBLE_SOURCE_DIR) + "/" + path);
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const std::string test = read("fake/test/kind_test.cc");
  const std::string marker = "// [your-own-kinds]\n";
  const auto begin = test.find(marker) + marker.size();
  std::string snippet = test.substr(begin, test.find(marker, begin) - begin);
  while (!snippet.empty() && snippet.back() == '\n') {
    snippet.pop_back();
  }
  INFO("copy the code between the [your-own-kinds] markers into docs/api.md, \"Your own kinds\"");
  CHECK(read("docs/api.md").find("```cpp\n" + snippet + "\n```\n") != std::string::npos);
}

namespace {

// What one handler heard: "add default/w1", "update default/w1", "delete default/w1".
struct Heard {
  std::vector<std::string> lines;

  cache::ResourceEventHandlerFuncs Funcs() {
    return {
        .add = [this](const rt::ObjectPtr& o,
                      bool) { lines.push_back(fmt::format("add {}", o->metadata.Key())); },
        .update =
            [this](const rt::ObjectPtr&, const rt::ObjectPtr& o) {
              lines.push_back(fmt::format("update {}", o->metadata.Key()));
            },
        .del =
            [this](const cache::DeltaObject& o) {
              lines.push_back(fmt::format("delete {}", cache::ObjectOf(o)->metadata.Key()));
            },
    };
  }
};

std::vector<std::string> Keys(const auto& objs) {
  std::vector<std::string> out;
  for (const auto& o : objs) {
    out.push_back(o->metadata.Key());
  }
  return out;
}

}  // namespace

TEST_CASE("your own kind: informer events, lister by namespace, typed updates and deletes",
          "[fake][kind]") {
  fake::Options opts;
  opts.scheme.Register<Widget>();
  RunInBubble([&] {
    auto cs = std::make_shared<fake::Clientset>(opts);
    cache::InformerFactory factory(*cs);
    Heard heard;
    REQUIRE(factory.InformerFor<Widget>().AddEventHandler(heard.Funcs()));
    auto lister = factory.ListerFor<Widget>();
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    factory.Start(ctx);
    REQUIRE(factory.WaitForCacheSync(ctx).AsError());

    REQUIRE(cs->For<Widget>("a").Create(Widget({.name = "w1"}, {.size = 1})));
    REQUIRE(cs->For<Widget>("b").Create(Widget({.name = "w2"}, {.size = 2})));
    sim::Wait();
    CHECK(Keys(lister.List()) == std::vector<std::string>{"a/w1", "b/w2"});
    CHECK(Keys(lister.Namespace("b").List()) == std::vector<std::string>{"b/w2"});

    Widget next = **cs->For<Widget>("a").Get("w1");
    next.spec.color = "blue";
    auto updated = cs->For<Widget>("a").Update(next);
    REQUIRE(updated);
    CHECK((*updated)->spec.color == "blue");
    REQUIRE(cs->For<Widget>("b").Delete("w2"));
    sim::Wait();
    CHECK(heard.lines ==
          std::vector<std::string>{"add a/w1", "add b/w2", "update a/w1", "delete b/w2"});
    auto w1 = lister.Namespace("a").Get("w1");
    REQUIRE(w1);
    CHECK((*w1)->spec.color == "blue");
    auto gone = lister.Namespace("b").Get("w2");
    REQUIRE_FALSE(gone);
    CHECK(gone.error().message == "widgets.example.com \"w2\" not found");

    // The typed list, and the objects' form in the server: the typed kind itself.
    auto list = cs->For<Widget>("").List();
    REQUIRE(list);
    REQUIRE(list->items.size() == 1);
    CHECK(dynamic_cast<const Widget*>(
              cs->GetTracker().Get(Widget::StaticResource(), "a", "w1")->get()) != nullptr);
    cancel();
    factory.Shutdown();
  });
}

TEST_CASE("your own kind: the status subresource keeps spec and status apart when switched on",
          "[fake][kind][fidelity]") {
  const bool subresource = GENERATE(false, true);
  fake::Options opts;
  opts.scheme.Register<Widget>();
  opts.fidelity.status_subresource = subresource;
  RunInBubble([&] {
    auto cs = std::make_shared<fake::Clientset>(opts);
    auto widgets = cs->For<Widget>("ns");
    REQUIRE(widgets.Create(Widget({.name = "w"}, {.size = 1})));

    Widget next = **widgets.Get("w");
    next.spec.size = 5;
    next.status.phase = "Ready";
    auto after_status = widgets.UpdateStatus(next);
    REQUIRE(after_status);
    CHECK((*after_status)->status.phase == "Ready");
    // With the switch, UpdateStatus leaves the spec as stored; client-go's fake writes it all.
    CHECK((*after_status)->spec.size == (subresource ? 1 : 5));

    next = **widgets.Get("w");
    next.spec.size = 7;
    next.status.phase = "Broken";
    auto after_update = widgets.Update(next);
    REQUIRE(after_update);
    CHECK((*after_update)->spec.size == 7);
    CHECK((*after_update)->status.phase == (subresource ? "Ready" : "Broken"));
  });
}

TEST_CASE("Namespaces, Services and Deployments through the clientset's accessors",
          "[fake][kind]") {
  RunInBubble([] {
    auto cs = std::make_shared<fake::Clientset>();
    auto ns = cs->Namespaces().Create(rt::Namespace({.name = "team-a"}, {}, {.phase = "Active"}));
    REQUIRE(ns);
    CHECK((*ns)->metadata.namespace_.empty());
    CHECK((*cs->Namespaces().Get("team-a"))->status.phase == "Active");

    rt::Service svc(
        {.name = "web"},
        {.type = "ClusterIP",
         .selector = {{"app", "web"}},
         .ports = {{.name = "http", .port = 80, .target_port = rt::IntOrString::Int(8080)}}});
    REQUIRE(cs->Services("team-a").Create(svc));
    auto got_svc = cs->Services("team-a").Get("web");
    REQUIRE(got_svc);
    CHECK((*got_svc)->spec.ports.at(0).target_port == rt::IntOrString::Int(8080));
    CHECK((*got_svc)->metadata.namespace_ == "team-a");

    rt::Deployment d({.name = "web"});
    d.spec.replicas = 2;
    d.spec.selector.match_labels = {{"app", "web"}};
    d.spec.template_.metadata.labels = {{"app", "web"}};
    d.spec.template_.spec.containers = {{.name = "web", .image = "nginx"}};
    auto deployments = cs->Deployments("team-a");
    REQUIRE(deployments.Create(d));
    rt::Deployment scaled = **deployments.Get("web");
    scaled.spec.replicas = 0;
    REQUIRE(deployments.Update(scaled));
    auto got = deployments.Get("web");
    REQUIRE(got);
    CHECK((*got)->spec.replicas == 0);  // not the default 1: zero is written
    CHECK((*got)->spec.template_.spec.containers.at(0).image == "nginx");
    // A merge patch reaches the typed fields by their JSON names.
    auto patched = deployments.Patch("web", rt::PatchType::kMerge,
                                     R"({"spec":{"template":{"spec":{"containers":[
                                         {"name":"web","image":"nginx:2"}]}}}})");
    REQUIRE(patched);
    CHECK((*patched)->spec.template_.spec.containers.at(0).image == "nginx:2");
    // A patch that breaks a field is a BadRequest naming it.
    auto bad = deployments.Patch("web", rt::PatchType::kMerge, R"({"spec":{"replicas":"x"}})");
    REQUIRE_FALSE(bad);
    CHECK(rt::IsBadRequest(bad.error()));
    CHECK_THAT(bad.error().message, Catch::Contains("spec.replicas"));

    REQUIRE(deployments.Delete("web"));
    CHECK(rt::IsNotFound(deployments.Get("web").error()));
    CHECK(cs->Deployments("").List()->items.empty());
  });
}

TEST_CASE("custom resources without a type: informer and lister of Unstructured by resource",
          "[fake][kind][unstructured]") {
  // The server's scheme does not know the kind: objects stay Unstructured.
  const rt::GroupVersionResource gizmos{"example.com", "v1", "gizmos"};
  const rt::GroupVersionKind gizmo{"example.com", "v1", "Gizmo"};
  RunInBubble([&] {
    auto cs = std::make_shared<fake::Clientset>();
    REQUIRE(cs->GetScheme().ForResource(gizmos) == nullptr);
    auto make = [&](std::string ns, std::string name, int size) {
      return rt::Unstructured(gizmo, {.name = std::move(name), .namespace_ = std::move(ns)},
                              {{"spec", {{"size", size}}}});
    };
    REQUIRE(cs->Resource(gizmos, "a")->Create(sim::Context::Background(), make("a", "g1", 1), {}));

    cache::InformerFactory factory(*cs);
    Heard heard;
    REQUIRE(factory.InformerFor(gizmos).AddEventHandler(heard.Funcs()));
    cache::Lister<rt::Unstructured> lister = factory.ListerFor(gizmos);
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    factory.Start(ctx);
    REQUIRE(factory.WaitForCacheSync(ctx).AsError());

    auto in_b = cs->Resource(gizmos, "b");
    REQUIRE(in_b->Create(ctx, make("b", "g2", 2), {}));
    REQUIRE(in_b->Create(ctx, make("b", "g3", 3), {}));
    sim::Wait();
    CHECK(Keys(lister.List()) == std::vector<std::string>{"a/g1", "b/g2", "b/g3"});
    CHECK(Keys(lister.Namespace("b").List()) == std::vector<std::string>{"b/g2", "b/g3"});

    rt::Unstructured next = **lister.Namespace("b").Get("g2");
    next.content["spec"]["size"] = 20;
    REQUIRE(in_b->Update(ctx, next, {}));
    REQUIRE(in_b->Delete(ctx, "g3", {}));
    sim::Wait();
    CHECK(heard.lines == std::vector<std::string>{"add a/g1", "add b/g2", "add b/g3", "update b/g2",
                                                  "delete b/g3"});
    auto g2 = lister.Namespace("b").Get("g2");
    REQUIRE(g2);
    CHECK((*g2)->content["spec"]["size"] == 20);
    CHECK((*g2)->Kind() == gizmo);
    CHECK(rt::IsNotFound(lister.Namespace("b").Get("g3").error()));
    CHECK(Keys(lister.Namespace("c").List()).empty());
    cancel();
    factory.Shutdown();
  });
}

TEST_CASE("ListerFor(resource) reads a typed kind's cache as Unstructured", "[fake][kind]") {
  RunInBubble([] {
    auto cs = fake::NewClientset(Cm("default", "cm1", {{"k", "v"}}));
    cache::InformerFactory factory(*cs);
    // The same informer as InformerFor<ConfigMap>: the scheme knows the resource.
    CHECK(&factory.InformerFor(ConfigMaps()) == &factory.InformerFor<rt::ConfigMap>());
    auto lister = factory.ListerFor(ConfigMaps());
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    factory.Start(ctx);
    REQUIRE(factory.WaitForCacheSync(ctx).AsError());
    auto cm = lister.Namespace("default").Get("cm1");
    REQUIRE(cm);
    CHECK((*cm)->content["data"]["k"] == "v");
    cancel();
    factory.Shutdown();
  });
}
