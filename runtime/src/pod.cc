// runtime/src/pod.cc
#include "bubble/runtime/pod.h"

#include "json_util.h"

namespace bubble::runtime {

using detail::Json;

const GroupVersionKind& Pod::StaticKind() {
  static const GroupVersionKind kind{"", "v1", "Pod"};
  return kind;
}

const GroupVersionResource& Pod::StaticResource() {
  static const GroupVersionResource resource{"", "v1", "pods"};
  return resource;
}

std::optional<std::string> Pod::FieldValue(std::string_view field) const {
  if (field == "spec.nodeName") {
    return spec.node_name;
  }
  if (field == "spec.restartPolicy") {
    return spec.restart_policy;
  }
  if (field == "spec.schedulerName") {
    return spec.scheduler_name;
  }
  if (field == "spec.serviceAccountName") {
    return spec.service_account_name;
  }
  if (field == "status.phase") {
    return status.phase;
  }
  if (field == "status.podIP") {
    return status.pod_ip;
  }
  return Object::FieldValue(field);
}

std::string Pod::Summary() const {
  std::string out = fmt::format("phase={}", status.phase.empty() ? "-" : status.phase);
  if (!spec.node_name.empty()) {
    out += fmt::format(" node={}", spec.node_name);
  }
  for (const PodCondition& c : status.conditions) {
    out += fmt::format(" {}={}", c.type, c.status);
  }
  return out;
}

void to_json(Json& j, const PodSpec& spec) {
  Json s = Json::object();
  detail::PutString(s, "nodeName", spec.node_name);
  if (!spec.containers.empty()) {
    Json cs = Json::array();
    for (const Container& c : spec.containers) {
      Json o = {{"name", c.name}};
      detail::PutString(o, "image", c.image);
      detail::PutStrings(o, "command", c.command);
      detail::PutStrings(o, "args", c.args);
      cs.push_back(std::move(o));
    }
    s["containers"] = std::move(cs);
  }
  detail::PutString(s, "restartPolicy", spec.restart_policy);
  detail::PutString(s, "schedulerName", spec.scheduler_name);
  detail::PutString(s, "serviceAccountName", spec.service_account_name);
  detail::PutOptional(s, "terminationGracePeriodSeconds", spec.termination_grace_period_seconds);
  j = std::move(s);
}

void from_json(const Json& j, PodSpec& spec) {
  spec = PodSpec{};
  spec.node_name = detail::GetString(j, "nodeName");
  spec.containers = detail::GetArray<Container>(j, "containers", [](const Json& o) {
    Container c;
    c.name = detail::GetString(o, "name");
    c.image = detail::GetString(o, "image");
    c.command = detail::GetStrings(o, "command");
    c.args = detail::GetStrings(o, "args");
    return c;
  });
  spec.restart_policy = detail::GetString(j, "restartPolicy");
  spec.scheduler_name = detail::GetString(j, "schedulerName");
  spec.service_account_name = detail::GetString(j, "serviceAccountName");
  spec.termination_grace_period_seconds =
      detail::GetOptionalInt<std::int64_t>(j, "terminationGracePeriodSeconds");
}

void Pod::EncodeBody(Json& j) const {
  j["spec"] = spec;

  Json st = Json::object();
  detail::PutString(st, "phase", status.phase);
  if (!status.conditions.empty()) {
    Json cs = Json::array();
    for (const PodCondition& c : status.conditions) {
      Json o = {{"type", c.type}, {"status", c.status}};
      detail::PutString(o, "reason", c.reason);
      detail::PutString(o, "message", c.message);
      detail::PutTime(o, "lastTransitionTime", c.last_transition_time);
      cs.push_back(std::move(o));
    }
    st["conditions"] = std::move(cs);
  }
  detail::PutString(st, "hostIP", status.host_ip);
  detail::PutString(st, "podIP", status.pod_ip);
  detail::PutString(st, "reason", status.reason);
  detail::PutString(st, "message", status.message);
  detail::PutTime(st, "startTime", status.start_time);
  j["status"] = std::move(st);
}

Result<void> Pod::DecodeBody(const Json& j) {
  return detail::DecodeGuard("Pod", [&] {
    spec = PodSpec{};
    status = PodStatus{};
    if (const Json* s = detail::Find(j, "spec")) {
      from_json(*s, spec);
    }
    if (const Json* st = detail::Find(j, "status")) {
      status.phase = detail::GetString(*st, "phase");
      status.conditions = detail::GetArray<PodCondition>(*st, "conditions", [](const Json& o) {
        PodCondition c;
        c.type = detail::GetString(o, "type");
        c.status = detail::GetString(o, "status");
        c.reason = detail::GetString(o, "reason");
        c.message = detail::GetString(o, "message");
        c.last_transition_time = detail::GetTime(o, "lastTransitionTime");
        return c;
      });
      status.host_ip = detail::GetString(*st, "hostIP");
      status.pod_ip = detail::GetString(*st, "podIP");
      status.reason = detail::GetString(*st, "reason");
      status.message = detail::GetString(*st, "message");
      status.start_time = detail::GetTime(*st, "startTime");
    }
  });
}

}  // namespace bubble::runtime
