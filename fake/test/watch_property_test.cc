// Property test of the fake's watch streams: random operation sequences (create, update, patch,
// delete, finalizers added and removed, label changes, watches with and without selectors from
// every kind of start version, watch ends, compaction, bookmarks, timeouts, faults) under every
// combination of the fidelity switches, with the watch oracle (Options::check_watches) judging
// every stream. Every draw comes from the bubble's generator, so a seed replays its run.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/fake/tracker.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/rng.h>
#include <bubble/sim/timer.h>

#include "test_util.h"

namespace fake = bubble::fake;
using namespace fake::testing;
using namespace std::chrono_literals;

namespace {

constexpr int kSwitches = 12;
constexpr std::uint64_t kCombinations = std::uint64_t{1} << kSwitches;

// Combination `bits` of the twelve switches (bit i: switch i in Fidelity's declaration order);
// bit 12 adds a short history.
fake::Fidelity Combination(std::uint64_t bits) {
  fake::Fidelity f = fake::Fidelity::None();
  bool* const switches[kSwitches] = {&f.stamp_resource_version,
                                     &f.conflicts,
                                     &f.tombstones,
                                     &f.bookmarks,
                                     &f.selectors,
                                     &f.generate_name,
                                     &f.finalizers,
                                     &f.uid_and_timestamps,
                                     &f.status_subresource,
                                     &f.delete_collection,
                                     &f.watch_timeouts,
                                     &f.watch_list};
  for (int i = 0; i < kSwitches; ++i) {
    *switches[i] = ((bits >> i) & 1U) != 0;
  }
  f.history_limit = ((bits >> kSwitches) & 1U) != 0 ? 6 : 0;
  return f;
}

template <class T, std::size_t N>
const T& Pick(const std::array<T, N>& from) {
  return from[sim::Rand().Uniform(N)];
}

constexpr std::array<std::string_view, 2> kNamespaces = {"a", "b"};
constexpr std::array<std::string_view, 3> kNames = {"x", "y", "z"};
constexpr std::array<std::string_view, 3> kApps = {"web", "db", ""};
constexpr std::array<std::string_view, 3> kWatchNamespaces = {"", "a", "b"};
constexpr std::array<std::string_view, 4> kLabelSelectors = {"", "app=web", "app!=web",
                                                             "app in (web,db)"};
constexpr std::array<std::string_view, 3> kFieldSelectors = {"", "metadata.name=x",
                                                             "metadata.namespace=a"};

void Relabel(rt::ConfigMap& cm) {
  const std::string_view app = Pick(kApps);
  if (app.empty()) {
    cm.metadata.labels.erase("app");
  } else {
    cm.metadata.labels["app"] = std::string(app);
  }
}

// One random run against `t`: `steps` operations, every watch drained after each.
void RandomRun(fake::Tracker& t, int steps) {
  sim::Rng& rng = sim::Rand();
  std::vector<rt::WatchPtr> watches;
  auto existing = [&]() -> std::optional<rt::ConfigMap> {
    auto got = t.Get(ConfigMaps(), Pick(kNamespaces), Pick(kNames));
    if (!got) {
      return std::nullopt;
    }
    rt::ConfigMap cm = dynamic_cast<const rt::ConfigMap&>(**got);
    if (rng.Bernoulli(0.3)) {
      cm.metadata.resource_version.clear();  // unconditional write
    } else if (rng.Bernoulli(0.1)) {
      cm.metadata.resource_version = "1";  // stale: 409 with conflicts
    }
    return cm;
  };
  auto write = [&](const rt::ConfigMap& cm) {
    if (rng.Bernoulli(0.5)) {
      (void)t.Update(ConfigMaps(), cm, cm.metadata.namespace_);
    } else {
      (void)t.Patch(ConfigMaps(), cm, cm.metadata.namespace_);
    }
  };
  for (int step = 0; step < steps; ++step) {
    switch (rng.Uniform(16)) {
      case 0:
      case 1: {  // create
        rt::ConfigMap cm = Cm(std::string(Pick(kNamespaces)), std::string(Pick(kNames)));
        Relabel(cm);
        if (rng.Bernoulli(0.5)) {
          cm.metadata.finalizers = {"f"};
          if (rng.Bernoulli(0.3)) {
            cm.metadata.finalizers.push_back("g");
          }
        }
        if (rng.Bernoulli(0.1)) {
          cm.metadata.generate_name = cm.metadata.name;
          cm.metadata.name.clear();
        }
        (void)t.Create(ConfigMaps(), cm, cm.metadata.namespace_);
        break;
      }
      case 2:
      case 3: {  // update or patch: labels and data
        if (auto cm = existing()) {
          Relabel(*cm);
          if (rng.Bernoulli(0.5)) {
            cm->data["n"] = std::to_string(step);
          }
          write(*cm);
        }
        break;
      }
      case 4:
      case 5: {  // remove a finalizer, often changing labels in the same write
        if (auto cm = existing(); cm && !cm->metadata.finalizers.empty()) {
          cm->metadata.finalizers.pop_back();
          if (rng.Bernoulli(0.7)) {
            Relabel(*cm);
          }
          write(*cm);
        }
        break;
      }
      case 6: {  // add a finalizer
        if (auto cm = existing()) {
          cm->metadata.finalizers.push_back(fmt::format("h{}", step));
          write(*cm);
        }
        break;
      }
      case 7:
      case 14:
      case 15: {  // delete
        (void)t.Delete(ConfigMaps(), std::string(Pick(kNamespaces)), std::string(Pick(kNames)));
        break;
      }
      case 8:
      case 9: {  // open a watch
        const std::string_view ns = Pick(kWatchNamespaces);
        if (rng.Bernoulli(0.1)) {
          watches.push_back(*t.Watch(ConfigMaps(), ns));  // legacy: no options
          break;
        }
        rt::ListOptions opts;
        opts.label_selector = std::string(Pick(kLabelSelectors));
        opts.field_selector = std::string(Pick(kFieldSelectors));
        const std::int64_t now = t.ResourceVersion(ConfigMaps());
        switch (rng.Uniform(5)) {
          case 0:
            break;  // ""
          case 1:
            opts.resource_version = "0";
            break;
          case 2:
            opts.resource_version = std::to_string(now);
            break;
          case 3:
            opts.resource_version = std::to_string(rng.UniformInRange(1, now));
            break;
          default:
            opts.resource_version = std::to_string(now + rng.UniformInRange(1, 3));
            break;
        }
        opts.send_initial_events = rng.Bernoulli(0.2);
        opts.allow_watch_bookmarks = rng.Bernoulli(0.5);
        if (rng.Bernoulli(0.3)) {
          opts.timeout_seconds = rng.UniformInRange(1, 20);
        }
        auto w = t.Watch(ConfigMaps(), ns, opts);
        REQUIRE(w.has_value());
        watches.push_back(*w);
        break;
      }
      case 10: {  // the client stops a watch
        if (!watches.empty()) {
          watches[rng.Uniform(watches.size())]->Stop();
        }
        break;
      }
      case 11: {  // the server: ends every watch, compacts, or bookmarks
        const std::uint64_t what = rng.Uniform(4);
        if (what == 0) {
          t.EndWatches(ConfigMaps());
        } else if (what == 1) {
          t.Compact(ConfigMaps());
        } else {
          t.Bookmark(ConfigMaps());
        }
        break;
      }
      case 12: {  // delete a collection by selector
        (void)t.DeleteCollection(ConfigMaps(), Pick(kWatchNamespaces),
                                 {.label_selector = std::string(Pick(kLabelSelectors))});
        break;
      }
      default:  // let virtual time pass: timeouts and lifetimes end watches
        sim::SleepFor(std::chrono::seconds(rng.UniformInRange(1, 10)));
        break;
    }
    for (rt::WatchPtr& w : watches) {
      while (w->ResultChan().TryRecv()) {
      }
    }
    std::erase_if(watches, [](const rt::WatchPtr& w) { return w->ResultChan().Closed(); });
  }
}

sim::RunResult RunSeed(std::uint64_t seed, const fake::Options& base, int steps) {
  sim::Bubble b({.seed = seed});
  return b.Run([&] {
    fake::Options opts = base;
    sim::Rng& rng = sim::Rand();
    opts.watch_buffer = 1000;
    opts.faults.watch_end_probability = rng.Bernoulli(0.3) ? 0.05 : 0;
    opts.faults.compaction_probability = rng.Bernoulli(0.3) ? 0.2 : 0;
    if (rng.Bernoulli(0.2)) {
      opts.faults.watch_max_lifetime = 15s;
    }
    fake::Tracker t(opts);
    RandomRun(t, steps);
  });
}

}  // namespace

