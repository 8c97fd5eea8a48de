// scenarios/include/bubble/scenarios/restartable.h
//
// File: restartable components and the crash fault (docs/concepts.md, "Crash and restart").
//
// A component is what a real controller binary is: informers with their caches, queues, workers
// and in-memory state. A scenario names it and gives a function that builds a FRESH instance
// and runs it until its context ends; Restartable runs that function as a sim::Process and,
// when the component crashes, kills the process (every fiber of it unwound where it stands,
// the way a process dies) and, after a restart delay of virtual time, calls the function again:
// new caches that list from the server, an empty queue, nothing remembered.
//
//   auto c = std::make_shared<scenarios::Restartable>(*cs, scenarios::ComponentSpec{
//       .name = "controller",
//       .run = [&](const sim::Context& ctx) {
//         cache::InformerFactory factory(*cs);           // built inside: fresh on each start
//         ctrl::Controller controller(...);
//         factory.Start(ctx);
//         controller.Run(ctx);
//         factory.Shutdown();
//       }},
//       scenarios::ResolveCrashPoint(scenario_ctx, /*max_write=*/5));
//   c->Start(ctx);       // from a fiber; returns at once
//   ...
//   cancel(); c->Wait();
//
// The crash fault. A CrashPoint names the component's k-th write request (create, update,
// patch, delete, delete-collection: counted from its first start, by the process of the
// requesting fiber) and a phase: before the server handles it (the request never arrives) or
// after the server applied it (the response is lost). The component crashes there once; its
// restarts run uncrashed. Crash() crashes it at any moment (a driver fiber's "C is down now").
// A scenario exposes the crash point as options (CrashOptions: --set crash=none|seeded|K,
// --set crash-phase=before|after|seeded); "seeded" draws it from the run's seed (a generator
// stream of its own, so no other draw moves): different seeds crash at different points, and a
// seed always crashes at the same one, so replay (which keeps the seed) and shrink (which only
// changes scheduling decisions) reproduce it. The crash and the restart are trace instants
// ("crash", "restart") and History() lines, for the scenario's failure messages.
//
// Threading: construct outside or inside the bubble; Start, Crash, Wait from fibers of it. The
// object must outlive the run (its reactor stays on the clientset): keep it in the scenario's
// shared state.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/fake/clientset.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/context.h>
#include <bubble/sim/process.h>
#include <bubble/sim/rng.h>

namespace bubble::scenarios {

enum class CrashPhase {
  kBeforeServer,  // the request never reaches the server
  kAfterApplied,  // the server applied it; the component dies before it sees the response
};

std::string_view CrashPhaseName(CrashPhase phase) noexcept;

struct CrashPoint {
  // The component's write request to crash at (1-based); 0: never.
  int write = 0;
  CrashPhase phase = CrashPhase::kBeforeServer;
  // How it was chosen, for messages: "--set crash=3" or "seeded".
  std::string source{};

  std::string Describe() const;  // "before the server handled write #3" or "no crash"
};

// The options a scenario declares to choose a crash point: crash (none|seeded|1..max_write,
// default `default_crash`) and crash-phase (before|after|seeded, default seeded).
std::vector<OptionSpec> CrashOptions(int max_write, std::string default_crash = "seeded");

// The crash point those options name for this run. "seeded": drawn from the seed, the write in
// 1..max_write, the phase before or after.
CrashPoint ResolveCrashPoint(const ScenarioContext& ctx, int max_write);

// A per-seed generator for other crash-related choices of a scenario (when to crash, when to
// act while the component is down), separate from sim::Rand() and from ResolveCrashPoint's.
sim::Rng CrashRng(const ScenarioContext& ctx);

struct ComponentSpec {
  std::string name{};
  // Builds a fresh instance and runs it until `ctx` ends (the root fiber of its process).
  std::function<void(const sim::Context& ctx)> run{};
  sim::Duration restart_delay = std::chrono::seconds(1);
};

class Restartable {
 public:
  Restartable(fake::Clientset& cs, ComponentSpec spec, CrashPoint crash = {});
  Restartable(const Restartable&) = delete;
  Restartable& operator=(const Restartable&) = delete;

  // Starts the component and its supervisor ("<name>/supervisor", a process of its own),
  // which restarts it after a crash until `ctx` ends. From a fiber.
  void Start(const sim::Context& ctx);
  // Waits until the supervisor is done (after `ctx` ended and the instance returned).
  void Wait();
  // Crashes the running instance now (from a fiber outside it; from inside, it unwinds the
  // caller too). Nothing if it is down.
  void Crash(std::string why);

  const std::string& Name() const noexcept { return spec_.name; }

  bool Down() const noexcept { return !process_.Alive(); }

  int Starts() const noexcept { return starts_; }

  int Crashes() const noexcept { return crashes_; }

  // The writes counted toward the crash point (the first incarnation's, up to the crash).
  int Writes() const noexcept { return writes_; }

  // "component controller crashed at +0s before the server handled write #2 (create configmaps
  // apps/app-child); restarted at +1s", or "component controller did not crash (crash point:
  // write #7, never reached)".
  std::string History() const;

 private:
  fake::Reaction OnRequest(fake::Action& action);
  void Supervise(sim::Context ctx);
  void Note(std::string line);

  fake::Clientset& cs_;
  ComponentSpec spec_;
  CrashPoint crash_;
  sim::Process process_;
  // The supervisor runs as a process of its own: waiting for it needs no primitive in this
  // object, which may die (with the scenario's state) before the run's fibers do.
  sim::Process supervisor_;
  int starts_ = 0;
  int crashes_ = 0;
  int writes_ = 0;
  bool crashed_at_point_ = false;
  std::vector<std::string> history_;
};

}  // namespace bubble::scenarios
