// runtime/src/leaderelection/new_leader_elector.cc: NewLeaderElector's validation and RunOrDie.
#include <chrono>
#include <cstdint>
#include <utility>

#include <bubble/runtime/leaderelection/healthz.h>
#include <bubble/sim/error.h>

#include "bubble/runtime/leaderelection/leader_elector.h"
#include "leaderelection/client_error.h"

namespace bubble::runtime::leaderelection {

namespace {

// Go's time.Duration(JitterFactor * float64(d)): the product truncated toward zero.
sim::Duration Scaled(sim::Duration d, double factor) {
  return sim::Duration(static_cast<std::int64_t>(factor * static_cast<double>(d.count())));
}

}  // namespace

Result<std::shared_ptr<LeaderElector>> NewLeaderElector(LeaderElectionConfig config) {
  // Order and wording are client-go's: callers (and tests ported from Go) match on them.
  constexpr sim::Duration kOneNanosecond{1};
  if (config.lease_duration <= config.renew_deadline) {
    return Err(detail::ClientError("leaseDuration must be greater than renewDeadline"));
  }
  if (config.renew_deadline <= Scaled(config.retry_period, kJitterFactor)) {
    return Err(detail::ClientError("renewDeadline must be greater than retryPeriod*JitterFactor"));
  }
  if (config.lease_duration < kOneNanosecond) {
    return Err(detail::ClientError("leaseDuration must be greater than zero"));
  }
  if (config.renew_deadline < kOneNanosecond) {
    return Err(detail::ClientError("renewDeadline must be greater than zero"));
  }
  if (config.retry_period < kOneNanosecond) {
    return Err(detail::ClientError("retryPeriod must be greater than zero"));
  }
  if (!config.callbacks.on_started_leading) {
    return Err(detail::ClientError("OnStartedLeading callback must not be nil"));
  }
  if (!config.callbacks.on_stopped_leading) {
    return Err(detail::ClientError("OnStoppedLeading callback must not be nil"));
  }
  if (config.lock == nullptr) {
    return Err(detail::ClientError("Lock must not be nil."));
  }
  if (config.lock->Identity().empty()) {
    return Err(detail::ClientError("Lock identity is empty"));
  }
  return std::make_shared<LeaderElector>(std::move(config));
}

void RunOrDie(const sim::Context& ctx, LeaderElectionConfig config) {
  std::shared_ptr<HealthzAdaptor> watch_dog = config.watch_dog;
  Result<std::shared_ptr<LeaderElector>> elector = NewLeaderElector(std::move(config));
  BUBBLE_EXPECT(elector.has_value(), "leaderelection.RunOrDie: invalid config: {}",
                elector ? std::string() : elector.error().message);
  if (watch_dog != nullptr) {
    watch_dog->SetLeaderElection(*elector);
  }
  (*elector)->Run(ctx);
}

}  // namespace bubble::runtime::leaderelection
