// runtime/include/bubble/runtime/leaderelection/leader_elector.h
//
// File: LeaderElector, client-go's tools/leaderelection on the virtual clock (docs/semantics.md
// §8).
//
//   auto elector = NewLeaderElector(config);          // validation errors as Status values
//   if (!elector) return elector.error();
//   sim::Spawn("leaderelection/pod-a", [e = *elector, c = ctx] { e->Run(c); });
//
// Run(ctx), as client-go's:
//  1. Acquire: try at once, then every retry_period * [1, 2.2) (jitter drawn from the bubble's
//     generator) until an attempt succeeds or ctx is done.
//  2. Start on_started_leading(leader_ctx) in fiber "leaderelection/<identity>/leading".
//  3. Renew: every retry_period (sliding) run a poll that tries at once, then on a
//     retry_period ticker, until one try succeeds or renew_deadline passes. A poll that runs out
//     (or ctx being done) ends leadership.
//  4. If release_on_cancel: re-read the lock and, if still the observed leader, write holder ""
//     with a 1 s duration. Record "stopped leading", cancel leader_ctx, call on_stopped_leading.
// After every acquire attempt and every renew poll, a change of the observed holder is reported
// to on_new_leader in a fiber "leaderelection/<identity>/new-leader".
//
// One attempt (TryAcquireOrRenew, §8.3): a leader whose lease is still valid locally updates the
// lock directly with the cached resourceVersion (fast path) and falls back to get-then-update on
// failure. Otherwise: get (create when absent); a record whose bytes changed since the last look
// restarts the local expiry clock (observed time := now); a record held by someone else and
// observed less than its leaseDurationSeconds ago is respected; else update it to hold this
// candidate (transitions + 1 when taking over). Expiry is judged only by when this candidate saw
// the record change, never by renewTime, so clock skew does not matter and a fresh candidate
// always waits a full lease duration.
//
// Determinism: every wait is on the virtual clock; the acquire jitter is the only random draw,
// one per attempt, from sim::Rand(). No other source of order reaches the trace.
// Logging: the bubble's "leaderelection" logger, with client-go's messages (klog V(4)+ at trace).
// Threading: Run from one fiber of the bubble; IsLeader, GetLeader and Check from any fiber of it.
// Lifetime: the elector must outlive Run. The fibers it spawns hold only copies of the callbacks
// and of leader_ctx, so they may outlive the elector (and on_started_leading may outlive Run).
#pragma once

#include <memory>
#include <string>

#include <bubble/runtime/leaderelection/config.h>
#include <bubble/runtime/leaderelection/record.h>
#include <bubble/runtime/status.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/context.h>

namespace bubble::runtime::leaderelection {

class LeaderElector {
 public:
  // Use NewLeaderElector, which validates the config.
  explicit LeaderElector(LeaderElectionConfig config);
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Contends for leadership until ctx is done, leads while it can, then returns (see above).
  void Run(const sim::Context& ctx);

  // Whether the last observed record names this candidate.
  bool IsLeader() const;
  // The holder of the last observed record ("" if none).
  const std::string& GetLeader() const;
  // Health: an error if this candidate thinks it leads but has not renewed for longer than
  // lease_duration + max_tolerable_expired_lease ("failed election to renew leadership on lease
  // <name>"). Not leading is healthy.
  Result<void> Check(sim::Duration max_tolerable_expired_lease) const;

  // One acquire-or-renew attempt (exposed for tests, as client-go's package-level tests use it).
  bool TryAcquireOrRenew(const sim::Context& ctx);

  const LeaderElectionRecord& ObservedRecord() const noexcept { return observed_record_; }

  sim::TimePoint ObservedTime() const noexcept { return observed_time_; }

  const LeaderElectionConfig& Config() const noexcept { return config_; }

 private:
  bool Acquire(const sim::Context& ctx);
  void Renew(const sim::Context& ctx);
  bool Release();
  bool IsLeaseValid(sim::TimePoint now) const;
  void SetObservedRecord(const LeaderElectionRecord& record);
  void MaybeReportTransition();
  std::string FiberName(std::string_view what) const;

  LeaderElectionConfig config_;
  LeaderElectionRecord observed_record_{};
  std::string observed_raw_record_{};
  sim::TimePoint observed_time_{};
  // The holder last reported to on_new_leader; may lag observed_record_ within an attempt.
  std::string reported_leader_{};
};

// Validates `config` (config.h lists the rules and messages) and builds an elector. Errors are
// client-side Status values (code 0) whose message is client-go's.
Result<std::shared_ptr<LeaderElector>> NewLeaderElector(LeaderElectionConfig config);

// NewLeaderElector, attach config.watch_dog, Run. An invalid config is a UsageError (client-go
// panics).
void RunOrDie(const sim::Context& ctx, LeaderElectionConfig config);

}  // namespace bubble::runtime::leaderelection
