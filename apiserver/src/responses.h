// apiserver/src/responses.h
//
// The shapes of the REST server's answers: metav1.Status bodies for every error (kube-apiserver
// always sends one, with "metadata": {}), JSON bodies, and objects as metav1.Table when the
// request's Accept asked for one (media_types.h).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <bubble/net/http_exchange.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/status.h>

#include "resource_catalog.h"
#include "table.h"

namespace bubble::apiserver::detail {

// metav1.Status of a failure, as kube-apiserver writes it.
nlohmann::json StatusJson(const runtime::Status& status);
// The HTTP code of `status` (a client-side context error, code 0, is a 500).
int HttpCodeOf(const runtime::Status& status);

void RespondStatus(net::HttpResponder& out, const runtime::Status& status);
void RespondJson(net::HttpResponder& out, int code, const nlohmann::json& body);

// How objects are written: plainly, or as a Table of the served resource.
struct ObjectFormat {
  std::string table_api_version{};  // "": plain JSON
  IncludeObject include = IncludeObject::kMetadata;
};

// `objects` as a Table in `format`, with `list_metadata` (resourceVersion, continue...).
nlohmann::json TableOf(const ServedResource& resource, std::span<const runtime::ObjectPtr> objects,
                       const nlohmann::json& list_metadata, const ObjectFormat& format);

// One object: its JSON, or a one-row Table.
nlohmann::json ObjectJson(const ServedResource& resource, const runtime::ObjectPtr& obj,
                          const ObjectFormat& format);

}  // namespace bubble::apiserver::detail
