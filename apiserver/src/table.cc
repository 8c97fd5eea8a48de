// apiserver/src/table.cc
#include "table.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include <bubble/runtime/label_selector.h>
#include <bubble/runtime/time_format.h>

#include "human_duration.h"
#include "json_read.h"

namespace bubble::apiserver::detail {

namespace {

using nlohmann::json;

std::optional<sim::TimePoint> Time(const json* j) {
  const std::string text = Str(j);
  if (text.empty()) {
    return std::nullopt;
  }
  auto t = runtime::ParseTime(text);
  return t.has_value() ? std::optional<sim::TimePoint>(*t) : std::nullopt;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  return fmt::format("{}", fmt::join(parts, sep));
}

std::string OrNone(std::string s) {
  return s.empty() ? "<none>" : s;
}

// labels.FormatLabels: "k=v,k2=v2" in key order, "<none>" when empty.
std::string FormatLabels(const json* labels) {
  runtime::Labels set;
  if (labels != nullptr && labels->is_object()) {
    for (const auto& [k, v] : labels->items()) {
      set[k] = Str(&v);
    }
  }
  return OrNone(runtime::LabelSelector::FromSet(set).String());
}

// metav1.FormatLabelSelector: the selector's requirements in key order ("app=web,tier in
// (a,b),!legacy"), "<none>" for an empty or absent selector.
std::string FormatLabelSelector(const json* selector) {
  std::vector<runtime::Requirement> reqs;
  if (const json* ml = Child(selector, "matchLabels"); ml != nullptr && ml->is_object()) {
    for (const auto& [k, v] : ml->items()) {
      reqs.push_back({.key = k, .op = runtime::SelectorOperator::kEquals, .values = {Str(&v)}});
    }
  }
  static const std::map<std::string, runtime::SelectorOperator, std::less<>> kOperators = {
      {"In", runtime::SelectorOperator::kIn},
      {"NotIn", runtime::SelectorOperator::kNotIn},
      {"Exists", runtime::SelectorOperator::kExists},
      {"DoesNotExist", runtime::SelectorOperator::kDoesNotExist}};
  for (const json& e : Array(Child(selector, "matchExpressions"))) {
    const auto op = kOperators.find(Str(Child(&e, "operator")));
    if (op == kOperators.end()) {
      continue;
    }
    runtime::Requirement req{.key = Str(Child(&e, "key")), .op = op->second};
    for (const json& v : Array(Child(&e, "values"))) {
      req.values.push_back(Str(&v));
    }
    std::sort(req.values.begin(), req.values.end());
    req.values.erase(std::unique(req.values.begin(), req.values.end()), req.values.end());
    reqs.push_back(std::move(req));
  }
  std::stable_sort(reqs.begin(), reqs.end(),
                   [](const auto& a, const auto& b) { return a.key < b.key; });
  std::vector<std::string> parts;
  parts.reserve(reqs.size());
  for (const runtime::Requirement& r : reqs) {
    parts.push_back(r.String());
  }
  return OrNone(Join(parts, ","));
}

std::string Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

// ---- columns ----

PrinterColumn Column(std::string name, std::string type, std::string description,
                     int priority = 0) {
  return {.name = std::move(name),
          .type = std::move(type),
          .description = std::move(description),
          .priority = priority};
}

PrinterColumn NameColumn() {
  return {.name = "Name",
          .type = "string",
          .format = "name",
          .description = "Name must be unique within a namespace (metadata.name)."};
}

PrinterColumn AgeColumn() {
  return Column("Age", "string", "Time since the object was created (metadata.creationTimestamp).");
}

json ColumnJson(const PrinterColumn& c) {
  return {{"name", c.name},
          {"type", c.type},
          {"format", c.format},
          {"description", c.description},
          {"priority", c.priority}};
}

// ---- kube-apiserver's printers (pkg/printers/internalversion), one per built-in kind ----

// What a row printer sees: the object, its JSON, and the time ages are measured against.
struct RowInput {
  const runtime::Object& object;
  const json& j;
  sim::TimePoint now;

