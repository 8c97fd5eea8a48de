// runtime/include/bubble/runtime/service.h
//
// Service (core/v1, resource "services", namespaced), built on KindBase (kind.h): type,
// selector, ports and clusterIP; status carries the load balancer's ingress points.
// Field selectors: metadata.name, metadata.namespace, spec.type, spec.clusterIP.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/runtime/kind.h>

namespace bubble::runtime {

// A port number or a port name (Kubernetes' intstr.IntOrString): JSON 8080 or "http".
struct IntOrString {
  std::int32_t int_value = 0;
  std::string str_value{};
  bool is_string = false;

  static IntOrString Int(std::int32_t v) { return {.int_value = v}; }

  static IntOrString String(std::string v) {
    return {.str_value = std::move(v), .is_string = true};
  }

  friend bool operator==(const IntOrString&, const IntOrString&) = default;
};

inline void to_json(nlohmann::json& j, const IntOrString& v) {
  if (v.is_string) {
    j = v.str_value;
  } else {
    j = v.int_value;
  }
}

inline void from_json(const nlohmann::json& j, IntOrString& v) {
  if (j.is_string()) {
    v = IntOrString::String(j.get<std::string>());
  } else {
    v = IntOrString::Int(j.get<std::int32_t>());  // throws for anything but a number
  }
}

struct ServicePort {
  std::string name{};
  std::string protocol{};  // "TCP" (the API server's default), "UDP", "SCTP"
  std::int32_t port = 0;
  IntOrString target_port{};
  friend bool operator==(const ServicePort&, const ServicePort&) = default;
};
BUBBLE_JSON_FIELDS(ServicePort, (name, "name"), (protocol, "protocol"), (port, "port"),
                   (target_port, "targetPort"))

struct ServiceSpec {
  std::string type{};  // "ClusterIP" (the API server's default), "NodePort", "LoadBalancer", ...
  std::map<std::string, std::string> selector{};
  std::vector<ServicePort> ports{};
  std::string cluster_ip{};  // "None" for a headless service
  friend bool operator==(const ServiceSpec&, const ServiceSpec&) = default;
};
BUBBLE_JSON_FIELDS(ServiceSpec, (type, "type"), (selector, "selector"), (ports, "ports"),
                   (cluster_ip, "clusterIP"))

struct LoadBalancerIngress {
  std::string ip{};
  std::string hostname{};
  friend bool operator==(const LoadBalancerIngress&, const LoadBalancerIngress&) = default;
};
BUBBLE_JSON_FIELDS(LoadBalancerIngress, (ip, "ip"), (hostname, "hostname"))

struct LoadBalancerStatus {
  std::vector<LoadBalancerIngress> ingress{};
  friend bool operator==(const LoadBalancerStatus&, const LoadBalancerStatus&) = default;
};
BUBBLE_JSON_FIELDS(LoadBalancerStatus, (ingress, "ingress"))

struct ServiceStatus {
  LoadBalancerStatus load_balancer{};
  friend bool operator==(const ServiceStatus&, const ServiceStatus&) = default;
};
BUBBLE_JSON_FIELDS(ServiceStatus, (load_balancer, "loadBalancer"))

struct Service final : KindBase<Service, ServiceSpec, ServiceStatus> {
  BUBBLE_KIND(Service, "", "v1", "Service", "services", true);

  std::optional<std::string> FieldValue(std::string_view field) const override {
    if (field == "spec.type") {
      return spec.type;
    }
    if (field == "spec.clusterIP") {
      return spec.cluster_ip;
    }
    return Object::FieldValue(field);
  }

  std::string Summary() const override {
    std::string out = spec.type.empty() ? std::string() : "type=" + spec.type;
    for (const ServicePort& p : spec.ports) {
      out += fmt::format("{}port={}", out.empty() ? "" : " ", p.port);
    }
    return out;
  }
};

using ServicePtr = std::shared_ptr<const Service>;

}  // namespace bubble::runtime
