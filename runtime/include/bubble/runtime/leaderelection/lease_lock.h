// runtime/include/bubble/runtime/leaderelection/lease_lock.h
//
// LeaseLock: a ResourceLock over a coordination.k8s.io/v1 Lease (client-go's
// resourcelock.LeaseLock, docs/semantics.md §8.2).
//
//   auto lock = std::make_shared<LeaseLock>(
//       ObjectMeta{.name = "my-controller", .namespace_ = "kube-system"}, clientset,
//       ResourceLockConfig{.identity = "pod-a"});
//
// Update writes the record over the Lease last read or written, with that Lease's
// resourceVersion. Against a server that checks resourceVersions (the fake with
// Fidelity::conflicts) a concurrent writer makes it fail with Conflict; client-go's fake, and
// bubble's by default, accept the stale write and the last writer wins (docs/semantics.md §8.5).
//
// Threading: as ResourceLock. Lifetime: holds a client of `clientset`, so it must not outlive it.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <bubble/runtime/client.h>
#include <bubble/runtime/leaderelection/resource_lock.h>
#include <bubble/runtime/lease.h>
#include <bubble/runtime/typed_client.h>

namespace bubble::runtime::leaderelection {

class LeaseLock final : public ResourceLock {
 public:
  // `lease_meta` names the Lease (name and namespace); `labels` are set on the Lease when it is
  // created and merged into it on every update.
  LeaseLock(ObjectMeta lease_meta, Clientset& clientset, ResourceLockConfig config,
            std::map<std::string, std::string> labels = {});

  Result<FetchedRecord> Get(const sim::Context& ctx) override;
  Result<void> Create(const sim::Context& ctx, const LeaderElectionRecord& record) override;
  Result<void> Update(const sim::Context& ctx, const LeaderElectionRecord& record) override;
  void RecordEvent(std::string_view what) override;

  const std::string& Identity() const override { return config_.identity; }

  std::string Describe() const override;

  // The Lease as last read or written (null before the first success).
  const LeasePtr& Cached() const noexcept { return lease_; }

 private:
  ObjectMeta lease_meta_;
  TypedClient<Lease> client_;
  ResourceLockConfig config_;
  std::map<std::string, std::string> labels_;
  LeasePtr lease_{};
};

}  // namespace bubble::runtime::leaderelection