  std::string Age() const { return AgeSince(object.metadata.creation_timestamp, now); }
};

using RowPrinter = std::function<json(const RowInput&)>;

struct Printer {
  std::vector<PrinterColumn> columns;
  RowPrinter row;
};

json ConfigMapRow(const RowInput& in) {
  const std::size_t n = Size(At(in.j, {"data"})) + Size(At(in.j, {"binaryData"}));
  return {in.object.metadata.name, static_cast<std::int64_t>(n), in.Age()};
}

json SecretRow(const RowInput& in) {
  std::string type = Str(At(in.j, {"type"}));
  if (type.empty()) {
    type = "Opaque";  // the server's default; bubble's Secret leaves it empty
  }
  return {in.object.metadata.name, type, static_cast<std::int64_t>(Size(At(in.j, {"data"}))),
          in.Age()};
}

bool HasPodReadyCondition(const json& j) {
  for (const json& c : Array(At(j, {"status", "conditions"}))) {
    if (Str(Child(&c, "type")) == "Ready" && Str(Child(&c, "status")) == "True") {
      return true;
    }
  }
  return false;
}

json PodRow(const RowInput& in) {
  const json& j = in.j;
  const std::size_t total = Size(At(j, {"spec", "containers"}));
  std::int64_t restarts = 0;
  std::int64_t ready = 0;
  std::string reason = Str(At(j, {"status", "phase"}));
  if (const std::string r = Str(At(j, {"status", "reason"})); !r.empty()) {
    reason = r;
  }

  bool initializing = false;
  const json& inits = Array(At(j, {"status", "initContainerStatuses"}));
  const std::size_t init_total = Size(At(j, {"spec", "initContainers"}));
  for (std::size_t i = 0; i < inits.size(); ++i) {
    const json& c = inits[i];
    restarts += Int(Child(&c, "restartCount"));
    const json* terminated = At(c, {"state", "terminated"});
    const json* waiting = At(c, {"state", "waiting"});
    if (terminated != nullptr && Int(Child(terminated, "exitCode")) == 0) {
      continue;
    }
    if (terminated != nullptr) {
      const std::string r = Str(Child(terminated, "reason"));
      if (!r.empty()) {
        reason = "Init:" + r;
      } else if (const std::int64_t sig = Int(Child(terminated, "signal")); sig != 0) {
        reason = fmt::format("Init:Signal:{}", sig);
      } else {
        reason = fmt::format("Init:ExitCode:{}", Int(Child(terminated, "exitCode")));
      }
    } else if (const std::string r = Str(Child(waiting, "reason"));
               !r.empty() && r != "PodInitializing") {
      reason = "Init:" + r;
    } else {
      reason = fmt::format("Init:{}/{}", i, init_total);
    }
    initializing = true;
    break;
  }

  if (!initializing) {
    restarts = 0;
    bool has_running = false;
    const json& statuses = Array(At(j, {"status", "containerStatuses"}));
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const json& c = *it;
      restarts += Int(Child(&c, "restartCount"));
      const json* terminated = At(c, {"state", "terminated"});
      const std::string waiting_reason = Str(At(c, {"state", "waiting", "reason"}));
      if (!waiting_reason.empty()) {
        reason = waiting_reason;
      } else if (terminated != nullptr && !Str(Child(terminated, "reason")).empty()) {
        reason = Str(Child(terminated, "reason"));
      } else if (terminated != nullptr) {
        const std::int64_t sig = Int(Child(terminated, "signal"));
        reason = sig != 0 ? fmt::format("Signal:{}", sig)
                          : fmt::format("ExitCode:{}", Int(Child(terminated, "exitCode")));
      } else if (Bool(Child(&c, "ready")) && At(c, {"state", "running"}) != nullptr) {
        has_running = true;
        ++ready;
      }
    }
    if (reason == "Completed" && has_running) {
      reason = HasPodReadyCondition(j) ? "Running" : "NotReady";
    }
  }