TEST_CASE("watch oracle: random operations under every combination of fidelity switches",
          "[fake][watch][oracle][property]") {
  // Every combination of the twelve switches, with and without a short history, two seeds each.
  constexpr std::uint64_t kSeedsPerCombination = 2;
  std::uint64_t runs = 0;
  for (std::uint64_t bits = 0; bits < 2 * kCombinations; ++bits) {
    fake::Options base;
    base.fidelity = Combination(bits);
    for (std::uint64_t k = 0; k < kSeedsPerCombination; ++k) {
      const std::uint64_t seed = bits * kSeedsPerCombination + k + 1;
      const sim::RunResult r = RunSeed(seed, base, 100);
      ++runs;
      if (!r.Passed()) {
        INFO("seed " << seed << ", switches: "
                     << fmt::format("{}", fmt::join(base.fidelity.EnabledNames(), " ")));
        INFO(r.report);
        REQUIRE(r.Passed());
      }
    }
  }
  CHECK(runs == 2 * kCombinations * kSeedsPerCombination);
}

TEST_CASE("watch oracle: the random runs find the fake's finalizer bug of issue 11 when planted",
          "[fake][watch][oracle][property]") {
  fake::Options base;  // every switch on
  base.bugs.finalizer_delete_new_state = true;
  int caught = 0;
  constexpr int kSeeds = 200;
  for (int seed = 1; seed <= kSeeds; ++seed) {
    const sim::RunResult r = RunSeed(static_cast<std::uint64_t>(seed), base, 100);
    if (!r.Passed()) {
      ++caught;
      REQUIRE(r.failure->kind == sim::FailureKind::kInvariant);
      REQUIRE_THAT(r.failure->message, Catch::Matchers::StartsWith("watch oracle: "));
    }
  }
  INFO(caught << " of " << kSeeds << " seeds caught the planted bug");
  CHECK(caught >= kSeeds / 10);
}
