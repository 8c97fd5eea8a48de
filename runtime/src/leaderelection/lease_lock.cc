// runtime/src/leaderelection/lease_lock.cc
#include "bubble/runtime/leaderelection/lease_lock.h"

#include <utility>

#include <fmt/format.h>

#include "leaderelection/client_error.h"

namespace bubble::runtime::leaderelection {

LeaseLock::LeaseLock(ObjectMeta lease_meta, Clientset& clientset, ResourceLockConfig config,
                     std::map<std::string, std::string> labels)
    : lease_meta_(std::move(lease_meta)),
      client_(clientset.Leases(lease_meta_.namespace_)),
      config_(std::move(config)),
      labels_(std::move(labels)) {}

Result<FetchedRecord> LeaseLock::Get(const sim::Context& ctx) {
  Result<LeasePtr> got = client_.Get(ctx, lease_meta_.name, {});
  if (!got) {
    return Err(std::move(got.error()));
  }
  lease_ = std::move(*got);
  FetchedRecord out;
  out.record = FromLeaseSpec(lease_->spec);
  out.raw = RecordJson(out.record);
  return out;
}

Result<void> LeaseLock::Create(const sim::Context& ctx, const LeaderElectionRecord& record) {
  ObjectMeta meta{.name = lease_meta_.name, .namespace_ = lease_meta_.namespace_};
  meta.labels = labels_;
  Result<LeasePtr> created = client_.Create(ctx, Lease(std::move(meta), ToLeaseSpec(record)), {});
  if (!created) {
    // client-go assigns the (empty) result even on failure; keeping the last good Lease instead
    // only matters to an Update that client-go would send with an empty name.
    return Err(std::move(created.error()));
  }
  lease_ = std::move(*created);
  return Ok();
}

Result<void> LeaseLock::Update(const sim::Context& ctx, const LeaderElectionRecord& record) {
  if (lease_ == nullptr) {
    return Err(detail::ClientError("lease not initialized, call get or create first"));
  }
  // Written over the cached Lease, so the request carries the resourceVersion last seen: that is
  // what makes a concurrent writer visible as a Conflict on a server that checks it.
  Lease next = *lease_;
  next.spec = ToLeaseSpec(record);
  for (const auto& [key, value] : labels_) {
    next.metadata.labels[key] = value;
  }
  Result<LeasePtr> updated = client_.Update(ctx, next, {});
  if (!updated) {
    return Err(std::move(updated.error()));
  }
  lease_ = std::move(*updated);
  return Ok();
}

void LeaseLock::RecordEvent(std::string_view what) {
  if (!config_.event_recorder) {
    return;
  }
  LockEvent event;
  event.subject = lease_ != nullptr ? lease_->metadata : lease_meta_;
  event.type = "Normal";
  event.reason = "LeaderElection";
  event.message = fmt::format("{} {}", config_.identity, what);
  config_.event_recorder(event);
}

std::string LeaseLock::Describe() const {
  return fmt::format("{}/{}", lease_meta_.namespace_, lease_meta_.name);
}

}  // namespace bubble::runtime::leaderelection
