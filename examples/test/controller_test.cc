// test/controller_test.cc
//
// Unit tests of the Website controller, each run over many seeds and two strategies in bubbles
// (bubble::testing::RunSeeds): a failure prints the seed and the command that reruns it.
#include "website/controller.h"

#include <catch2/catch.hpp>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/deployment.h>
#include <bubble/runtime/quiescence.h>
#include <bubble/runtime/service.h>
#include <bubble/sim/bubble.h>
#include <bubble/testing/testing.h>

#include "website/website.h"

namespace {

using namespace std::chrono_literals;
namespace rt = bubble::runtime;
namespace sim = bubble::sim;
namespace fake = bubble::fake;

website::Website Site(std::string name, std::string image, std::int32_t replicas) {
  website::Website w;
  w.metadata.name = std::move(name);
  w.metadata.namespace_ = "web";
  w.spec = {.image = std::move(image), .replicas = replicas, .port = 8080};
  return w;
}

std::shared_ptr<fake::Clientset> Server() {
  fake::Options options;  // a realistic API server: the default
  options.scheme.Register<website::Website>();
  return std::make_shared<fake::Clientset>(std::move(options));
}

// Runs the controller in the background while `act` runs; waits for the cluster to settle
// before returning.
template <class Act>
void WithController(fake::Clientset& cs, website::ControllerOptions options, Act act) {
  rt::cache::InformerFactory factory(cs);
  website::WebsiteController controller(cs, factory, options);
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  factory.Start(ctx);
  sim::WaitGroup fibers("controller");
  // An init-capture: clang 14 cannot capture a structured binding.
  fibers.Go("website-controller", [&controller, &ctx = ctx] { controller.Run(ctx); });
  act();
  REQUIRE(rt::AwaitQuiescence([] { return true; }));
  cancel();
  fibers.Wait();
  factory.Shutdown();
}

}  // namespace

TEST_CASE("a Website gets a Deployment and a Service that match it", "[website]") {
  bubble::testing::RunSeeds({.count = 50}, {}, [](sim::Bubble&) {
    auto cs = Server();
    WithController(*cs, {}, [&] {
      REQUIRE(cs->For<website::Website>("web").Create(Site("shop", "nginx:1.25", 3)));
    });
    auto d = cs->Deployments("web").Get("shop");
    REQUIRE(d);
    CHECK((*d)->spec.replicas == 3);
    REQUIRE((*d)->spec.template_.spec.containers.size() == 1);
    CHECK((*d)->spec.template_.spec.containers[0].image == "nginx:1.25");
    CHECK((*d)->spec.selector.match_labels == website::PodLabels("shop"));
    auto s = cs->Services("web").Get("shop");
    REQUIRE(s);
    CHECK(s.value()->spec.selector == website::PodLabels("shop"));
    REQUIRE(s.value()->spec.ports.size() == 1);
    CHECK(s.value()->spec.ports[0].target_port == rt::IntOrString::Int(8080));
    auto site = cs->For<website::Website>("web").Get("shop");
    REQUIRE(site);
    CHECK((*site)->status.observed_generation == (*site)->metadata.generation);
  });
}

TEST_CASE("a spec change reaches the Deployment, and a deleted Website takes its children along",
          "[website]") {
  bubble::testing::RunSeeds({.count = 50}, {}, [](sim::Bubble&) {
    auto cs = Server();
    auto websites = cs->For<website::Website>("web");
    WithController(*cs, {}, [&] {
      REQUIRE(websites.Create(Site("shop", "nginx:1.25", 1)));
      REQUIRE(websites.Create(Site("blog", "nginx:1.25", 1)));
      sim::SleepFor(1s);
      auto shop = websites.Get("shop");
      REQUIRE(shop);
      website::Website next = **shop;
      next.spec.replicas = 4;
      REQUIRE(websites.Update(next));
      REQUIRE(websites.Delete("blog"));
    });
    auto d = cs->Deployments("web").Get("shop");
    REQUIRE(d);
    CHECK((*d)->spec.replicas == 4);
    auto blog_deployment = cs->Deployments("web").Get("blog");
    REQUIRE_FALSE(blog_deployment);
    CHECK(rt::IsNotFound(blog_deployment.error()));
    auto blog_service = cs->Services("web").Get("blog");
    REQUIRE_FALSE(blog_service);
    CHECK(rt::IsNotFound(blog_service.error()));
  });
}

TEST_CASE("the controller retries a Deployment update that conflicts", "[website]") {
  bubble::testing::RunSeeds({.count = 20}, {}, [](sim::Bubble&) {
    auto cs = Server();
    auto websites = cs->For<website::Website>("web");
    // Every first update of a Deployment's spec conflicts, as if another writer had just
    // changed it.
    bool conflicted = false;
    cs->PrependReactor("update", "deployments", [&](fake::Action&) {
      if (conflicted)
        return fake::Reaction::Unhandled();
      conflicted = true;
      return fake::Reaction::Failed(
          rt::NewConflict({"apps", "deployments"}, "shop", "the object has been modified"));
    });
    WithController(*cs, {}, [&] {
      REQUIRE(websites.Create(Site("shop", "nginx:1.25", 1)));
      sim::SleepFor(1s);
      auto shop = websites.Get("shop");
      REQUIRE(shop);
      website::Website next = **shop;
      next.spec.image = "nginx:1.26";
      REQUIRE(websites.Update(next));
    });
    CHECK(conflicted);
    auto d = cs->Deployments("web").Get("shop");
    REQUIRE(d);
    CHECK((*d)->spec.template_.spec.containers.at(0).image == "nginx:1.26");
  });
}
