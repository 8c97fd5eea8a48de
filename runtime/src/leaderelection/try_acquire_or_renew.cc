// runtime/src/leaderelection/try_acquire_or_renew.cc: one attempt (docs/semantics.md §8.3).
#include <chrono>
#include <utility>

#include <bubble/runtime/leaderelection/leader_elector.h>
#include <bubble/sim/bubble.h>

#include "leaderelection/log.h"

namespace bubble::runtime::leaderelection {

bool LeaderElector::TryAcquireOrRenew(const sim::Context& ctx) {
  const sim::TimePoint now = sim::Now();
  const std::string desc = config_.lock->Describe();
  LeaderElectionRecord desired{
      .holder_identity = config_.lock->Identity(),
      // Whole seconds, truncated: what the Lease can store.
      .lease_duration_seconds = static_cast<int>(
          std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count()),
      .acquire_time = now,
      .renew_time = now};

  // 1. Fast path: a leader that still holds a valid lease writes over the lock it cached, without
  //    reading first. Only a server that checks resourceVersions notices a concurrent writer.
  if (IsLeader() && IsLeaseValid(now)) {
    desired.acquire_time = observed_record_.acquire_time;
    desired.leader_transitions = observed_record_.leader_transitions;
    Result<void> updated = config_.lock->Update(ctx, desired);
    if (updated) {
      SetObservedRecord(desired);
      return true;
    }
    detail::Logger().error("Failed to update lock optimistically: {}, falling back to slow path",
                           updated.error());
  }

  // 2. Read the record, or create it.
  Result<FetchedRecord> old = config_.lock->Get(ctx);
  if (!old) {
    if (!IsNotFound(old.error())) {
      detail::Logger().error("error retrieving resource lock {}: {}", desc, old.error());
      return false;
    }
    Result<void> created = config_.lock->Create(ctx, desired);
    if (!created) {
      detail::Logger().error("error initially creating leader election record: {}",
                             created.error());
      return false;
    }
    SetObservedRecord(desired);
    return true;
  }

  // 3. A record that changed since the last look restarts the local expiry clock. The observed
  //    time is taken now, after the read, while `now` was taken before it; with a frozen virtual
  //    clock the two are equal unless the read itself took virtual time.
  if (observed_raw_record_ != old->raw) {
    SetObservedRecord(old->record);
    observed_raw_record_ = std::move(old->raw);
  }
  if (!old->record.holder_identity.empty() && IsLeaseValid(now) && !IsLeader()) {
    detail::Logger().log(detail::kV4, "lock is held by {} and has not yet expired",
                         old->record.holder_identity);
    return false;
  }

  // 4. Take the lock over, or renew it through the slow path.
  if (IsLeader()) {
    desired.acquire_time = old->record.acquire_time;
    desired.leader_transitions = old->record.leader_transitions;
  } else {
    desired.leader_transitions = old->record.leader_transitions + 1;
  }
  Result<void> updated = config_.lock->Update(ctx, desired);
  if (!updated) {
    detail::Logger().error("Failed to update lock: {}", updated.error());
    return false;
  }
  // observed_raw_record_ stays the bytes last read, as in client-go: the next read of this very
  // record therefore counts as a change and restarts the expiry clock once more.
  SetObservedRecord(desired);
  return true;
}

}  // namespace bubble::runtime::leaderelection
