// apiserver/src/rest_handler.cc
//
// Routing and the verbs of the REST API (docs/semantics.md §1.16). Each verb reads its options
// from the query (and the body for writes), makes one call into the clientset with the
// responder's context (the API request, which meets the fake's latency and faults), and the reads
// it needs on the server's side (server_reads.h), and answers JSON: the object, a List, a Table,
// or a metav1.Status.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <bubble/apiserver/rest_handler.h>
#include <bubble/runtime/patch.h>
#include <bubble/sim/bubble.h>

#include "event_fields.h"
#include "json_read.h"
#include "list_options_rules.h"
#include "list_pages.h"
#include "media_types.h"
#include "openapi.h"
#include "request_target.h"
#include "resource_catalog.h"
#include "responses.h"
#include "server_reads.h"
#include "strategic_merge.h"
#include "version_info.h"
#include "watch_stream.h"

namespace bubble::apiserver {

struct RestHandler::State {
  std::shared_ptr<fake::Clientset> server;
  RestOptions options;
  detail::ResourceCatalog catalog;
  detail::ListPages pages;

  State(std::shared_ptr<fake::Clientset> s, RestOptions o)
      : server(std::move(s)),
        options(std::move(o)),
        catalog(server->GetScheme()),
        pages(options.continue_ttl, options.max_paged_lists) {}
};

namespace {

using detail::RespondJson;
using detail::RespondStatus;
using runtime::Status;

// kube-apiserver's words for a path nothing is served at.
constexpr std::string_view kNotFound = "the server could not find the requested resource";

Status NotFound(std::string_view why = {}) {
  Status s = runtime::NewStatus(
      runtime::StatusReason::kNotFound,
      why.empty() ? std::string(kNotFound) : fmt::format("{} ({})", kNotFound, why));
  return s;
}

Status MethodNotAllowed(std::string_view message) {
  return runtime::NewStatus(runtime::StatusReason::kMethodNotAllowed, message);
}

bool IsWriteVerb(std::string_view verb) {
  return verb == "create" || verb == "update" || verb == "patch" || verb == "delete" ||
         verb == "deletecollection";
}

std::string ApiVersionOf(const runtime::GroupVersionResource& gvr) {
  return gvr.group.empty() ? gvr.version : gvr.group + "/" + gvr.version;
}

std::optional<std::int64_t> ParseInt(std::string_view text) {
  std::int64_t v = 0;
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (err != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return v;
}

// A query parameter that must be an integer; BadRequest naming it otherwise.
runtime::Result<std::optional<std::int64_t>> IntParam(const detail::QueryParams& query,
                                                      std::string_view name) {
  const auto text = query.Get(name);
  if (!text || text->empty()) {
    return std::optional<std::int64_t>{};
  }
  const auto v = ParseInt(*text);
  if (!v) {
    return runtime::Err(runtime::NewBadRequest(
        fmt::format("invalid value for query parameter {}: {:?} is not an integer", name, *text)));
  }
  return std::optional<std::int64_t>{*v};
}

runtime::Result<detail::IncludeObject> IncludeParam(const detail::QueryParams& query) {
  const std::string v = query.GetOr("includeObject", "");
  if (v.empty() || v == "Metadata") {
    return detail::IncludeObject::kMetadata;
  }
  if (v == "None") {
    return detail::IncludeObject::kNone;
  }
  if (v == "Object") {
    return detail::IncludeObject::kObject;
  }
  return runtime::Err(runtime::NewBadRequest(
      fmt::format("invalid value for includeObject: {:?} (want None, Metadata or Object)", v)));
}

// A request body as JSON; BadRequest when it is not a JSON object.
runtime::Result<nlohmann::json> BodyJson(std::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return runtime::Err(runtime::NewBadRequest(
        "the request body is not valid JSON (bubble's API server reads JSON only; send "
        "Content-Type: application/json)"));
  }
  if (!j.is_object()) {
    return runtime::Err(runtime::NewBadRequest("the request body must be a JSON object"));
  }
  return j;
}

class Request {
 public:
  Request(RestHandler::State& state, const net::HttpRequest& req, net::HttpResponder& out,
          detail::QueryParams query, detail::Negotiated accept)
      : state_(state), req_(req), out_(out), query_(std::move(query)) {
    format_.table_api_version = std::move(accept.table_api_version);
    format_.shown_at = state_.options.shown_at;
  }

