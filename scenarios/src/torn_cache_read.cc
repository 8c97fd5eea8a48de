// scenarios/src/torn_cache_read.cc
//
// A race between two reads of an informer's cache. A controller renders ConfigMap "app" of
// namespace "default" into "app-rendered": the rendered object carries the source's image and
// its tag, which the writer always changes together (one update sets both to version v). The
// controller's reconcile reads the source from its lister, and the planted bug reads it twice —
// once in a helper that resolves the image, once in another that resolves the tag — the way a
// reconcile split into small functions, each taking the lister, ends up doing. On a cluster the
// informer updates its cache from another goroutine, so an update landing between the two reads
// renders an image of one version with a tag of another. In a bubble the two reads are only apart
// by a preemption point (sim/include/bubble/sim/preempt.h, kind `cache`): with `--preempt` not
// including `cache` the bug cannot be found on any seed; with the default it is.
//
// A writer updates the source `updates` times, each update at once after the previous one
// returned (so an update is often in flight while the controller reconciles the one before).
//
// Invariants:
//  - consistent-snapshot (checked by the server on every write of the rendered object): image and
//    tag come from the same version of the source;
//  - converges: once the writer is done and the controller idle, the rendered object matches the
//    source's last version.
//
// Planted bug:
//  - read-twice: the image and the tag come from two lister reads.
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/controller/controller.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "catalogue.h"