  if (in.object.metadata.deletion_timestamp.has_value()) {
    reason = Str(At(j, {"status", "reason"})) == "NodeLost" ? "Unknown" : "Terminating";
  }

  std::string ip = Str(At(j, {"status", "podIP"}));
  if (const json& ips = Array(At(j, {"status", "podIPs"})); !ips.empty()) {
    ip = Str(Child(&ips[0], "ip"));
  }
  const std::size_t gates = Size(At(j, {"spec", "readinessGates"}));
  std::string gates_text = "<none>";
  if (gates > 0) {
    std::size_t true_gates = 0;
    for (const json& g : Array(At(j, {"spec", "readinessGates"}))) {
      const std::string type = Str(Child(&g, "conditionType"));
      for (const json& c : Array(At(j, {"status", "conditions"}))) {
        if (Str(Child(&c, "type")) == type && Str(Child(&c, "status")) == "True") {
          ++true_gates;
          break;
        }
      }
    }
    gates_text = fmt::format("{}/{}", true_gates, gates);
  }
  return {in.object.metadata.name,
          fmt::format("{}/{}", ready, total),
          reason,
          restarts,
          in.Age(),
          OrNone(ip),
          OrNone(Str(At(j, {"spec", "nodeName"}))),
          OrNone(Str(At(j, {"status", "nominatedNodeName"}))),
          gates_text};
}

// The addresses of a load balancer's ingress points, joined with ",".
std::string LoadBalancerAddresses(const json& j) {
  std::vector<std::string> out;
  for (const json& ing : Array(At(j, {"status", "loadBalancer", "ingress"}))) {
    if (std::string ip = Str(Child(&ing, "ip")); !ip.empty()) {
      out.push_back(std::move(ip));
    } else if (std::string host = Str(Child(&ing, "hostname")); !host.empty()) {
      out.push_back(std::move(host));
    }
  }
  return Join(out, ",");
}

std::string ServiceExternalIp(const json& j, const std::string& type) {
  std::vector<std::string> external;
  for (const json& ip : Array(At(j, {"spec", "externalIPs"}))) {
    external.push_back(Str(&ip));
  }
  if (type == "ClusterIP" || type == "NodePort") {
    return OrNone(Join(external, ","));
  }
  if (type == "LoadBalancer") {
    std::string lb = LoadBalancerAddresses(j);
    if (!external.empty()) {
      return lb.empty() ? Join(external, ",") : lb + "," + Join(external, ",");
    }
    return lb.empty() ? "<pending>" : lb;
  }
  if (type == "ExternalName") {
    return Str(At(j, {"spec", "externalName"}));
  }
  return "<unknown>";
}

json ServiceRow(const RowInput& in) {
  const json& j = in.j;
  std::string type = Str(At(j, {"spec", "type"}));
  if (type.empty()) {
    type = "ClusterIP";  // the server's default
  }
  std::string cluster_ip = Str(At(j, {"spec", "clusterIP"}));
  if (const json& ips = Array(At(j, {"spec", "clusterIPs"})); !ips.empty()) {
    cluster_ip = Str(&ips[0]);
  }
  std::vector<std::string> ports;
  for (const json& p : Array(At(j, {"spec", "ports"}))) {
    std::string protocol = Str(Child(&p, "protocol"));
    if (protocol.empty()) {
      protocol = "TCP";  // the server's default
    }
    const std::int64_t node_port = Int(Child(&p, "nodePort"));
    ports.push_back(node_port != 0
                        ? fmt::format("{}:{}/{}", Int(Child(&p, "port")), node_port, protocol)
                        : fmt::format("{}/{}", Int(Child(&p, "port")), protocol));
  }
  return {in.object.metadata.name,
          type,
          OrNone(cluster_ip),
          ServiceExternalIp(j, type),
          OrNone(Join(ports, ",")),
          in.Age(),
          FormatLabels(At(j, {"spec", "selector"}))};
}

json NamespaceRow(const RowInput& in) {
  std::string phase = Str(At(in.j, {"status", "phase"}));
  if (phase.empty()) {
    phase = "Active";  // what the server sets on create
  }
  return {in.object.metadata.name, phase, in.Age()};
}

json DeploymentRow(const RowInput& in) {
  const json& j = in.j;
  std::vector<std::string> names;
  std::vector<std::string> images;
  for (const json& c : Array(At(j, {"spec", "template", "spec", "containers"}))) {
    names.push_back(Str(Child(&c, "name")));
    images.push_back(Str(Child(&c, "image")));
  }
  return {in.object.metadata.name,
          fmt::format("{}/{}", Int(At(j, {"status", "readyReplicas"})),
                      Int(At(j, {"spec", "replicas"}), 1)),
          Int(At(j, {"status", "updatedReplicas"})),
          Int(At(j, {"status", "availableReplicas"})),
          in.Age(),
          Join(names, ","),
          Join(images, ","),
          FormatLabelSelector(At(j, {"spec", "selector"}))};
}

json LeaseRow(const RowInput& in) {
  return {in.object.metadata.name, Str(At(in.j, {"spec", "holderIdentity"})), in.Age()};
}

json EventRow(const RowInput& in) {
  const json& j = in.j;
  std::string first = AgeSince(Time(At(j, {"firstTimestamp"})), in.now);
  if (Time(At(j, {"firstTimestamp"})) == std::nullopt) {
    first = AgeSince(Time(At(j, {"eventTime"})), in.now);
  }
  std::string last = first;
  if (const auto t = Time(At(j, {"lastTimestamp"})); t.has_value()) {
    last = AgeSince(t, in.now);
  }
  std::int64_t count = Int(At(j, {"count"}));
  if (const json* series = At(j, {"series"}); series != nullptr && series->is_object()) {
    last = AgeSince(Time(Child(series, "lastObservedTime")), in.now);
    count = Int(Child(series, "count"));
  } else if (count == 0) {
    count = 1;
  }
  const std::string kind = LowerAscii(Str(At(j, {"involvedObject", "kind"})));
  const std::string name = Str(At(j, {"involvedObject", "name"}));
  std::string source = Str(At(j, {"source", "component"}));
  if (const std::string host = Str(At(j, {"source", "host"})); !host.empty()) {
    source += ", " + host;
  }
  return {last,
          Str(At(j, {"type"})),
          Str(At(j, {"reason"})),
          name.empty() ? kind : kind + "/" + name,
          Str(At(j, {"involvedObject", "fieldPath"})),
          source,
          Trim(Str(At(j, {"message"}))),
          first,
          count,
          in.object.metadata.name};
}

// apiserver's default table convertor, which kube-apiserver uses for CRDs themselves: the
// creation time in RFC 3339, not an age.
json CreatedAtRow(const RowInput& in) {
  const auto& t = in.object.metadata.creation_timestamp;
  return {in.object.metadata.name, t.has_value() ? runtime::FormatTime(*t) : "<unknown>"};
}

json DefaultRow(const RowInput& in) {
  return {in.object.metadata.name, in.Age()};
}

const std::map<runtime::GroupKind, Printer>& Printers() {
  static const std::map<runtime::GroupKind, Printer> printers = {
      {{"", "ConfigMap"},
       {{NameColumn(), Column("Data", "integer", "Number of entries in data and binaryData."),
         AgeColumn()},
        ConfigMapRow}},
      {{"", "Secret"},
       {{NameColumn(), Column("Type", "string", "The type of the secret."),
         Column("Data", "integer", "Number of entries in data."), AgeColumn()},
        SecretRow}},
      {{"", "Pod"},
       {{NameColumn(), Column("Ready", "string", "Ready containers of all containers in the pod."),
         Column("Status", "string", "The pod's phase, or why it is not running."),
         Column("Restarts", "integer", "Restarts of the pod's containers."), AgeColumn(),
         Column("IP", "string", "IP address allocated to the pod.", 1),
         Column("Node", "string", "The node the pod is assigned to.", 1),
         Column("Nominated Node", "string", "The node the scheduler nominated for the pod.", 1),
         Column("Readiness Gates", "string", "Readiness gates that hold, of all.", 1)},
        PodRow}},
      {{"", "Service"},
       {{NameColumn(), Column("Type", "string", "How the service is exposed."),
         Column("Cluster-IP", "string", "The service's IP address inside the cluster."),
         Column("External-IP", "string", "Addresses the service is reachable at from outside."),
         Column("Port(s)", "string", "Ports the service exposes."), AgeColumn(),
         Column("Selector", "string", "Labels of the pods the service routes to.", 1)},
        ServiceRow}},
      {{"", "Namespace"},
       {{NameColumn(), Column("Status", "string", "The namespace's phase."), AgeColumn()},
        NamespaceRow}},
      {{"apps", "Deployment"},
       {{NameColumn(), Column("Ready", "string", "Ready replicas of desired replicas."),
         Column("Up-to-date", "integer", "Replicas updated to the desired template."),
         Column("Available", "integer", "Replicas available to serve."), AgeColumn(),
         Column("Containers", "string", "Names of the template's containers.", 1),
         Column("Images", "string", "Images of the template's containers.", 1),
         Column("Selector", "string", "The label selector of the deployment's pods.", 1)},
        DeploymentRow}},
      {{"coordination.k8s.io", "Lease"},
       {{NameColumn(), Column("Holder", "string", "The lease's current holder."), AgeColumn()},
        LeaseRow}},
      {{"", "Event"},
       {{Column("Last Seen", "string", "Time since the event was last seen."),
         Column("Type", "string", "Normal or Warning."),
         Column("Reason", "string", "Why the event was emitted (CamelCase)."),
         Column("Object", "string", "The object the event is about."),
         Column("Subobject", "string", "The part of the object the event is about.", 1),
         Column("Source", "string", "The component that reported the event.", 1),
         Column("Message", "string", "What happened, for a human."),
         Column("First Seen", "string", "Time since the event was first seen.", 1),
         Column("Count", "integer", "How many times the event occurred.", 1),
         Column("Name", "string", "The event's name.", 1)},
        EventRow}},
      {{"apiextensions.k8s.io", "CustomResourceDefinition"},
       {{NameColumn(), Column("Created At", "date", "When the object was created.")},
        CreatedAtRow}},
  };
  return printers;
}

// ---- CRD columns: simple JSONPath and apiextensions' typed cells ----

// Evaluates ".a.b[0].c" (optionally in braces, as kubectl writes templates) on `j`; nullptr
// when a step is missing.
const json* EvalJsonPath(const json& j, std::string_view path) {
  if (path.size() >= 2 && path.front() == '{' && path.back() == '}') {
    path = path.substr(1, path.size() - 2);
  }
  const json* cur = &j;
  std::size_t i = 0;
  while (i < path.size() && cur != nullptr) {
    if (path[i] == '.') {
      ++i;
      const std::size_t end = path.find_first_of(".[", i);
      const std::string_view key = path.substr(i, end == std::string_view::npos ? end : end - i);
      if (!key.empty()) {
        cur = Child(cur, key);
      }
      i = end == std::string_view::npos ? path.size() : end;
    } else if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string_view::npos) {
        return nullptr;
      }
      std::size_t index = 0;
      const char* const first = path.data() + i + 1;
      const char* const last = path.data() + close;
      const auto [ptr, ec] = std::from_chars(first, last, index);
      if (ec != std::errc() || ptr != last || !cur->is_array() || index >= cur->size()) {
        return nullptr;
      }
      cur = &(*cur)[index];
      i = close + 1;
    } else {
      return nullptr;  // not a simple path
    }
  }
  return cur;
}