  void Route(const detail::Target& target);

 private:
  const sim::Context& Ctx() const { return out_.Context(); }

  fake::Clientset& Server() { return *state_.server; }

  bool RequireGet() {
    if (req_.method == "GET" || req_.method == "HEAD") {
      return true;
    }
    RespondStatus(out_, MethodNotAllowed(fmt::format("{} is not supported here: the path is a "
                                                     "read-only document",
                                                     req_.method)));
    return false;
  }

  void ServeApiGroup(const std::string& group);
  void ServeResource(const detail::ResourcePath& path);

  void Get(const std::string& name);
  void List();
  void Watch(const std::string& name);
  void Create();
  void Update(const std::string& name, const std::string& subresource);
  void Patch(const std::string& name, const std::string& subresource);
  void StrategicPatch(const std::string& name, const std::string& subresource);
  void Delete(const std::string& name);
  void DeleteCollection();

  // The list options of the query, defaulted and validated as kube-apiserver does for a list or
  // a watch (list_options_rules.h); for v1 events, the event-field terms go to `event_fields`.
  runtime::Result<runtime::ListOptions> ListOptionsOf(runtime::FieldSelector& event_fields,
                                                      bool watch);
  runtime::Result<runtime::DeleteOptions> DeleteOptionsOf();
  // The body decoded as an object of the served kind, named and namespaced as the URL says.
  runtime::Result<std::unique_ptr<runtime::Object>> BodyObject(std::string_view url_name);
  nlohmann::json ListJson(const std::vector<runtime::ObjectPtr>& items,
                          const nlohmann::json& metadata);

