// runtime/src/lease.cc
#include "bubble/runtime/lease.h"

#include "json_util.h"

namespace bubble::runtime {

using detail::Json;

const GroupVersionKind& Lease::StaticKind() {
  static const GroupVersionKind kind{"coordination.k8s.io", "v1", "Lease"};
  return kind;
}

const GroupVersionResource& Lease::StaticResource() {
  static const GroupVersionResource resource{"coordination.k8s.io", "v1", "leases"};
  return resource;
}

std::string Lease::Summary() const {
  std::string out = fmt::format("holder={}", spec.holder_identity.value_or("-"));
  if (spec.lease_duration_seconds) {
    out += fmt::format(" duration={}s", *spec.lease_duration_seconds);
  }
  if (spec.lease_transitions) {
    out += fmt::format(" transitions={}", *spec.lease_transitions);
  }
  if (spec.acquire_time) {
    out += fmt::format(" acquire={}", FormatMicroTime(*spec.acquire_time));
  }
  if (spec.renew_time) {
    out += fmt::format(" renew={}", FormatMicroTime(*spec.renew_time));
  }
  return out;
}

void Lease::EncodeBody(Json& j) const {
  Json s = Json::object();
  detail::PutOptional(s, "holderIdentity", spec.holder_identity);
  detail::PutOptional(s, "leaseDurationSeconds", spec.lease_duration_seconds);
  detail::PutTime(s, "acquireTime", spec.acquire_time, /*micro=*/true);
  detail::PutTime(s, "renewTime", spec.renew_time, /*micro=*/true);
  detail::PutOptional(s, "leaseTransitions", spec.lease_transitions);
  detail::PutOptional(s, "strategy", spec.strategy);
  detail::PutOptional(s, "preferredHolder", spec.preferred_holder);
  j["spec"] = std::move(s);
}

Result<void> Lease::DecodeBody(const Json& j) {
  return detail::DecodeGuard("Lease", [&] {
    spec = LeaseSpec{};
    if (const Json* s = detail::Find(j, "spec")) {
      spec.holder_identity = detail::GetOptionalString(*s, "holderIdentity");
      spec.lease_duration_seconds =
          detail::GetOptionalInt<std::int32_t>(*s, "leaseDurationSeconds");
      spec.acquire_time = detail::GetTime(*s, "acquireTime");
      spec.renew_time = detail::GetTime(*s, "renewTime");
      spec.lease_transitions = detail::GetOptionalInt<std::int32_t>(*s, "leaseTransitions");
      spec.strategy = detail::GetOptionalString(*s, "strategy");
      spec.preferred_holder = detail::GetOptionalString(*s, "preferredHolder");
    }
  });
}

}  // namespace bubble::runtime
