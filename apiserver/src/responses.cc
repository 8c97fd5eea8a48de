// apiserver/src/responses.cc
#include "responses.h"

#include <bubble/sim/bubble.h>

namespace bubble::apiserver::detail {

nlohmann::json StatusJson(const runtime::Status& status) {
  nlohmann::json j = status.ToJson();
  j["metadata"] = nlohmann::json::object();
  if (status.code == 0) {  // the request's own context ended: still a server-side answer
    j["code"] = HttpCodeOf(status);
  }
  if (!j.contains("details")) {
    j["details"] = nlohmann::json::object();
  }
  return j;
}

int HttpCodeOf(const runtime::Status& status) {
  return status.code >= 100 && status.code <= 599 ? status.code : 500;
}

void RespondStatus(net::HttpResponder& out, const runtime::Status& status) {
  // kube-apiserver sends the delay of a 429 or a 5xx in a header too: client-go reads only that.
  net::HttpHeaders headers;
  if (status.details.retry_after_seconds > 0) {
    headers.emplace_back("Retry-After", std::to_string(status.details.retry_after_seconds));
  }
  out.Respond(HttpCodeOf(status), "application/json", StatusJson(status).dump(), headers);
}

void RespondJson(net::HttpResponder& out, int code, const nlohmann::json& body) {
  out.Respond(code, "application/json", body.dump());
}

nlohmann::json TableOf(const ServedResource& resource, std::span<const runtime::ObjectPtr> objects,
                       const nlohmann::json& list_metadata, const ObjectFormat& format) {
  nlohmann::json table = ToTable(resource, objects, list_metadata, format.include,
                                 format.shown_at.value_or(sim::Now()));
  table["apiVersion"] = format.table_api_version;
  return table;
}

nlohmann::json ObjectJson(const ServedResource& resource, const runtime::ObjectPtr& obj,
                          const ObjectFormat& format) {
  if (format.table_api_version.empty()) {
    return obj->ToJson();
  }
  return TableOf(resource, std::span<const runtime::ObjectPtr>(&obj, 1), nlohmann::json::object(),
                 format);
}

}  // namespace bubble::apiserver::detail