  RestHandler::State& state_;
  const net::HttpRequest& req_;
  net::HttpResponder& out_;
  detail::QueryParams query_;
  detail::ObjectFormat format_{};
  // Set by ServeResource.
  detail::ServedResource resource_{};
  std::string namespace_{};
  runtime::ResourceClientPtr client_{};
};

void Request::Route(const detail::Target& target) {
  using Kind = detail::Target::Kind;
  switch (target.kind) {
    case Kind::kHealth:
      if (RequireGet()) {
        out_.Respond(200, "text/plain; charset=utf-8", "ok");
      }
      return;
    case Kind::kVersion:
      if (RequireGet()) {
        RespondJson(out_, 200, detail::VersionInfo());
      }
      return;
    case Kind::kOpenApiV2:
      if (RequireGet()) {
        if (detail::WantsOpenApiProtobuf(req_.Header("accept"))) {
          out_.Respond(200, detail::kOpenApiProtobufResponseType, detail::OpenApiV2Protobuf());
        } else {
          RespondJson(out_, 200, detail::OpenApiV2Json());
        }
      }
      return;
    case Kind::kApiVersions:
      if (RequireGet()) {
        RespondJson(out_, 200, state_.catalog.ApiVersions(req_.Header("host")));
      }
      return;
    case Kind::kApiGroupList:
      if (RequireGet()) {
        RespondJson(out_, 200, state_.catalog.ApiGroupList(Server()));
      }
      return;
    case Kind::kApiGroup:
      if (RequireGet()) {
        ServeApiGroup(target.group);
      }
      return;
    case Kind::kResource:
      if (target.path.group_version_only) {
        if (RequireGet()) {
          auto doc =
              state_.catalog.ApiResourceList(Server(), target.path.group, target.path.version);
          if (doc) {
            RespondJson(out_, 200, *doc);
          } else {
            RespondStatus(out_, NotFound());
          }
        }
        return;
      }
      ServeResource(target.path);
      return;
    case Kind::kUnknown:
      break;
  }
  RespondStatus(out_, NotFound());
}

void Request::ServeApiGroup(const std::string& group) {
  const nlohmann::json list = state_.catalog.ApiGroupList(Server());
  if (list.contains("groups")) {
    for (const nlohmann::json& g : list["groups"]) {
      if (detail::Str(detail::Child(&g, "name")) == group) {
        nlohmann::json doc = g;
        doc["kind"] = "APIGroup";
        doc["apiVersion"] = "v1";
        RespondJson(out_, 200, doc);
        return;
      }
    }
  }
  RespondStatus(out_, NotFound());
}

void Request::ServeResource(const detail::ResourcePath& path) {
  auto found = state_.catalog.Find(Server(), path.group, path.version, path.resource);
  if (!found) {
    RespondStatus(out_, NotFound());
    return;
  }
  resource_ = std::move(*found);
  const runtime::GroupResource gr = resource_.gvr.GetGroupResource();
  if (path.has_namespace && !resource_.namespaced) {
    RespondStatus(out_, NotFound(fmt::format("{} is cluster-scoped", gr.String())));
    return;
  }
  if (!path.has_namespace && resource_.namespaced && !path.name.empty()) {
    RespondStatus(out_, NotFound(fmt::format("{} is namespaced: name a namespace in the path, "
                                             "/namespaces/NAMESPACE/{}/{}",
                                             gr.String(), path.resource, path.name)));
    return;
  }
  if (!path.subresource.empty() &&
      (path.subresource != "status" || !resource_.status_subresource || path.legacy_watch)) {
    // §1.16: only the status subresource is served.
    RespondStatus(out_, NotFound(fmt::format("subresource {:?} of {} is not served by bubble",
                                             path.subresource, gr.String())));
    return;
  }

  // The verb, as kube-apiserver's RequestInfoFactory names it.
  std::string verb;
  const std::string& m = req_.method;
  const bool item = !path.name.empty();
  if (m == "GET" || m == "HEAD") {
    verb = path.legacy_watch || query_.Flag("watch") ? "watch" : item ? "get" : "list";
  } else if (m == "POST" && !item) {
    verb = "create";
  } else if (m == "PUT" && item) {
    verb = "update";
  } else if (m == "PATCH" && item) {
    verb = "patch";
  } else if (m == "DELETE") {
    verb = item ? "delete" : "deletecollection";
  }
  if (verb.empty()) {
    // kube-apiserver's router answers a method a path has no route for in these words.
    Status s = MethodNotAllowed(
        fmt::format("the server does not allow this method on the requested resource ({} {} {})", m,
                    item ? "an object of" : "the collection of", gr.String()));
    s.details.kind = gr.resource;
    s.details.group = gr.group;
    RespondStatus(out_, s);
    return;
  }
  if (state_.options.read_only && IsWriteVerb(verb)) {
    // §1.16: a finished run's state is shown read-only.
    std::string message = fmt::format(
        "{} is not allowed: this API server shows the state of a finished run and is read-only",
        verb);
    if (!state_.options.read_only_reason.empty()) {
      message += fmt::format(" ({})", state_.options.read_only_reason);
    }
    RespondStatus(out_, MethodNotAllowed(message));
    return;
  }
  if (std::find(resource_.verbs.begin(), resource_.verbs.end(), verb) == resource_.verbs.end()) {
    RespondStatus(out_, runtime::NewMethodNotSupported(gr, verb));
    return;
  }
  if (IsWriteVerb(verb) && !query_.GetOr("dryRun", "").empty()) {
    RespondStatus(out_, runtime::NewBadRequest(
                            "dryRun is not served: bubble's API server has no dry-run mode "
                            "(kubectl's --dry-run=client works; --dry-run=server does not)"));
    return;
  }
  if (IsWriteVerb(verb) && req_.body.size() > state_.options.max_body_bytes) {
    RespondStatus(out_, runtime::NewStatus(runtime::StatusReason::kRequestEntityTooLarge,
                                           fmt::format("Request entity too large: limit is {}",
                                                       state_.options.max_body_bytes)));
    return;
  }
  namespace_ = path.has_namespace ? path.namespace_ : std::string();
  client_ = Server().Resource(resource_.gvr, namespace_);

  if (verb == "get") {
    Get(path.name);
  } else if (verb == "list") {
    List();
  } else if (verb == "watch") {
    Watch(path.name);
  } else if (verb == "create") {
    Create();
  } else if (verb == "update") {
    Update(path.name, path.subresource);
  } else if (verb == "patch") {
    Patch(path.name, path.subresource);
  } else if (verb == "delete") {
    Delete(path.name);
  } else {
    DeleteCollection();
  }
}

runtime::Result<runtime::ListOptions> Request::ListOptionsOf(runtime::FieldSelector& event_fields,
                                                             bool watch) {
  runtime::ListOptions opts;
  opts.label_selector = query_.GetOr("labelSelector", "");
  opts.field_selector = query_.GetOr("fieldSelector", "");
  if (resource_.gvr.group.empty() && resource_.gvr.resource == "events") {
    auto split = detail::SplitEventFieldSelector(opts.field_selector);
    if (!split) {
      return runtime::Err(split.error());
    }
    opts.field_selector = std::move(split->for_server);
    event_fields = std::move(split->for_handler);
  }
  opts.resource_version = query_.GetOr("resourceVersion", "");
  opts.resource_version_match = query_.GetOr("resourceVersionMatch", "");
  auto timeout = IntParam(query_, "timeoutSeconds");
  if (!timeout) {
    return runtime::Err(timeout.error());
  }
  opts.timeout_seconds = *timeout;
  opts.allow_watch_bookmarks = query_.Flag("allowWatchBookmarks");
  if (const auto initial = query_.Get("sendInitialEvents")) {
    opts.send_initial_events = *initial == "true" || *initial == "1";
  }
  auto limit = IntParam(query_, "limit");
  if (!limit) {
    return runtime::Err(limit.error());
  }
  opts.limit = limit->value_or(0);
  opts.continue_ = query_.GetOr("continue", "");
  // §1.16: the WatchList feature gate is the fake's watch-list switch.
  const bool watch_list = Server().SupportsWatchList();
  if (watch) {
    detail::DefaultWatchOptions(opts, watch_list);
  }
  if (auto valid = detail::ValidateListOptions(opts, watch, watch_list); !valid) {
    return runtime::Err(std::move(valid.error()));
  }
  return opts;
}

nlohmann::json Request::ListJson(const std::vector<runtime::ObjectPtr>& items,
                                 const nlohmann::json& metadata) {
  if (!format_.table_api_version.empty()) {
    return detail::TableOf(resource_, items, metadata, format_);
  }
  nlohmann::json list = {{"kind", resource_.kind + "List"},
                         {"apiVersion", ApiVersionOf(resource_.gvr)},
                         {"metadata", metadata},
                         {"items", nlohmann::json::array()}};
  for (const runtime::ObjectPtr& obj : items) {
    list["items"].push_back(obj->ToJson());
  }
  return list;
}

void Request::Get(const std::string& name) {
  auto include = IncludeParam(query_);
  if (!include) {
    RespondStatus(out_, include.error());
    return;
  }
  format_.include = *include;
  auto obj = client_->Get(Ctx(), name, {.resource_version = query_.GetOr("resourceVersion", "")});
  if (!obj) {
    RespondStatus(out_, obj.error());
    return;
  }
  RespondJson(out_, 200, detail::ObjectJson(resource_, *obj, format_));
}

void Request::List() {
  runtime::FieldSelector event_fields;
  auto opts = ListOptionsOf(event_fields, /*watch=*/false);
  auto include = IncludeParam(query_);
  if (!opts || !include) {
    RespondStatus(out_, !opts ? opts.error() : include.error());
    return;
  }
  format_.include = *include;
  // §1.16: a continue token is good only for the list it was cut from. Not part of the key: the
  // resourceVersion, which the token carries (a pager's continued requests send none).
  const std::string key = fmt::format("{}|{}|{}|{}", resource_.gvr.String(), namespace_,
                                      opts->label_selector, query_.GetOr("fieldSelector", ""));
  runtime::Result<detail::ListPage> page = detail::ListPage{};
  if (!opts->continue_.empty() && !opts->resource_version.empty() &&
      opts->resource_version != "0") {
    // kube-apiserver's storage refuses the pair in these words ("0" it ignores).
    RespondStatus(out_, runtime::NewBadRequest(
                            "specifying resource version is not allowed when using continue"));
    return;
  }
  if (!opts->continue_.empty()) {
    page = state_.pages.Next(opts->continue_, key, opts->limit, sim::Now());
  } else {
    runtime::ListOptions full = *opts;
    full.limit = 0;
    auto list = client_->List(Ctx(), full);
    if (!list) {
      RespondStatus(out_, list.error());
      return;
    }
    if (!event_fields.Empty()) {
      std::erase_if(list->items, [&](const runtime::ObjectPtr& obj) {
        return !detail::MatchesEventFields(event_fields, *obj);
      });
    }
    page = state_.pages.First(key, std::move(*list), opts->limit, sim::Now());
  }
  if (!page) {
    RespondStatus(out_, page.error());
    return;
  }
  nlohmann::json metadata = {{"resourceVersion", page->resource_version}};
  if (!page->continue_token.empty()) {
    metadata["continue"] = page->continue_token;
  }
  if (page->remaining_item_count) {
    metadata["remainingItemCount"] = *page->remaining_item_count;
  }
  RespondJson(out_, 200, ListJson(page->items, metadata));
}

void Request::Watch(const std::string& name) {
  detail::WatchStream watch;
  auto opts = ListOptionsOf(watch.event_fields, /*watch=*/true);
  auto include = IncludeParam(query_);
  if (!opts || !include) {
    RespondStatus(out_, !opts ? opts.error() : include.error());
    return;
  }
  format_.include = *include;
  if (!name.empty()) {  // the legacy /watch/.../NAME: one object
    std::string by_name = "metadata.name=" + name;
    opts->field_selector =
        opts->field_selector.empty() ? by_name : opts->field_selector + "," + by_name;
  }
  opts->watch = true;
  opts->limit = 0;
  opts->continue_.clear();
  // §1.16: a watch without timeoutSeconds gets kube-apiserver's random one, in [min, 2 min).
  if (opts->timeout_seconds && *opts->timeout_seconds > 0) {
    watch.timeout = std::chrono::seconds(*opts->timeout_seconds);
  } else {
    const auto min =
        std::chrono::duration_cast<std::chrono::seconds>(state_.options.min_request_timeout)
            .count();
    watch.timeout = std::chrono::seconds(sim::Rand().UniformInRange(min, 2 * min - 1));
    opts->timeout_seconds = std::chrono::duration_cast<std::chrono::seconds>(watch.timeout).count();
  }
  watch.server = state_.server.get();
  watch.client = client_;
  watch.resource = &resource_;
  watch.options = std::move(*opts);
  watch.format = format_;
  watch.bookmark_interval = state_.options.bookmark_interval;
  detail::ServeWatch(watch, out_);
}

runtime::Result<std::unique_ptr<runtime::Object>> Request::BodyObject(std::string_view url_name) {
  const std::string media = detail::MediaTypeOf(req_.Header("content-type"));
  if (!media.empty() && media != "application/json" && media != "*/*") {
    return runtime::Err(runtime::NewStatus(
        runtime::StatusReason::kUnsupportedMediaType,
        fmt::format("the body of the request was in an unknown format - accepted media types "
                    "include: application/json (got {:?})",
                    media)));
  }
  auto j = BodyJson(req_.body);
  if (!j) {
    return runtime::Err(j.error());
  }
  if (!j->contains("kind") || !(*j)["kind"].is_string()) {
    return runtime::Err(runtime::NewBadRequest(
        fmt::format("Object 'Kind' is missing in '{}'", req_.body.substr(0, 200))));
  }
  const std::string api_version = ApiVersionOf(resource_.gvr);
  const auto body_version = j->find("apiVersion");
  if (body_version == j->end() || !body_version->is_string()) {
    return runtime::Err(runtime::NewBadRequest(
        fmt::format("Object 'apiVersion' is missing in '{}'", req_.body.substr(0, 200))));
  }
  if ((*j)["kind"] != resource_.kind || *body_version != api_version) {
    return runtime::Err(runtime::NewBadRequest(
        fmt::format("the object in the body is {} {}, but the path serves {} {}",
                    body_version->get<std::string>(), (*j)["kind"].get<std::string>(), api_version,
                    resource_.kind)));
  }
  auto obj = Server().GetScheme().Decode(*j);
  if (!obj) {
    return runtime::Err(obj.error());
  }
  runtime::ObjectMeta& meta = (*obj)->metadata;
  if (!resource_.namespaced) {
    meta.namespace_.clear();
  } else if (meta.namespace_.empty()) {
    meta.namespace_ = namespace_;
  } else if (meta.namespace_ != namespace_) {
    // kube-apiserver's words (rest.EnsureObjectNamespaceMatchesRequestNamespace).
    return runtime::Err(runtime::NewBadRequest(
        "the namespace of the provided object does not match the namespace sent on the request"));
  }
  if (!url_name.empty()) {
    if (meta.name.empty()) {
      meta.name = std::string(url_name);
    } else if (meta.name != url_name) {
      return runtime::Err(runtime::NewBadRequest(
          fmt::format("the name of the object ({}) does not match the name on the URL ({})",
                      meta.name, url_name)));
    }
  }
  return obj;
}

void Request::Create() {
  auto obj = BodyObject({});
  if (!obj) {
    RespondStatus(out_, obj.error());
    return;
  }
  auto created = client_->Create(Ctx(), **obj, {});
  if (!created) {
    RespondStatus(out_, created.error());
    return;
  }
  RespondJson(out_, 201, (*created)->ToJson());
}

void Request::Update(const std::string& name, const std::string& subresource) {
  auto obj = BodyObject(name);
  if (!obj) {
    RespondStatus(out_, obj.error());
    return;
  }
  auto updated = subresource == "status" ? client_->UpdateStatus(Ctx(), **obj, {})
                                         : client_->Update(Ctx(), **obj, {});
  if (!updated) {
    RespondStatus(out_, updated.error());
    return;
  }
  RespondJson(out_, 200, (*updated)->ToJson());
}

void Request::Patch(const std::string& name, const std::string& subresource) {
  const std::string media = detail::MediaTypeOf(req_.Header("content-type"));
  runtime::PatchType type = runtime::PatchType::kMerge;
  if (media == "application/merge-patch+json") {
    type = runtime::PatchType::kMerge;
  } else if (media == "application/json-patch+json") {
    type = runtime::PatchType::kJson;
  } else if (media == "application/strategic-merge-patch+json") {
    StrategicPatch(name, subresource);
    return;
  } else if (media == "application/apply-patch+yaml") {
    // §1.16: no server-side apply.
    RespondStatus(out_, runtime::NewStatus(runtime::StatusReason::kUnsupportedMediaType,
                                           "server-side apply is not served by bubble's API "
                                           "server: use kubectl apply without --server-side"));
    return;
  } else {
    RespondStatus(
        out_, runtime::NewStatus(runtime::StatusReason::kUnsupportedMediaType,
                                 fmt::format("the body of the request was in an unknown format - "
                                             "accepted media types include: "
                                             "application/json-patch+json, "
                                             "application/merge-patch+json, "
                                             "application/strategic-merge-patch+json (got {:?})",
                                             media)));
    return;
  }
  auto patched = client_->Patch(Ctx(), name, type, req_.body, {}, subresource);
  if (!patched) {
    RespondStatus(out_, patched.error());
    return;
  }
  RespondJson(out_, 200, (*patched)->ToJson());
}

// §1.16: a strategic merge patch becomes a merge patch against the current state
// (strategic_merge.h), guarded by that state's resourceVersion; a write in between is a
// conflict, and the patch is computed again (kube-apiserver's patcher retries the same way).
void Request::StrategicPatch(const std::string& name, const std::string& subresource) {
  auto patch = BodyJson(req_.body);
  if (!patch) {
    RespondStatus(out_, patch.error());
    return;
  }
  const bool pinned = patch->contains("metadata") && (*patch)["metadata"].is_object() &&
                      (*patch)["metadata"].contains("resourceVersion");
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    auto current = detail::ServerGet(Server(), resource_.gvr, namespace_, name);
    if (!current) {
      RespondStatus(out_, current.error());
      return;
    }
    nlohmann::json merge = detail::StrategicToMergePatch(*patch, (*current)->ToJson());
    const std::string& rv = (*current)->metadata.resource_version;
    if (!pinned && !rv.empty()) {
      merge["metadata"]["resourceVersion"] = rv;
    }
    auto patched = client_->Patch(Ctx(), name, runtime::PatchType::kStrategicMerge, merge.dump(),
                                  {}, subresource);
    if (!patched && runtime::IsConflict(patched.error()) && !pinned && attempt < kAttempts) {
      continue;
    }
    if (!patched) {
      RespondStatus(out_, patched.error());
      return;
    }
    RespondJson(out_, 200, (*patched)->ToJson());
    return;
  }
}

runtime::Result<runtime::DeleteOptions> Request::DeleteOptionsOf() {
  runtime::DeleteOptions opts;
  auto grace = IntParam(query_, "gracePeriodSeconds");
  if (!grace) {
    return runtime::Err(grace.error());
  }
  opts.grace_period_seconds = *grace;
  opts.propagation_policy = query_.GetOr("propagationPolicy", "");
  if (req_.body.empty()) {
    return opts;
  }
  auto j = BodyJson(req_.body);
  if (!j) {
    return runtime::Err(j.error());
  }
  // A string member, or nullopt when it is absent (an empty uid is still a precondition).
  const auto str = [](const nlohmann::json& obj, std::string_view key) {
    const nlohmann::json* v = detail::Child(&obj, key);
    return v != nullptr && v->is_string() ? std::optional<std::string>(v->get<std::string>())
                                          : std::nullopt;
  };
  if (const auto it = j->find("dryRun"); it != j->end() && it->is_array() && !it->empty()) {
    return runtime::Err(
        runtime::NewBadRequest("dryRun is not served: bubble's API server has no dry-run mode"));
  }
  if (const auto it = j->find("gracePeriodSeconds"); it != j->end() && it->is_number_integer()) {
    opts.grace_period_seconds = it->get<std::int64_t>();
  }
  if (auto policy = str(*j, "propagationPolicy")) {
    opts.propagation_policy = std::move(*policy);
  }
  if (const auto it = j->find("preconditions"); it != j->end() && it->is_object()) {
    opts.preconditions.uid = str(*it, "uid");
    opts.preconditions.resource_version = str(*it, "resourceVersion");
  }
  return opts;
}

void Request::Delete(const std::string& name) {
  auto opts = DeleteOptionsOf();
  if (!opts) {
    RespondStatus(out_, opts.error());
    return;
  }
  // §1.16: the answer is the object's last state, or its state with deletionTimestamp when
  // finalizers keep it.
  auto before = detail::ServerGet(Server(), resource_.gvr, namespace_, name);
  if (!before) {
    RespondStatus(out_, before.error());
    return;
  }
  if (auto deleted = client_->Delete(Ctx(), name, *opts); !deleted) {
    RespondStatus(out_, deleted.error());
    return;
  }
  auto after = detail::ServerGet(Server(), resource_.gvr, namespace_, name);
  RespondJson(out_, 200, (after ? *after : *before)->ToJson());
}

void Request::DeleteCollection() {
  runtime::FieldSelector event_fields;
  auto list_opts = ListOptionsOf(event_fields, /*watch=*/false);
  auto opts = DeleteOptionsOf();
  if (!list_opts || !opts) {
    RespondStatus(out_, !list_opts ? list_opts.error() : opts.error());
    return;
  }
  if (!event_fields.Empty()) {
    RespondStatus(out_, runtime::NewBadRequest(
                            "deletecollection of events by involvedObject fields is not served"));
    return;
  }
  list_opts->limit = 0;
  list_opts->continue_.clear();
  auto list = detail::ServerList(Server(), resource_.gvr, namespace_, *list_opts);
  if (!list) {
    RespondStatus(out_, list.error());
    return;
  }
  if (auto deleted = client_->DeleteCollection(Ctx(), *opts, *list_opts); !deleted) {
    RespondStatus(out_, deleted.error());
    return;
  }
  format_.table_api_version.clear();
  RespondJson(out_, 200,
              ListJson(list->items, {{"resourceVersion", list->metadata.resource_version}}));
}

}  // namespace

