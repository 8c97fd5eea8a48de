// scenarios/src/status_ping_pong.cc
//
// S17 — non-convergence: self-triggered loops and status ping-pong (docs/scenarios.md).
//
// Widgets (example.com/v1, served as an unstructured kind with a status subresource) are
// created by a driver at fixed virtual times: the inputs do not depend on the schedule, so the
// scenario is convergent (`bubble sweep --check-convergence`). Two controllers share the
// widgets' informer:
//  - C, the status writer, writes status.observedSize (spec.size) and status.endpoint, which it
//    spells "HTTP://<NAME>.Example.COM";
//  - D, the normaliser, lower-cases status.endpoint when it is not (an admission webhook or a
//    second controller that normalises a field another one sets).
// The correct C compares its desired endpoint with the stored one after normalising it, so once
// D has normalised the field neither writes again. The fake API server fails 20% of the status
// writes until the settle phase stops the faults at T = 2s (latency, an option, stays: it is the
// network's); by T + 5s the system must be quiescent: no API write for 1s, both queues and the
// informer idle (fake::Liveness, docs/concepts.md "Liveness and convergence").
//
// Invariants:
//  - quiescent-after-faults (not converged): the settle phase above;
//  - writes-per-instant (not converged): at most 200 writes (an option) at one virtual instant
//    (a fight at zero latency never lets time move);
//  - status-reflects-spec: after settling, every widget's status.observedSize is its spec.size
//    and status.endpoint the normalised endpoint.
//
// Planted bugs (each a not-converged failure, with and without latency):
//  - self-trigger: C writes status.lastReconcileTime = now on every reconcile and reacts to its
//    own status events (client-go#722): a write per reconcile, a reconcile per write;
//  - ping-pong: C compares the raw endpoint, so it rewrites its spelling after D normalised it,
//    and D normalises it again: the ping-pong pair.
#include <algorithm>
#include <cctype>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/controller/controller.h>
#include <bubble/runtime/unstructured.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "catalogue.h"
#include "widget_kind.h"

