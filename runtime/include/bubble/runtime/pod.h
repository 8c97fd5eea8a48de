// runtime/include/bubble/runtime/pod.h
//
// Pod (core/v1, resource "pods", namespaced) with a small spec and status: enough for
// controllers that schedule, watch phases and conditions. Has a status subresource.
// Field selectors: metadata.name, metadata.namespace, spec.nodeName, spec.restartPolicy,
// spec.schedulerName, spec.serviceAccountName, status.phase, status.podIP.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <bubble/runtime/object.h>
#include <bubble/sim/clock.h>

namespace bubble::runtime {

struct Container {
  std::string name{};
  std::string image{};
  std::vector<std::string> command{};
  std::vector<std::string> args{};
  friend bool operator==(const Container&, const Container&) = default;
};

struct PodSpec {
  std::string node_name{};
  std::vector<Container> containers{};
  std::string restart_policy{};  // "Always", "OnFailure", "Never"
  std::string scheduler_name{};
  std::string service_account_name{};
  std::optional<std::int64_t> termination_grace_period_seconds{};
  friend bool operator==(const PodSpec&, const PodSpec&) = default;
};

// PodSpec as JSON (what Pod writes under "spec"; also the pod template of Deployment).
// from_json throws on malformed input (kinds built on KindBase turn that into a BadRequest).
void to_json(nlohmann::json& j, const PodSpec& spec);
void from_json(const nlohmann::json& j, PodSpec& spec);

struct PodCondition {
  std::string type{};    // "Ready", "PodScheduled", ...
  std::string status{};  // "True", "False", "Unknown"
  std::string reason{};
  std::string message{};
  std::optional<sim::TimePoint> last_transition_time{};
  friend bool operator==(const PodCondition&, const PodCondition&) = default;
};

struct PodStatus {
  std::string phase{};  // "Pending", "Running", "Succeeded", "Failed", "Unknown"
  std::vector<PodCondition> conditions{};
  std::string host_ip{};
  std::string pod_ip{};
  std::string reason{};
  std::string message{};
  std::optional<sim::TimePoint> start_time{};
  friend bool operator==(const PodStatus&, const PodStatus&) = default;
};

class Pod final : public TypedObject<Pod> {
 public:
  Pod() = default;

  explicit Pod(ObjectMeta meta, PodSpec pod_spec = {}, PodStatus pod_status = {})
      : TypedObject(std::move(meta)), spec(std::move(pod_spec)), status(std::move(pod_status)) {}

  PodSpec spec{};
  PodStatus status{};

  static const GroupVersionKind& StaticKind();
  static const GroupVersionResource& StaticResource();
  static constexpr bool kNamespaced = true;

  std::optional<std::string> FieldValue(std::string_view field) const override;

  bool HasStatus() const override { return true; }

  std::string Summary() const override;

  friend bool operator==(const Pod& a, const Pod& b) {
    return a.metadata == b.metadata && a.spec == b.spec && a.status == b.status;
  }

 protected:
  void EncodeBody(nlohmann::json& j) const override;
  Result<void> DecodeBody(const nlohmann::json& j) override;
};

using PodPtr = std::shared_ptr<const Pod>;

}  // namespace bubble::runtime