RestHandler::RestHandler(std::shared_ptr<fake::Clientset> server, RestOptions options)
    : state_(std::make_unique<State>(std::move(server), std::move(options))) {}

RestHandler::~RestHandler() = default;

void RestHandler::Serve(const net::HttpRequest& request, net::HttpResponder& response) {
  const detail::Negotiated accept = detail::NegotiateAccept(request.Header("accept"));
  const bool openapi = request.Path() == "/openapi/v2";  // answers its own media types
  if (!accept.acceptable && !openapi) {
    RespondStatus(response, runtime::NewStatus(runtime::StatusReason::kNotAcceptable,
                                               "only the following media types are accepted: "
                                               "application/json"));
    return;
  }
  auto query = detail::QueryParams::Parse(request.Query());
  auto target = detail::ParseTarget(request.Path());
  if (!query || !target) {
    RespondStatus(response, runtime::NewBadRequest(
                                "the request target has a malformed percent-escape (want %XX "
                                "with two hex digits)"));
    return;
  }
  try {
    Request(*state_, request, response, std::move(*query), accept).Route(*target);
  } catch (const nlohmann::json::exception& e) {
    // A body field of an unexpected JSON type that a decoder did not check: still a 400.
    RespondStatus(response, runtime::NewBadRequest(fmt::format(
                                "the request body has a field of the wrong type: {}", e.what())));
  }
}

}  // namespace bubble::apiserver
