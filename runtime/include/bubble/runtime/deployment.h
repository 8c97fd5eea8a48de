// runtime/include/bubble/runtime/deployment.h
//
// Deployment (apps/v1, resource "deployments", namespaced), built on KindBase (kind.h): replicas,
// selector (matchLabels), the pod template, and the replica counts of its status.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <bubble/runtime/kind.h>
#include <bubble/runtime/pod.h>

namespace bubble::runtime {

// metav1.LabelSelector as written in specs (matchLabels only); runtime::LabelSelector is the
// parsed form that matches labels.
struct LabelSelectorSpec {
  std::map<std::string, std::string> match_labels{};
  friend bool operator==(const LabelSelectorSpec&, const LabelSelectorSpec&) = default;
};
BUBBLE_JSON_FIELDS(LabelSelectorSpec, (match_labels, "matchLabels"))

struct PodTemplateSpec {
  ObjectMeta metadata{};  // labels (and annotations) of the pods made from the template
  PodSpec spec{};
  friend bool operator==(const PodTemplateSpec&, const PodTemplateSpec&) = default;
};
BUBBLE_JSON_FIELDS(PodTemplateSpec, (metadata, "metadata"), (spec, "spec"))

struct DeploymentSpec {
  std::int32_t replicas = 1;  // the API server's default when absent
  LabelSelectorSpec selector{};
  PodTemplateSpec template_{};
  friend bool operator==(const DeploymentSpec&, const DeploymentSpec&) = default;
};
BUBBLE_JSON_FIELDS(DeploymentSpec, (replicas, "replicas"), (selector, "selector"),
                   (template_, "template"))

struct DeploymentStatus {
  std::int64_t observed_generation = 0;
  std::int32_t replicas = 0;
  std::int32_t ready_replicas = 0;
  std::int32_t available_replicas = 0;
  friend bool operator==(const DeploymentStatus&, const DeploymentStatus&) = default;
};
BUBBLE_JSON_FIELDS(DeploymentStatus, (observed_generation, "observedGeneration"),
                   (replicas, "replicas"), (ready_replicas, "readyReplicas"),
                   (available_replicas, "availableReplicas"))

struct Deployment final : KindBase<Deployment, DeploymentSpec, DeploymentStatus> {
  BUBBLE_KIND(Deployment, "apps", "v1", "Deployment", "deployments", true);

  std::string Summary() const override {
    return fmt::format("replicas={} ready={}/{}", spec.replicas, status.ready_replicas,
                       status.replicas);
  }
};

using DeploymentPtr = std::shared_ptr<const Deployment>;

}  // namespace bubble::runtime