namespace bubble::scenarios {

namespace {

using namespace std::chrono_literals;
namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;
namespace ctrl = bubble::runtime::controller;

constexpr char kNamespace[] = "default";
constexpr char kSource[] = "app";
constexpr char kRendered[] = "app-rendered";
// Long enough for the controller to catch up with the last update (and retry a conflict).
constexpr sim::Duration kSettle = 10s;

struct State {
  std::shared_ptr<fake::Clientset> cs;
  int updates = 6;
  bool read_twice = false;
};

std::map<std::string, std::string> SourceData(int version) {
  const std::string v = fmt::format("v{}", version);
  return {{"image", "registry.example/app:" + v}, {"tag", v}};
}

// The value of `field` in the cached source (a helper of its own, as in many controllers).
rt::Result<std::string> CachedField(const cache::Lister<rt::ConfigMap>& lister,
                                    const std::string& field) {
  auto source = lister.Namespace(kNamespace).Get(kSource);
  if (!source) {
    return rt::Err(source.error());
  }
  const auto it = (*source)->data.find(field);
  return it == (*source)->data.end() ? std::string() : it->second;
}

rt::Result<ctrl::ReconcileResult> Reconcile(State& s, const cache::Lister<rt::ConfigMap>& lister) {
  std::string image;
  std::string tag;
  if (s.read_twice) {
    auto i = CachedField(lister, "image");
    auto t = i ? CachedField(lister, "tag") : rt::Result<std::string>(rt::Err(i.error()));
    if (!t) {
      return rt::IsNotFound(t.error())
                 ? rt::Result<ctrl::ReconcileResult>(ctrl::ReconcileResult::Done())
                 : rt::Err(t.error());
    }
    image = *i;
    tag = *t;
  } else {
    auto source = lister.Namespace(kNamespace).Get(kSource);  // one read: one version
    if (!source) {
      return rt::IsNotFound(source.error())
                 ? rt::Result<ctrl::ReconcileResult>(ctrl::ReconcileResult::Done())
                 : rt::Err(source.error());
    }
    image = (*source)->data.at("image");
    tag = (*source)->data.at("tag");
  }
  const std::map<std::string, std::string> want{{"image", image}, {"tag", tag}};
  auto rendered_client = s.cs->ConfigMaps(kNamespace);
  auto rendered = lister.Namespace(kNamespace).Get(kRendered);
  if (!rendered) {
    if (!rt::IsNotFound(rendered.error())) {
      return rt::Err(rendered.error());
    }
    auto created =
        rendered_client.Create(rt::ConfigMap({.name = kRendered, .namespace_ = kNamespace}, want));
    if (!created) {
      return rt::Err(created.error());  // AlreadyExists: the cache is behind; retry
    }
  } else if ((*rendered)->data != want) {
    rt::ConfigMap next = **rendered;
    next.data = want;
    auto updated = rendered_client.Update(next);
    if (!updated) {
      return rt::Err(updated.error());  // Conflict: retry from the cache
    }
  }
  return ctrl::ReconcileResult::Done();
}

// The server's check on every write of the rendered object.
fake::Reaction CheckRendered(const fake::Action& a) {
  if ((a.verb == "create" || a.verb == "update") && a.name == kRendered && a.object != nullptr) {
    const auto* cm = dynamic_cast<const rt::ConfigMap*>(a.object.get());
    if (cm != nullptr) {
      const auto image = cm->data.find("image");
      const auto tag = cm->data.find("tag");
      const bool consistent = image != cm->data.end() && tag != cm->data.end() &&
                              image->second.ends_with(":" + tag->second);
      if (!consistent) {
        sim::Fail(fmt::format(
            "invariant consistent-snapshot violated: {} {} renders image \"{}\" with tag \"{}\", "
            "two versions of {}: the controller read the informer's cache twice and the "
            "informer updated it in between",
            a.verb, kRendered, image != cm->data.end() ? image->second : "",
            tag != cm->data.end() ? tag->second : "", kSource));
      }
    }
  }
  return fake::Reaction::Unhandled();
}

void Writer(State& s) {
  auto client = s.cs->ConfigMaps(kNamespace);
  for (int v = 1; v <= s.updates; ++v) {
    auto current = client.Get(kSource);
    if (!current) {
      sim::Fail(fmt::format("the writer could not read {}: {}", kSource, current.error().message));
    }
    rt::ConfigMap next = **current;
    next.data = SourceData(v);
    if (auto updated = client.Update(next); !updated) {
      sim::Fail(fmt::format("the writer's update {} failed: {}", v, updated.error().message));
    }
  }
}

void Check(State& s) {
  auto source = s.cs->ConfigMaps(kNamespace).Get(kSource);
  auto rendered = s.cs->ConfigMaps(kNamespace).Get(kRendered);
  const std::string want = fmt::format("v{}", s.updates);
  if (!source || !rendered || (*rendered)->data.at("tag") != want ||
      (*rendered)->data != (*source)->data) {
    sim::Fail(
        fmt::format("invariant converges violated: {} after the last update {} holds tag "
                    "\"{}\", want \"{}\"",
                    sim::FormatDuration(kSettle), kRendered,
                    rendered ? (*rendered)->data.at("tag") : std::string("(missing)"), want));
  }
}

void Run(State& s) {
  s.cs->PrependReactor("*", "configmaps", [](fake::Action& a) { return CheckRendered(a); });
  if (auto created =
          s.cs->ConfigMaps(kNamespace)
              .Create(rt::ConfigMap({.name = kSource, .namespace_ = kNamespace}, SourceData(0)));
      !created) {
    sim::Fail(fmt::format("creating {} failed: {}", kSource, created.error().message));
  }
  cache::InformerFactory factory(*s.cs);
  auto lister = factory.ListerFor<rt::ConfigMap>();
  ctrl::Controller controller(
      {.name = "render"},
      [&s, &lister](const sim::Context&, const std::string&) { return Reconcile(s, lister); });
  // Every ConfigMap of the namespace maps to the one key: the rendered object's own changes
  // reconcile too (drift is repaired).
  auto watched = controller.Watch(factory.InformerFor<rt::ConfigMap>(),
                                  [](const rt::ObjectPtr&) -> std::vector<std::string> {
                                    return {std::string(kNamespace) + "/" + kSource};
                                  });
  if (!watched) {
    sim::Fail(watched.error().message);
  }
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  factory.Start(ctx);
  sim::WaitGroup fibers("torn-cache-read scenario");
  fibers.Go("controller", [&controller, &ctx = ctx] { controller.Run(ctx); });
  Writer(s);
  sim::SleepFor(kSettle);
  Check(s);
  cancel();
  fibers.Wait();
  factory.Shutdown();
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->updates = static_cast<int>(ctx.IntOption("updates"));
  s->read_twice = ctx.Bug("read-twice");
  s->cs = std::make_shared<fake::Clientset>();  // resourceVersions and conflicts by default
  return [s] { Run(*s); };
}

}  // namespace

Scenario TornCacheReadScenario() {
  Scenario s;
  s.name = "torn-cache-read";
  s.description =
      "a controller reads the informer's cache twice for one object and renders two versions "
      "of it";
  s.options = {
      {.key = "updates",
       .default_value = "6",
       .description = "updates of the source, one right after another",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 50}},
  };
  s.bugs = {
      {.name = "read-twice",
       .description = "image and tag come from two lister reads of the source",
       .seed_budget = 100},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
