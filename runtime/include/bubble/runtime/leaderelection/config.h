// runtime/include/bubble/runtime/leaderelection/config.h
//
// LeaderElectionConfig: everything a LeaderElector needs (client-go's
// leaderelection.LeaderElectionConfig and LeaderCallbacks, docs/semantics.md §8.1).
//
//   LeaderElectionConfig config{
//       .lock = lock,                      // a LeaseLock, typically
//       .lease_duration = 15s, .renew_deadline = 10s, .retry_period = 2s,
//       .callbacks = {.on_started_leading = [](const sim::Context& ctx) { RunController(ctx); },
//                     .on_stopped_leading = [] { ... }},
//       .release_on_cancel = true,
//       .name = "my-controller"};
//
// NewLeaderElector (leader_elector.h) checks, in this order and with client-go's messages:
//   lease_duration > renew_deadline        "leaseDuration must be greater than renewDeadline"
//   renew_deadline > 1.2 * retry_period    "renewDeadline must be greater than
//                                           retryPeriod*JitterFactor"
//   each duration > 0                      "leaseDuration must be greater than zero" (and
//                                           renewDeadline, retryPeriod)
//   both required callbacks set            "OnStartedLeading callback must not be nil",
//                                          "OnStoppedLeading callback must not be nil"
//   a lock with an identity                "Lock must not be nil.", "Lock identity is empty"
// The first two rules are what make a single leader possible at all: an old leader gives up after
// renew_deadline of failed renewals, and others wait lease_duration after they last saw the
// record change (docs/semantics.md §8.5).
//
// Not implemented: Coordinated (LeaseCandidate) election and metrics. Name is used in logs and in
// the health check's message.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <bubble/runtime/leaderelection/resource_lock.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/context.h>

namespace bubble::runtime::leaderelection {

class HealthzAdaptor;

// leaderelection.JitterFactor: the acquire loop waits retry_period * [1, 1 + 1.2) between tries.
inline constexpr double kJitterFactor = 1.2;

struct LeaderCallbacks {
  // Runs in its own fiber when this candidate becomes leader; `ctx` is cancelled when it stops
  // leading. Run does not wait for it (docs/semantics.md §8.5): code that must stop before another
  // replica leads has to watch ctx and keep its own deadline.
  std::function<void(const sim::Context& ctx)> on_started_leading{};
  // Runs in Run's fiber when Run returns, after leadership ended and ctx above was cancelled. It
  // also runs for a candidate that never led (client-go keeps that for compatibility).
  std::function<void()> on_stopped_leading{};
  // Optional: runs in a new fiber whenever the holder observed after an attempt differs from the
  // one last reported: this candidate's own identity included, and "" if it read a released lock
  // it then failed to take.
  std::function<void(const std::string& identity)> on_new_leader{};
};

struct LeaderElectionConfig {
  std::shared_ptr<ResourceLock> lock{};
  // How long a non-leader waits after it last saw the record change before it takes over.
  sim::Duration lease_duration{};
  // How long the leader keeps retrying a renewal before it gives up leading.
  sim::Duration renew_deadline{};
  // How long to wait between attempts (acquire: jittered by kJitterFactor).
  sim::Duration retry_period{};
  LeaderCallbacks callbacks{};
  // Optional: RunOrDie attaches the elector to it, for health checks.
  std::shared_ptr<HealthzAdaptor> watch_dog{};
  // When Run's context is cancelled while leading, clear the holder (and set the duration to 1 s)
  // so another candidate can take over at once instead of after lease_duration.
  bool release_on_cancel = false;
  // Names the election in logs and health check messages.
  std::string name{};
};

}  // namespace bubble::runtime::leaderelection
