// fake/test/garbage_collector_test.cc: the fake's garbage collector (garbage_collector.h,
// docs/semantics.md §1.14).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <bubble/fake/clientset.h>
#include <bubble/fake/garbage_collector.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/secret.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>
#include <bubble/testing/testing.h>

#include "test_util.h"

namespace bubble::fake::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kNs[] = "default";
constexpr char kHold[] = "example.com/hold";

rt::OwnerReference RefTo(const rt::ConfigMap& owner, bool block = false) {
  rt::OwnerReference ref{.api_version = "v1",
                         .kind = "ConfigMap",
                         .name = owner.metadata.name,
                         .uid = owner.metadata.uid};
  if (block) {
    ref.block_owner_deletion = true;
  }
  return ref;
}

rt::ConfigMap Child(std::string name, std::vector<rt::OwnerReference> owners,
                    std::vector<std::string> finalizers = {}) {
  rt::ConfigMap cm({.name = std::move(name), .namespace_ = kNs});
  cm.metadata.owner_references = std::move(owners);
  cm.metadata.finalizers = std::move(finalizers);
  return cm;
}

std::shared_ptr<Clientset> GcClientset(Options opts = {}) {
  opts.garbage_collector = true;
  return std::make_shared<Clientset>(std::move(opts));
}

// Runs `body` with a garbage collector over ConfigMaps and Secrets running beside it.
void WithGc(Clientset& cs, const std::function<void()>& body) {
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  GarbageCollector gc(cs, {.resources = {ConfigMaps(), rt::Secret::StaticResource()}});
  sim::WaitGroup fibers("test");
  fibers.Go("gc", [&gc, &ctx = ctx] { gc.Run(ctx); });
  body();
  cancel();
  fibers.Wait();
}

std::shared_ptr<const rt::ConfigMap> Create(Clientset& cs, const rt::ConfigMap& cm) {
  auto created = cs.ConfigMaps(kNs).Create(cm);
  REQUIRE(created.has_value());
  return *created;
}

std::optional<std::shared_ptr<const rt::ConfigMap>> Find(Clientset& cs, const std::string& name) {
  auto got = cs.ConfigMaps(kNs).Get(name);
  if (!got) {
    REQUIRE(rt::IsNotFound(got.error()));
    return std::nullopt;
  }
  return *got;
}

// Waits (virtual time, 10 ms steps, at most 10 s) until `cond` holds.
bool Eventually(const std::function<bool()>& cond) {
  for (int i = 0; i < 1000; ++i) {
    if (cond()) {
      return true;
    }
    sim::SleepFor(10ms);
  }
  return cond();
}

TEST_CASE("gc: background deletes the dependents of a deleted owner", "[fake][gc]") {
  RunInBubble([] {
    auto cs = GcClientset();
    WithGc(*cs, [&] {
      auto owner = Create(*cs, Cm(kNs, "owner"));
      Create(*cs, Child("a", {RefTo(*owner)}));
      Create(*cs, Child("b", {RefTo(*owner)}));
      Create(*cs, Cm(kNs, "unrelated"));
      REQUIRE(cs->ConfigMaps(kNs).Delete("owner"));
      CHECK_FALSE(Find(*cs, "owner").has_value());  // gone at once: background
      CHECK(Eventually([&] { return !Find(*cs, "a") && !Find(*cs, "b"); }));
      CHECK(Find(*cs, "unrelated").has_value());
    });
  });
}

TEST_CASE("gc: a dependent with another owner survives and loses the dangling reference",
          "[fake][gc]") {
  RunInBubble([] {
    auto cs = GcClientset();
    WithGc(*cs, [&] {
      auto o1 = Create(*cs, Cm(kNs, "o1"));
      auto o2 = Create(*cs, Cm(kNs, "o2"));
      Create(*cs, Child("shared", {RefTo(*o1), RefTo(*o2)}));
      REQUIRE(cs->ConfigMaps(kNs).Delete("o1"));
      CHECK(Eventually([&] {
        auto c = Find(*cs, "shared");
        return c && (*c)->metadata.owner_references == std::vector{RefTo(*o2)};
      }));
      REQUIRE(cs->ConfigMaps(kNs).Delete("o2"));
      CHECK(Eventually([&] { return !Find(*cs, "shared"); }));
    });
  });
}