// apiextensions' cellForJSONValue, and for "string" columns the value printed as text.
json CrdCell(const PrinterColumn& column, const json* value, sim::TimePoint now) {
  if (value == nullptr || value->is_null()) {
    return nullptr;
  }
  if (column.type == "string") {
    return value->is_string() ? value->get<std::string>() : value->dump();
  }
  if (column.type == "integer") {
    return value->is_number() ? json(Int(value)) : json(nullptr);
  }
  if (column.type == "number") {
    return value->is_number() ? json(value->get<double>()) : json(nullptr);
  }
  if (column.type == "boolean") {
    return value->is_boolean() ? json(value->get<bool>()) : json(nullptr);
  }
  if (column.type == "date") {
    if (!value->is_string()) {
      return nullptr;
    }
    const auto t = runtime::ParseTime(value->get<std::string>());
    return t.has_value() ? json(HumanDuration(now - *t)) : json("<invalid>");
  }
  return nullptr;
}

bool HasJsonPathColumns(const ServedResource& resource) {
  return std::any_of(resource.columns.begin(), resource.columns.end(),
                     [](const PrinterColumn& c) { return !c.json_path.empty(); });
}

json RowObject(const runtime::Object& obj, IncludeObject include) {
  switch (include) {
    case IncludeObject::kNone:
      return nullptr;
    case IncludeObject::kMetadata:
      return {{"kind", "PartialObjectMetadata"},
              {"apiVersion", "meta.k8s.io/v1"},
              {"metadata", obj.metadata.ToJson()}};
    case IncludeObject::kObject:
      return obj.ToJson();
  }
  return nullptr;
}

}  // namespace

