// fake/include/bubble/fake/liveness.h
//
// Liveness: the settle-phase oracle (docs/concepts.md, "Liveness and convergence"). It tracks the
// fake API servers and the queues of a run; Settle() stops the servers' faults at the settle
// phase's time T and fails the run as not converged (sim::FailureKind::kNotConverged) unless, by
// T + Δ, no API write came for a quiet window and every tracked queue is idle.
//
//   fake::Liveness live;                    // the phase: sim::Options::settle of the run
//   live.Track(cs);                         // a fake::Clientset (shared_ptr)
//   live.Track("queue", controller.Queue());  // anything with `bool Idle() const`
//   ... start the controllers, make the changes ...
//   live.Settle();                          // from a fiber: returns once quiescent
//
// A scenario gets one from its context (scenarios::ScenarioContext::Liveness(): the harness then
// also reaches the tracked clientsets for `bubble sweep --check-convergence`); a test using
// testing::RunSeeds makes its own and declares the phase in SeedSweep::settle.
//
// What quiescent means:
//  - no write request (create, update, patch, delete; accepted or refused) reached a tracked
//    server during the last `quiet_window` (Clientset::Writes());
//  - every tracked queue reports Idle(): for a workqueue that includes items waiting in AddAfter
//    (a pending retry or backoff), for an informer every event delivered;
//  - timers: only periodic ones may be pending. A timer counts as periodic unless a tracked
//    queue owns it: sleeps, tickers and resync or lease-renewal timers may stay pending, since
//    what matters is whether they lead to writes, which the quiet window measures; a delayed
//    requeue is pending work, seen through its queue's Idle(). To make other pending work count,
//    track it: Track("name", [&] { return !retry_pending; }).
// The failure names the objects and fibers that kept writing after T with their write rate (per
// virtual second), and the queues still busy; the run's report adds the replay command.
//
// Threading: Track before or during the run; Settle() from one fiber of the running bubble.
// Lifetime: tracked queues must outlive Settle(); clientsets are shared.
#pragma once

#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <bubble/fake/clientset.h>
#include <bubble/sim/settle_phase.h>

namespace bubble::fake {

class Liveness {
 public:
  // The phase comes from the running bubble's sim::Options::settle (defaults when unset).
  Liveness() = default;

  explicit Liveness(sim::SettlePhase phase) : phase_(phase) {}

  // A fake API server: its faults stop at T, its writes are judged, and its final state is the
  // one `--check-convergence` compares.
  void Track(std::shared_ptr<Clientset> clientset);
  // Pending work: quiescence needs `idle()` to hold.
  void Track(std::string name, std::function<bool()> idle);
  // Anything with `bool Idle() const` (a workqueue, an informer), kept by reference.
  template <class Idler>

  requires requires(const Idler& q) {
    { q.Idle() } -> std::convertible_to<bool>;
  }

  void Track(std::string name, const Idler& idler) {
    Track(std::move(name), std::function<bool()>([&idler] { return idler.Idle(); }));
  }

  // Runs the settle phase from the calling fiber: sleeps until T (now, if T has passed), clears
  // the tracked servers' faults (keeping their latency with SettlePhase::keep_latency), then waits
  // until quiescent; sim::FailNotConverged if it is not by T + Δ. Returns the virtual time at which
  // the system was quiescent.
  sim::TimePoint Settle();

  // The phase Settle() uses (the constructor's, else the bubble's, else the defaults).
  sim::SettlePhase Phase() const;

  const std::vector<std::shared_ptr<Clientset>>& Clientsets() const noexcept { return clientsets_; }

  // Whether Settle() returned (the system was quiescent).
  bool Settled() const noexcept { return settled_; }

 private:
  struct Idler {
    std::string name;
    std::function<bool()> idle;
  };

  std::optional<sim::SettlePhase> phase_{};
  std::vector<std::shared_ptr<Clientset>> clientsets_{};
  std::vector<Idler> idlers_{};
  bool settled_ = false;
};

}  // namespace bubble::fake
