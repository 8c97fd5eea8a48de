// The default fake is a real API server (docs/semantics.md §1.9): a correct controller passes
// every seed under it. Under client-go's fake tracker (Options::ClientGoFake()) the same correct
// controller fails some seeds — a false alarm the default exists to avoid — while a real bug in
// the controller is still found under the default.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/controller/controller.h>
#include <bubble/runtime/quiescence.h>
#include <bubble/runtime/secret.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/testing/testing.h>

#include "test_util.h"

namespace cache = bubble::runtime::cache;
namespace ctrl = bubble::runtime::controller;
namespace fake = bubble::fake;
using namespace fake::testing;

namespace {

constexpr std::string_view kNs = "default";

template <class T>
std::vector<std::string> Names(bubble::runtime::TypedClient<T> client) {
  std::vector<std::string> names;
  const auto list = client.List();
  REQUIRE(list.has_value());
  for (const auto& item : list->items) {
    names.push_back(item->metadata.name);
  }
  return names;
}

// A ConfigMap -> Secret mirror: each ConfigMap has a Secret of the same name and data. The
// ConfigMap "gone" is deleted at the informer's first List or Watch of ConfigMaps, racing it
// (between its List and its Watch on some seeds); "later" is deleted once the system settled.
// Fails the run (sim::Fail) when the Secrets' names differ from the ConfigMaps' at the end.
void MirrorBody(const fake::Options& server, bool ignore_missing_configmap) {
  auto cs = fake::NewClientset(server, Cm(std::string(kNs), "gone", {{"k", "1"}}),
                               Cm(std::string(kNs), "later", {{"k", "2"}}),
                               Cm(std::string(kNs), "kept", {{"k", "3"}}));
  bool raced = false;
  // The reactors live in the clientset: they hold it weakly, or it would own itself (a leak).
  std::weak_ptr<fake::Clientset> weak = cs;
  auto race = [weak, &raced] {
    if (!raced) {
      raced = true;
      sim::Spawn("deleter", [weak] {
        if (auto client = weak.lock()) {
          (void)client->ConfigMaps(std::string(kNs)).Delete("gone");
        }
      });
    }
  };
  cs->PrependReactor("list", "configmaps", [race](fake::Action&) {
    race();
    return fake::Reaction::Unhandled();
  });
  cs->PrependWatchReactor("configmaps", [race](fake::Action&) {
    race();
    return fake::WatchReaction::Unhandled();
  });

  cache::InformerFactory factory(*cs);
  auto lister = factory.ListerFor<rt::ConfigMap>();
  ctrl::Controller controller(
      {.name = "mirror", .workers = 2},
      [&](const sim::Context&, const std::string& key) -> rt::Result<ctrl::ReconcileResult> {
        const std::string name = key.substr(key.find('/') + 1);
        auto secrets = cs->Secrets(std::string(kNs));
        auto cm = lister.Namespace(std::string(kNs)).Get(name);
        if (!cm.has_value()) {
          if (ignore_missing_configmap) {  // the planted bug: the Secret outlives its ConfigMap
            return ctrl::ReconcileResult::Done();
          }
          auto deleted = secrets.Delete(name);
          if (!deleted.has_value() && !rt::IsNotFound(deleted.error())) {
            return rt::Err(deleted.error());
          }
          return ctrl::ReconcileResult::Done();
        }
        const rt::Secret want({.name = name, .namespace_ = std::string(kNs)}, (*cm)->data);
        auto created = secrets.Create(want);
        if (created.has_value()) {
          return ctrl::ReconcileResult::Done();
        }
        if (!rt::IsAlreadyExists(created.error())) {
          return rt::Err(created.error());
        }
        auto updated = secrets.Update(want);
        if (!updated.has_value()) {
          return rt::Err(updated.error());
        }
        return ctrl::ReconcileResult::Done();
      });
  REQUIRE(controller.Watch(factory.InformerFor<rt::ConfigMap>()));
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  sim::WaitGroup wg{"mirror"};
  factory.Start(ctx);
  wg.Go("run", [&, ctx = ctx] { (void)controller.Run(ctx); });

  auto mirrored = [&] {
    return Names(cs->Secrets(std::string(kNs))) == Names(cs->ConfigMaps(std::string(kNs)));
  };
  (void)rt::AwaitQuiescence(mirrored);
  REQUIRE(cs->ConfigMaps(std::string(kNs)).Delete("later"));
  const bool settled = rt::AwaitQuiescence(mirrored);
  const auto secrets = Names(cs->Secrets(std::string(kNs)));
  const auto configmaps = Names(cs->ConfigMaps(std::string(kNs)));
  cancel();
  wg.Wait();
  factory.Shutdown();
  if (!settled) {
    sim::Fail(fmt::format("leaked Secrets: secrets [{}] != configmaps [{}]",
                          fmt::join(secrets, ", "), fmt::join(configmaps, ", ")));
  }
}

constexpr std::uint64_t kSeeds = 100;

// Runs MirrorBody on seeds 1..kSeeds (random and PCT alternating); returns the failing runs'
// reports.
std::vector<std::string> FailingReports(const fake::Options& server, bool bug) {
  std::vector<std::string> reports;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    sim::Bubble b({.seed = seed,
                   .strategy = seed % 2 == 0 ? sim::StrategyKind::kRandom : sim::StrategyKind::kPct,
                   .log_level = sim::LogLevel::kOff});
    const sim::RunResult r = b.Run([&] { MirrorBody(server, bug); });
    if (!r.Passed()) {
      reports.push_back(r.report);
    }
  }
  return reports;
}

}  // namespace

TEST_CASE("default fake: a correct mirror controller passes every seed", "[fake][fidelity]") {
  bubble::testing::RunSeeds({.count = kSeeds}, {.log_level = sim::LogLevel::kOff},
                            [](sim::Bubble&) { MirrorBody(fake::Options{}, false); });
}

TEST_CASE("client-go's fake: the correct mirror controller leaks the deleted ConfigMap's Secret",
          "[fake][fidelity]") {
  // client-go's fake replays no DELETED to a Watch from the listed resourceVersion: a delete
  // between the informer's List and its Watch is never seen (docs/semantics.md §1.4).
  const std::vector<std::string> reports = FailingReports(fake::Options::ClientGoFake(), false);
  REQUIRE_FALSE(reports.empty());
  for (const std::string& report : reports) {
    INFO(report);
    CHECK_THAT(report, Catch::Matchers::Contains("secrets [gone, kept] != configmaps [kept]"));
  }
}

TEST_CASE("default fake: a mirror that ignores a missing ConfigMap is caught", "[fake][fidelity]") {
  const std::vector<std::string> reports = FailingReports(fake::Options{}, true);
  REQUIRE_FALSE(reports.empty());
  CHECK_THAT(reports.front(), Catch::Matchers::Contains("leaked Secrets"));
  CHECK_THAT(reports.front(), Catch::Matchers::Contains("later"));
}
