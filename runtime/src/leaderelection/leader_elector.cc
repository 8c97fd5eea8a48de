// runtime/src/leaderelection/leader_elector.cc: Run and its loops (docs/semantics.md §8.4).
#include "bubble/runtime/leaderelection/leader_elector.h"

#include <utility>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <bubble/runtime/wait.h>
#include <bubble/sim/bubble.h>

#include "leaderelection/client_error.h"
#include "leaderelection/log.h"

namespace bubble::runtime::leaderelection {

LeaderElector::LeaderElector(LeaderElectionConfig config) : config_(std::move(config)) {}

void LeaderElector::Run(const sim::Context& ctx) {
  if (Acquire(ctx)) {
    auto [leader_ctx, cancel] = sim::WithCancel(ctx);
    const CancelOnExit release_leader_ctx{cancel};
    // Not awaited, as in client-go: the callback may still run after leader_ctx is cancelled and
    // even after on_stopped_leading (docs/semantics.md §8.5). It holds copies, never the elector.
    sim::Spawn(FiberName("leading"),
               [fn = config_.callbacks.on_started_leading, started = leader_ctx] { fn(started); });
    Renew(leader_ctx);
  }
  // Deferred in client-go, so it also runs for a candidate that never led.
  config_.callbacks.on_stopped_leading();
}

bool LeaderElector::Acquire(const sim::Context& parent) {
  const auto derived = sim::WithCancel(parent);
  const sim::Context& ctx = derived.first;
  const CancelOnExit release{derived.second};
  bool succeeded = false;
  const std::string desc = config_.lock->Describe();
  detail::Logger().info("attempting to acquire leader lease {}...", desc);
  JitterUntil(ctx, config_.retry_period, kJitterFactor, [&] {
    succeeded = TryAcquireOrRenew(ctx);
    MaybeReportTransition();
    if (!succeeded) {
      detail::Logger().log(detail::kV4, "failed to acquire lease {}", desc);
      return;
    }
    config_.lock->RecordEvent("became leader");
    detail::Logger().info("successfully acquired lease {}", desc);
    derived.second();  // ends the loop
  });
  return succeeded;
}

void LeaderElector::Renew(const sim::Context& parent) {
  const auto derived = sim::WithCancel(parent);
  const sim::Context& ctx = derived.first;
  const CancelOnExit release{derived.second};
  const std::string desc = config_.lock->Describe();
  // wait.Until: no jitter, so no draw from the generator while leading.
  JitterUntil(ctx, config_.retry_period, /*jitter_factor=*/0, [&] {
    const sim::ContextError err = PollImmediateUntilTimeout(
        ctx, config_.retry_period, config_.renew_deadline,
        [this](const sim::Context& attempt_ctx) { return TryAcquireOrRenew(attempt_ctx); },
        FiberName("renew"));
    MaybeReportTransition();
    if (err == sim::ContextError::kNone) {
      detail::Logger().log(detail::kV4, "successfully renewed lease {}", desc);
      return;
    }
    detail::Logger().info("failed to renew lease {}: {}", desc, sim::ContextErrorMessage(err));
    derived.second();  // ends the loop
  });
  if (config_.release_on_cancel) {
    Release();
  }
  config_.lock->RecordEvent("stopped leading");
}

bool LeaderElector::Release() {
  // Its own context: Run's is already done. Bounded by renew_deadline like a renewal.
  auto [ctx, cancel] = sim::WithTimeout(sim::Context::Background(), config_.renew_deadline);
  const CancelOnExit release{cancel};
  // Re-read first so the update carries the current resourceVersion: a renewal abandoned in
  // flight may have moved it (client-go 1b1630d32; before it, release often hit a Conflict).
  Result<FetchedRecord> old = config_.lock->Get(ctx);
  if (!old) {
    if (!IsNotFound(old.error())) {
      detail::Logger().error("error retrieving resource lock {}: {}", config_.lock->Describe(),
                             old.error());
    } else {
      detail::Logger().info("lease lock not found: {}", config_.lock->Describe());
    }
    return false;
  }
  // Decided on the observed record, not the one just read (client-go does the same).
  if (!IsLeader()) {
    return true;
  }
  const sim::TimePoint now = sim::Now();
  LeaderElectionRecord released{.holder_identity = "",
                                .lease_duration_seconds = 1,
                                .acquire_time = now,
                                .renew_time = now,
                                .leader_transitions = old->record.leader_transitions};
  Result<void> updated = config_.lock->Update(ctx, released);
  if (!updated) {
    detail::Logger().error("Failed to release lock: {}", updated.error());
    return false;
  }
  SetObservedRecord(released);
  return true;
}

bool LeaderElector::IsLeader() const {
  return observed_record_.holder_identity == config_.lock->Identity();
}

const std::string& LeaderElector::GetLeader() const {
  return observed_record_.holder_identity;
}

Result<void> LeaderElector::Check(sim::Duration max_tolerable_expired_lease) const {
  if (!IsLeader()) {
    return Ok();  // a hot standby is healthy
  }
  if (sim::Now() - observed_time_ > config_.lease_duration + max_tolerable_expired_lease) {
    return Err(detail::ClientError(
        fmt::format("failed election to renew leadership on lease {}", config_.name)));
  }
  return Ok();
}

bool LeaderElector::IsLeaseValid(sim::TimePoint now) const {
  return observed_time_ + std::chrono::seconds(observed_record_.lease_duration_seconds) > now;
}

void LeaderElector::SetObservedRecord(const LeaderElectionRecord& record) {
  observed_record_ = record;
  observed_time_ = sim::Now();
}

void LeaderElector::MaybeReportTransition() {
  if (observed_record_.holder_identity == reported_leader_) {
    return;
  }
  reported_leader_ = observed_record_.holder_identity;
  if (config_.callbacks.on_new_leader) {
    sim::Spawn(FiberName("new-leader"),
               [fn = config_.callbacks.on_new_leader, leader = reported_leader_] { fn(leader); });
  }
}

std::string LeaderElector::FiberName(std::string_view what) const {
  return fmt::format("leaderelection/{}/{}", config_.lock->Identity(), what);
}

}  // namespace bubble::runtime::leaderelection
