// runtime/include/bubble/runtime/lease.h
//
// Lease (coordination.k8s.io/v1, resource "leases", namespaced): the lock of leader election
// (docs/semantics.md §8.2). Every spec field is optional, as in Go (pointers there). acquireTime
// and renewTime are metav1.MicroTime (microseconds in JSON).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <bubble/runtime/object.h>
#include <bubble/sim/clock.h>

namespace bubble::runtime {

struct LeaseSpec {
  std::optional<std::string> holder_identity{};
  std::optional<std::int32_t> lease_duration_seconds{};
  std::optional<sim::TimePoint> acquire_time{};
  std::optional<sim::TimePoint> renew_time{};
  std::optional<std::int32_t> lease_transitions{};
  // Coordinated leader election (LeaseCandidate mode): "OldestEmulationVersion".
  std::optional<std::string> strategy{};
  std::optional<std::string> preferred_holder{};
  friend bool operator==(const LeaseSpec&, const LeaseSpec&) = default;
};

class Lease final : public TypedObject<Lease> {
 public:
  Lease() = default;

  explicit Lease(ObjectMeta meta, LeaseSpec lease_spec = {})
      : TypedObject(std::move(meta)), spec(std::move(lease_spec)) {}

  LeaseSpec spec{};

  static const GroupVersionKind& StaticKind();
  static const GroupVersionResource& StaticResource();
  static constexpr bool kNamespaced = true;

  std::string Summary() const override;

  friend bool operator==(const Lease& a, const Lease& b) {
    return a.metadata == b.metadata && a.spec == b.spec;
  }

 protected:
  void EncodeBody(nlohmann::json& j) const override;
  Result<void> DecodeBody(const nlohmann::json& j) override;
};

using LeasePtr = std::shared_ptr<const Lease>;

}  // namespace bubble::runtime