std::vector<PrinterColumn> BuiltinPrinterColumns(const runtime::GroupKind& kind) {
  const auto it = Printers().find(kind);
  return it == Printers().end() ? std::vector<PrinterColumn>{} : it->second.columns;
}

json ToTable(const ServedResource& resource, std::span<const runtime::ObjectPtr> objects,
             const json& list_metadata, IncludeObject include, sim::TimePoint now) {
  std::vector<PrinterColumn> columns;
  RowPrinter row;
  const bool crd_columns = HasJsonPathColumns(resource);
  if (crd_columns) {
    columns.push_back(NameColumn());
    columns.insert(columns.end(), resource.columns.begin(), resource.columns.end());
  } else if (const auto it = Printers().find({resource.gvr.group, resource.kind});
             it != Printers().end()) {
    columns = it->second.columns;
    row = it->second.row;
  } else {
    columns = {NameColumn(), AgeColumn()};
    row = DefaultRow;
  }

  json rows = json::array();
  for (const runtime::ObjectPtr& obj : objects) {
    if (obj == nullptr) {
      continue;
    }
    const json j = obj->ToJson();
    json cells;
    if (crd_columns) {
      cells = json::array({obj->metadata.name});
      for (const PrinterColumn& c : resource.columns) {
        cells.push_back(CrdCell(c, EvalJsonPath(j, c.json_path), now));
      }
    } else {
      cells = row(RowInput{*obj, j, now});
    }
    json r = {{"cells", std::move(cells)}};
    if (include != IncludeObject::kNone) {
      r["object"] = RowObject(*obj, include);
    }
    rows.push_back(std::move(r));
  }

  json columns_json = json::array();
  for (const PrinterColumn& c : columns) {
    columns_json.push_back(ColumnJson(c));
  }
  json metadata = list_metadata.is_object() ? list_metadata : json::object();
  // A single object's table carries the object's resourceVersion, as the apiserver's does.
  if (metadata.empty() && objects.size() == 1 && objects[0] != nullptr &&
      !objects[0]->metadata.resource_version.empty()) {
    metadata["resourceVersion"] = objects[0]->metadata.resource_version;
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", std::move(metadata)},
          {"columnDefinitions", std::move(columns_json)},
          {"rows", std::move(rows)}};
}

}  // namespace bubble::apiserver::detail