TEST_CASE("gc: foreground waits for blocking dependents, recursively", "[fake][gc]") {
  RunInBubble([] {
    auto cs = GcClientset();
    WithGc(*cs, [&] {
      auto owner = Create(*cs, Cm(kNs, "owner"));
      // "held" blocks its owner and cannot go until the test removes its own finalizer.
      auto held = Create(*cs, Child("held", {RefTo(*owner, true)}, {kHold}));
      auto free = Create(*cs, Child("free", {RefTo(*owner)}));
      Create(*cs, Child("grandchild", {RefTo(*held, true)}));
      REQUIRE(cs->ConfigMaps(kNs).Delete("owner", {.propagation_policy = "Foreground"}));
      auto marked = Find(*cs, "owner");
      REQUIRE(marked.has_value());
      CHECK((*marked)->metadata.deletion_timestamp.has_value());
      CHECK((*marked)->metadata.finalizers == std::vector<std::string>{kFinalizerForeground});
      // Its dependents go (the grandchild first: "held" is deleted in the foreground too).
      CHECK(Eventually([&] { return !Find(*cs, "free") && !Find(*cs, "grandchild"); }));
      CHECK(Eventually([&] {
        auto h = Find(*cs, "held");
        return h && (*h)->metadata.deletion_timestamp.has_value();
      }));
      sim::SleepFor(1s);
      CHECK(Find(*cs, "owner").has_value());  // blocked by "held"
      auto h = Find(*cs, "held");
      REQUIRE(h.has_value());
      rt::ConfigMap release = **h;
      std::erase(release.metadata.finalizers, std::string(kHold));
      REQUIRE(cs->ConfigMaps(kNs).Update(release));
      CHECK(Eventually([&] { return !Find(*cs, "held") && !Find(*cs, "owner"); }));
    });
  });
}

TEST_CASE("gc: foreground does not wait for dependents that do not block", "[fake][gc]") {
  RunInBubble([] {
    auto cs = GcClientset();
    WithGc(*cs, [&] {
      auto owner = Create(*cs, Cm(kNs, "owner"));
      Create(*cs, Child("lingering", {RefTo(*owner)}, {kHold}));
      REQUIRE(cs->ConfigMaps(kNs).Delete("owner", {.propagation_policy = "Foreground"}));
      CHECK(Eventually([&] { return !Find(*cs, "owner"); }));
      auto l = Find(*cs, "lingering");
      REQUIRE(l.has_value());  // terminating, held by its own finalizer
      CHECK((*l)->metadata.deletion_timestamp.has_value());
    });
  });
}

TEST_CASE("gc: orphan removes the references, keeps the dependents", "[fake][gc]") {
  RunInBubble([] {
    auto cs = GcClientset();
    WithGc(*cs, [&] {
      auto owner = Create(*cs, Cm(kNs, "owner"));
      auto other = Create(*cs, Cm(kNs, "other"));
      Create(*cs, Child("a", {RefTo(*owner)}));
      Create(*cs, Child("b", {RefTo(*owner), RefTo(*other)}));
      REQUIRE(cs->ConfigMaps(kNs).Delete("owner", {.propagation_policy = "Orphan"}));
      auto marked = Find(*cs, "owner");
      REQUIRE(marked.has_value());
      CHECK((*marked)->metadata.finalizers == std::vector<std::string>{kFinalizerOrphan});
      CHECK(Eventually([&] { return !Find(*cs, "owner"); }));
      auto a = Find(*cs, "a");
      auto b = Find(*cs, "b");
      REQUIRE(a.has_value());
      REQUIRE(b.has_value());
      CHECK((*a)->metadata.owner_references.empty());
      CHECK((*b)->metadata.owner_references == std::vector{RefTo(*other)});
      sim::SleepFor(1s);
      CHECK(Find(*cs, "a").has_value());  // never collected later either
    });
  });
}

TEST_CASE("gc: a dependent of a recreated owner (same name, new uid) is garbage", "[fake][gc]") {
  RunInBubble([] {
    auto cs = GcClientset();
    WithGc(*cs, [&] {
      auto first = Create(*cs, Cm(kNs, "owner"));
      REQUIRE(cs->ConfigMaps(kNs).Delete("owner"));
      auto second = Create(*cs, Cm(kNs, "owner"));
      REQUIRE(first->metadata.uid != second->metadata.uid);
      Create(*cs, Child("old", {RefTo(*first)}));
      Create(*cs, Child("new", {RefTo(*second)}));
      CHECK(Eventually([&] { return !Find(*cs, "old"); }));
      sim::SleepFor(1s);
      CHECK(Find(*cs, "new").has_value());
      CHECK(Find(*cs, "owner").has_value());
    });
  });
}