namespace bubble::scenarios {

namespace {

using namespace std::chrono_literals;
namespace rt = bubble::runtime;
namespace cache = bubble::runtime::cache;
namespace ctrl = bubble::runtime::controller;
using detail::WidgetKind;
using detail::WidgetResource;

constexpr char kNamespace[] = "default";

struct State {
  std::shared_ptr<fake::Clientset> cs;
  int widgets = 3;
  bool self_trigger = false;
  bool ping_pong = false;
};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// C's spelling of a widget's endpoint.
std::string Endpoint(const std::string& name) {
  return fmt::format("HTTP://{}.Example.COM", Upper(name));
}

std::string StatusString(const rt::Unstructured& w, const char* field) {
  const auto status = w.content.find("status");
  if (status == w.content.end() || !status->is_object() || !status->contains(field) ||
      !(*status)[field].is_string()) {
    return {};
  }
  return (*status)[field].get<std::string>();
}

std::int64_t StatusInt(const rt::Unstructured& w, const char* field) {
  const auto status = w.content.find("status");
  if (status == w.content.end() || !status->is_object() || !status->contains(field) ||
      !(*status)[field].is_number_integer()) {
    return -1;
  }
  return (*status)[field].get<std::int64_t>();
}

std::int64_t SpecSize(const rt::Unstructured& w) {
  const auto spec = w.content.find("spec");
  if (spec == w.content.end() || !spec->contains("size")) {
    return 0;
  }
  return (*spec)["size"].get<std::int64_t>();
}

rt::Result<ctrl::ReconcileResult> UpdateStatus(State& s, const rt::Unstructured& next) {
  auto updated = s.cs->Resource(WidgetResource(), kNamespace)
                     ->UpdateStatus(sim::Context::Background(), next, {});
  if (!updated) {
    return rt::Err(updated.error());  // a conflict (the cache was behind) or a fault: retry
  }
  return ctrl::ReconcileResult::Done();
}

// C: status.observedSize and status.endpoint from the spec.
rt::Result<ctrl::ReconcileResult> ReconcileStatus(State& s, cache::SharedIndexInformer& widgets,
                                                  const std::string& key) {
  rt::ObjectPtr obj = widgets.GetIndexer().GetByKey(key);
  if (obj == nullptr) {
    return ctrl::ReconcileResult::Done();
  }
  auto widget = rt::As<rt::Unstructured>(obj);
  if (!widget) {
    return rt::Err(widget.error());
  }
  const rt::Unstructured& w = **widget;
  const std::string want = Endpoint(w.metadata.name);
  const std::string have = StatusString(w, "endpoint");
  // The correct comparison is semantic: D's lower-cased spelling is the same endpoint.
  const bool endpoint_ok = s.ping_pong ? have == want : Lower(have) == Lower(want);
  const bool size_ok = StatusInt(w, "observedSize") == SpecSize(w);
  if (endpoint_ok && size_ok && !s.self_trigger) {
    return ctrl::ReconcileResult::Done();
  }
  rt::Unstructured next = w;
  if (!endpoint_ok) {
    next.content["status"]["endpoint"] = want;
  }
  next.content["status"]["observedSize"] = SpecSize(w);
  if (s.self_trigger) {
    next.content["status"]["lastReconcileTime"] = sim::FormatIsoTime(sim::Now());
  }
  return UpdateStatus(s, next);
}

// D: status.endpoint lower-cased.
rt::Result<ctrl::ReconcileResult> Normalize(State& s, cache::SharedIndexInformer& widgets,
                                            const std::string& key) {
  rt::ObjectPtr obj = widgets.GetIndexer().GetByKey(key);
  if (obj == nullptr) {
    return ctrl::ReconcileResult::Done();
  }
  auto widget = rt::As<rt::Unstructured>(obj);
  if (!widget) {
    return rt::Err(widget.error());
  }
  const std::string have = StatusString(**widget, "endpoint");
  if (have == Lower(have)) {
    return ctrl::ReconcileResult::Done();
  }
  rt::Unstructured next = **widget;
  next.content["status"]["endpoint"] = Lower(have);
  return UpdateStatus(s, next);
}

void Check(State& s) {
  auto ws = s.cs->Resource(WidgetResource(), kNamespace)->List(sim::Context::Background(), {});
  if (!ws) {
    sim::Fail(fmt::format("list widgets: {}", ws.error().message));
  }
  if (static_cast<int>(ws->items.size()) != s.widgets) {
    sim::Fail(fmt::format("invariant status-reflects-spec violated: {} widgets, want {}",
                          ws->items.size(), s.widgets));
  }
  for (const rt::ObjectPtr& obj : ws->items) {
    auto w = rt::As<rt::Unstructured>(obj);
    if (!w) {
      sim::Fail(w.error().message);
    }
    const std::string want = Lower(Endpoint(obj->metadata.name));
    if (StatusString(**w, "endpoint") != want || StatusInt(**w, "observedSize") != SpecSize(**w)) {
      sim::Fail(fmt::format(
          "invariant status-reflects-spec violated: widget {} has status endpoint \"{}\" and "
          "observedSize {}, want \"{}\" and {}",
          obj->metadata.name, StatusString(**w, "endpoint"), StatusInt(**w, "observedSize"), want,
          SpecSize(**w)));
    }
  }
}

void Run(State& s, fake::Liveness& live) {
  cache::InformerFactory factory(*s.cs);
  cache::SharedIndexInformer& widgets = factory.InformerFor(WidgetResource(), WidgetKind());
  ctrl::Controller writer({.name = "status-writer", .workers = 1},
                          [&](const sim::Context&, const std::string& key) {
                            return ReconcileStatus(s, widgets, key);
                          });
  ctrl::Controller normaliser(
      {.name = "normaliser", .workers = 1},
      [&](const sim::Context&, const std::string& key) { return Normalize(s, widgets, key); });
  if (!writer.Watch(widgets) || !normaliser.Watch(widgets)) {
    sim::Fail("could not watch the widgets");
  }
  live.Track("status-writer queue", writer.Queue());
  live.Track("normaliser queue", normaliser.Queue());
  live.Track("widgets informer", widgets);
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  factory.Start(ctx);
  sim::WaitGroup fibers("status ping-pong");
  // Init-captures: clang 14 cannot capture a structured binding.
  fibers.Go("status-writer", [&writer, &ctx = ctx] { writer.Run(ctx); });
  fibers.Go("normaliser", [&normaliser, &ctx = ctx] { normaliser.Run(ctx); });
  fibers.Go("driver", [&s] {
    // Fixed inputs at fixed times: the final state does not depend on the schedule.
    auto client = s.cs->Resource(WidgetResource(), kNamespace);
    for (int i = 0; i < s.widgets; ++i) {
      sim::SleepUntil(sim::Clock::Epoch() + 100ms * (i + 1));
      rt::Unstructured w(WidgetKind(), {.name = fmt::format("w{}", i), .namespace_ = kNamespace},
                         {{"spec", {{"size", i + 1}}},
                          // A status from the start: the kind has a status subresource.
                          {"status", nlohmann::json::object()}});
      if (auto created = client->Create(sim::Context::Background(), w, {}); !created) {
        sim::Fail(fmt::format("create widget: {}", created.error().message));
      }
    }
  });
  live.Settle();
  Check(s);
  cancel();
  fibers.Wait();
  factory.Shutdown();
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->widgets = static_cast<int>(ctx.IntOption("widgets"));
  s->self_trigger = ctx.Bug("self-trigger");
  s->ping_pong = ctx.Bug("ping-pong");
  fake::Options server;
  server.scheme.RegisterUnstructured(WidgetKind(), true, WidgetResource().resource);
  server.record_actions = false;  // nothing reads them; a fight would keep every request
  server.writes_per_instant = static_cast<std::size_t>(ctx.IntOption("writes-per-instant"));
  server.faults.errors.push_back({.verb = "update",
                                  .resource = "widgets/status",
                                  .probability = 0.2,
                                  .error = rt::NewInternalError("injected fault")});
  if (ctx.Option("latency") == "random") {
    server.faults.latency.push_back({.min = 1ms, .max = 3ms});
  }
  s->cs = std::make_shared<fake::Clientset>(std::move(server));
  ctx.Liveness().Track(s->cs);
  fake::Liveness* live = &ctx.Liveness();
  return [s, live] { Run(*s, *live); };
}

}  // namespace

Scenario StatusPingPongScenario() {
  Scenario s;
  s.name = "status-ping-pong";
  s.catalogue = "S17";
  s.description =
      "a status writer and a normaliser share a field; after the faults stop, writes must stop";
  s.options = {
      {.key = "widgets",
       .default_value = "3",
       .description = "Widgets the driver creates (at 100ms, 200ms, ...)",
       .int_range = std::pair<std::int64_t, std::int64_t>{1, 20}},
      {.key = "latency",
       .default_value = "none",
       .description = "API latency: none (a fight never lets time move: the per-instant write "
                      "budget ends it) or random (1-3ms per request and response, also after "
                      "the faults stop: the settle phase ends a fight)",
       .allowed = {"none", "random"}},
      {.key = "writes-per-instant",
       .default_value = "200",
       .description = "fake::Options::writes_per_instant (0: no budget; a fight at zero latency "
                      "then runs into the step limit)",
       .int_range = std::pair<std::int64_t, std::int64_t>{0, 1'000'000}},
  };
  s.bugs = {
      {.name = "self-trigger",
       .description = "C writes status.lastReconcileTime = now every reconcile and reacts to its "
                      "own status events: it never stops writing",
       .seed_budget = 5},
      {.name = "ping-pong",
       .description = "C compares the raw endpoint and rewrites its spelling after D normalised "
                      "it: C and D fight over one field for ever",
       .seed_budget = 5},
  };
  // Latency is the network's, not an injected failure: it stays after T, so a fight with
  // latency goes on with time moving and the settle phase ends it.
  s.settle =
      sim::SettlePhase{.faults_stop = 2s, .within = 5s, .quiet_window = 1s, .keep_latency = true};
  s.convergent = true;
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
