// runtime/src/leaderelection/record.cc
#include "bubble/runtime/leaderelection/record.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <bubble/runtime/time_format.h>

namespace bubble::runtime::leaderelection {

namespace {

std::string JsonTime(const std::optional<sim::TimePoint>& t) {
  // metav1.Time marshals the zero time as null and everything else with whole seconds.
  return t ? nlohmann::json(FormatTime(*t)).dump() : std::string("null");
}

}  // namespace

LeaderElectionRecord FromLeaseSpec(const LeaseSpec& spec) {
  LeaderElectionRecord r;
  r.holder_identity = spec.holder_identity.value_or("");
  r.lease_duration_seconds = spec.lease_duration_seconds.value_or(0);
  r.leader_transitions = spec.lease_transitions.value_or(0);
  r.acquire_time = spec.acquire_time;
  r.renew_time = spec.renew_time;
  r.preferred_holder = spec.preferred_holder.value_or("");
  r.strategy = spec.strategy.value_or("");
  return r;
}

LeaseSpec ToLeaseSpec(const LeaderElectionRecord& record) {
  LeaseSpec spec;
  spec.holder_identity = record.holder_identity;
  spec.lease_duration_seconds = static_cast<std::int32_t>(record.lease_duration_seconds);
  spec.acquire_time = record.acquire_time;
  spec.renew_time = record.renew_time;
  spec.lease_transitions = static_cast<std::int32_t>(record.leader_transitions);
  if (!record.preferred_holder.empty()) {
    spec.preferred_holder = record.preferred_holder;
  }
  if (!record.strategy.empty()) {
    spec.strategy = record.strategy;
  }
  return spec;
}

std::string RecordJson(const LeaderElectionRecord& record) {
  // Built by hand, not through nlohmann::json objects, to keep Go's field order.
  return fmt::format(
      R"({{"holderIdentity":{},"leaseDurationSeconds":{},"acquireTime":{},"renewTime":{},)"
      R"("leaderTransitions":{},"strategy":{},"preferredHolder":{}}})",
      nlohmann::json(record.holder_identity).dump(), record.lease_duration_seconds,
      JsonTime(record.acquire_time), JsonTime(record.renew_time), record.leader_transitions,
      nlohmann::json(record.strategy).dump(), nlohmann::json(record.preferred_holder).dump());
}

}  // namespace bubble::runtime::leaderelection