TEST_CASE("gc: retries its steps through injected errors and latency", "[fake][gc]") {
  bubble::testing::RunSeeds({.count = 50}, {}, [](sim::Bubble&) {
    Options opts;
    opts.faults.errors.push_back({.verb = "*", .resource = "configmaps", .probability = 0.1});
    opts.faults.latency.push_back({.min = 0ms, .max = 5ms});
    auto cs = GcClientset(opts);
    auto create = [&](const rt::ConfigMap& cm) {  // the test's own writes retry too
      for (;;) {
        if (auto created = cs->ConfigMaps(kNs).Create(cm)) {
          return *created;
        }
      }
    };
    auto remove = [&](const std::string& name, const rt::DeleteOptions& delete_opts) {
      while (!cs->ConfigMaps(kNs).Delete(name, delete_opts)) {
      }
    };
    auto exists = [&](const std::string& name) {
      for (;;) {
        auto got = cs->ConfigMaps(kNs).Get(name);
        if (got || rt::IsNotFound(got.error())) {
          return got.has_value();
        }
      }
    };
    WithGc(*cs, [&] {
      auto bg = create(Cm(kNs, "bg"));
      auto fg = create(Cm(kNs, "fg"));
      auto orphan = create(Cm(kNs, "orphan"));
      create(Child("bg-child", {RefTo(*bg)}));
      create(Child("fg-child", {RefTo(*fg, true)}));
      create(Child("orphan-child", {RefTo(*orphan)}));
      remove("bg", {});
      remove("fg", {.propagation_policy = "Foreground"});
      remove("orphan", {.propagation_policy = "Orphan"});
      sim::SleepFor(60s);  // a step is a few requests; retries back off exponentially
      for (const char* gone : {"bg", "bg-child", "fg", "fg-child", "orphan"}) {
        if (exists(gone)) {
          sim::Fail(fmt::format("{} still exists after 60 s", gone));
        }
      }
      if (!exists("orphan-child")) {
        sim::Fail("orphan-child was deleted");
      }
    });
  });
}

TEST_CASE("gc: the server's side of propagation", "[fake][gc]") {
  RunInBubble([] {
    auto cs = GcClientset();
    Create(*cs, Cm(kNs, "x"));
    auto bad = cs->ConfigMaps(kNs).Delete("x", {.propagation_policy = "Sideways"});
    REQUIRE_FALSE(bad.has_value());
    CHECK(rt::IsBadRequest(bad.error()));
    CHECK(bad.error().message.find("Unsupported value: \"Sideways\"") != std::string::npos);
    // Background (and no policy) without finalizers: gone at once.
    REQUIRE(cs->ConfigMaps(kNs).Delete("x", {.propagation_policy = "Background"}));
    CHECK_FALSE(Find(*cs, "x").has_value());
    // Without Options::garbage_collector the policy is ignored, as by client-go's fake.
    Clientset plain;
    REQUIRE(plain.ConfigMaps(kNs).Create(Cm(kNs, "y")));
    REQUIRE(plain.ConfigMaps(kNs).Delete("y", {.propagation_policy = "Orphan"}));
    CHECK_FALSE(plain.ConfigMaps(kNs).Get("y").has_value());
  });
}

TEST_CASE("gc: needs Options::garbage_collector", "[fake][gc]") {
  Clientset plain;
  CHECK_THROWS_AS(GarbageCollector(plain), UsageError);
}

// Owners (Secrets: another informer than their dependents', so the collector may hear of a
// dependent before its owner) and dependents created and deleted concurrently, without latency:
// the strategies alone order the requests and the collector's fibers. every seed must keep a
// dependent whose owner exists and collect one whose owner is gone.
void RaceBody(bool trust_graph) {
  Options opts;
  opts.bugs.gc_trusts_graph = trust_graph;
  auto cs = GcClientset(opts);
  auto owned_by = [](const rt::Secret& owner) {
    return rt::OwnerReference{.api_version = "v1",
                              .kind = "Secret",
                              .name = owner.metadata.name,
                              .uid = owner.metadata.uid};
  };
  auto secret = [&](const std::string& name) {
    auto created = cs->Secrets(kNs).Create(rt::Secret({.name = name, .namespace_ = kNs}));
    REQUIRE(created.has_value());
    return *created;
  };
  WithGc(*cs, [&] {
    sim::SleepFor(1s);  // the collector's informers synced: it hears of objects one by one
    sim::WaitGroup writers("writers");
    writers.Go("pair-1", [&] {
      auto owner = secret("live-owner");
      Create(*cs, Child("kept", {owned_by(*owner)}));
    });
    writers.Go("pair-2", [&] {
      auto owner = secret("doomed-owner");
      Create(*cs, Child("collected", {owned_by(*owner)}));
      REQUIRE(cs->Secrets(kNs).Delete("doomed-owner"));
    });
    writers.Wait();
    sim::SleepFor(2s);
    if (!Find(*cs, "kept")) {
      sim::Fail("the collector deleted \"kept\", whose owner exists");
    }
    if (Find(*cs, "collected")) {
      sim::Fail("the collector kept \"collected\", whose owner is gone");
    }
  });
}

TEST_CASE("gc: explored under random and pct, deterministic", "[fake][gc]") {
  bubble::testing::RunSeeds({.count = 200}, {}, [](sim::Bubble&) { RaceBody(false); });
}

TEST_CASE("gc: gc-trusts-graph deletes a dependent whose owner it has not seen", "[fake][gc]") {
  int failures = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    for (const auto strategy : {sim::StrategyKind::kRandom, sim::StrategyKind::kPct}) {
      sim::Bubble b({.seed = seed, .strategy = strategy});
      const sim::RunResult r = b.Run([] { RaceBody(true); });
      if (!r.Passed()) {
        CHECK(r.report.find("deleted \"kept\", whose owner exists") != std::string::npos);
        ++failures;
      }
    }
  }
  CHECK(failures > 0);
}

}  // namespace
}  // namespace bubble::fake::testing
