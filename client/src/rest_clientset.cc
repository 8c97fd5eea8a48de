// client/src/rest_clientset.cc
#include "bubble/client/rest_clientset.h"

#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api_path.h"
#include "rest_transport.h"
#include "stream_watcher.h"

namespace bubble::client {

namespace {

using runtime::Err;
using runtime::ObjectPtr;
using runtime::Result;

constexpr std::string_view kJson = "application/json";

Result<nlohmann::json> ParseBody(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return Err(runtime::NewInternalError(
        fmt::format("the server answered with a body that is not a JSON object: {:.200}", body)));
  }
  return j;
}

// Decodes an object through the Scheme. Real API servers leave apiVersion and kind out of a
// list's items: those come from `fallback` (the list's kind without "List", or the kind the
// Scheme registers for the resource).
Result<ObjectPtr> DecodeObject(const runtime::Scheme& scheme, nlohmann::json j,
                               const std::optional<runtime::GroupVersionKind>& fallback) {
  if (j.is_object() && fallback) {
    if (!j.contains("apiVersion")) {
      j["apiVersion"] = fallback->ApiVersion();
    }
    if (!j.contains("kind")) {
      j["kind"] = fallback->kind;
    }
  }
  auto obj = scheme.Decode(j);
  if (!obj) {
    return Err(std::move(obj.error()));
  }
  return ObjectPtr(std::move(*obj));
}

class RestResourceClient final : public runtime::ResourceClient {
 public:
  RestResourceClient(std::shared_ptr<const runtime::Scheme> scheme,
                     std::shared_ptr<detail::RestTransport> transport,
                     runtime::GroupVersionResource resource, std::string ns)
      : scheme_(std::move(scheme)),
        transport_(std::move(transport)),
        resource_(std::move(resource)),
        namespace_(std::move(ns)) {
    if (const runtime::KindInfo* info = scheme_->ForResource(resource_)) {
      kind_ = info->kind;
      namespaced_ = info->namespaced;
    } else {
      namespaced_ = !namespace_.empty();
    }
  }

  const runtime::GroupVersionResource& Resource() const override { return resource_; }

  const std::string& Namespace() const override { return namespace_; }

  Result<ObjectPtr> Get(const sim::Context& ctx, std::string_view name,
                        const runtime::GetOptions& opts) override {
    detail::QueryBuilder query;
    if (!opts.resource_version.empty()) {
      query.Add("resourceVersion", opts.resource_version);
    }
    return Object(ctx, {.target = Path(namespace_, name) + query.String()});
  }

  Result<runtime::ObjectList> List(const sim::Context& ctx,
                                   const runtime::ListOptions& opts) override {
    auto body = transport_->Do(ctx, {.target = CollectionTarget(opts, /*watch=*/false)});
    if (!body) {
      return Err(std::move(body.error()));
    }
    auto j = ParseBody(*body);
    if (!j) {
      return Err(std::move(j.error()));
    }
    return DecodeList(*j);
  }

  Result<runtime::WatchPtr> Watch(const sim::Context& ctx,
                                  const runtime::ListOptions& opts) override {
    auto stream = transport_->Open(ctx, {.target = CollectionTarget(opts, /*watch=*/true)});
    if (!stream) {
      return Err(std::move(stream.error()));
    }
    auto decode = [scheme = scheme_, kind = kind_](nlohmann::json j) {
      return DecodeObject(*scheme, std::move(j), kind);
    };
    return detail::StartStreamWatcher(
        std::move(*stream), std::move(decode),
        fmt::format("watch {} {}", resource_, namespace_.empty() ? "-A" : namespace_), transport_);
  }

  Result<ObjectPtr> Create(const sim::Context& ctx, const runtime::Object& obj,
                           const runtime::CreateOptions& opts) override {
    return Write(ctx, "POST", obj, {}, WriteQuery(opts.dry_run, opts.field_manager, {}), true);
  }

  Result<ObjectPtr> Update(const sim::Context& ctx, const runtime::Object& obj,
                           const runtime::UpdateOptions& opts) override {
    return Write(ctx, "PUT", obj, {}, WriteQuery(opts.dry_run, opts.field_manager, {}), false);
  }

  Result<ObjectPtr> UpdateStatus(const sim::Context& ctx, const runtime::Object& obj,
                                 const runtime::UpdateOptions& opts) override {
    return Write(ctx, "PUT", obj, "status", WriteQuery(opts.dry_run, opts.field_manager, {}),
                 false);
  }

  Result<ObjectPtr> Patch(const sim::Context& ctx, std::string_view name, runtime::PatchType type,
                          std::string_view data, const runtime::PatchOptions& opts,
                          std::string_view subresource) override {
    if (name.empty()) {
      return Err(runtime::NewBadRequest("resource name may not be empty"));
    }
    return Object(ctx, {.method = "PATCH",
                        .target = Path(namespace_, name, subresource) +
                                  WriteQuery(opts.dry_run, opts.field_manager, opts.force),
                        .content_type = std::string(runtime::PatchTypeName(type)),
                        .body = std::string(data)});
  }

  Result<void> Delete(const sim::Context& ctx, std::string_view name,
                      const runtime::DeleteOptions& opts) override {
    if (name.empty()) {
      return Err(runtime::NewBadRequest("resource name may not be empty"));
    }
    return Done(transport_->Do(ctx, {.method = "DELETE",
                                     .target = Path(namespace_, name),
                                     .content_type = std::string(kJson),
                                     .body = DeleteBody(opts)}));
  }

  Result<void> DeleteCollection(const sim::Context& ctx, const runtime::DeleteOptions& opts,
                                const runtime::ListOptions& list_opts) override {
    return Done(transport_->Do(ctx, {.method = "DELETE",
                                     .target = CollectionTarget(list_opts, /*watch=*/false),
                                     .content_type = std::string(kJson),
                                     .body = DeleteBody(opts)}));
  }

 private:
  // The path in namespace `ns` (left out for a cluster-scoped resource).
  std::string Path(std::string_view ns, std::string_view name,
                   std::string_view subresource = {}) const {
    return detail::ResourcePath(resource_, namespaced_ ? ns : std::string_view(), name,
                                subresource);
  }

  // The collection's path with the list options as parameters (watch=1 for a watch).
  std::string CollectionTarget(const runtime::ListOptions& opts, bool watch) const {
    detail::QueryBuilder query;
    runtime::ListOptions with = opts;
    with.watch = watch;
    detail::AddListOptions(query, with);
    return Path(namespace_, {}) + query.String();
  }

  static std::string WriteQuery(const std::vector<std::string>& dry_run,
                                const std::string& field_manager, std::optional<bool> force) {
    detail::QueryBuilder query;
    for (const std::string& d : dry_run) {
      query.Add("dryRun", d);
    }
    if (!field_manager.empty()) {
      query.Add("fieldManager", field_manager);
    }
    if (force) {
      query.Add("force", *force ? "true" : "false");
    }
    return query.String();
  }

  static std::string DeleteBody(const runtime::DeleteOptions& opts) {
    nlohmann::json j = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
    if (opts.grace_period_seconds) {
      j["gracePeriodSeconds"] = *opts.grace_period_seconds;
    }
    if (opts.preconditions.uid) {
      j["preconditions"]["uid"] = *opts.preconditions.uid;
    }
    if (opts.preconditions.resource_version) {
      j["preconditions"]["resourceVersion"] = *opts.preconditions.resource_version;
    }
    if (!opts.propagation_policy.empty()) {
      j["propagationPolicy"] = opts.propagation_policy;
    }
    if (!opts.dry_run.empty()) {
      j["dryRun"] = opts.dry_run;
    }
    return j.dump();
  }

  static Result<void> Done(Result<std::string> answer) {
    if (!answer) {
      return Err(std::move(answer.error()));
    }
    return runtime::Ok();
  }

  // Sends `call` and decodes the object it answers with.
  Result<ObjectPtr> Object(const sim::Context& ctx, const detail::RestCall& call) {
    auto body = transport_->Do(ctx, call);
    if (!body) {
      return Err(std::move(body.error()));
    }
    auto j = ParseBody(*body);
    if (!j) {
      return Err(std::move(j.error()));
    }
    return DecodeObject(*scheme_, std::move(*j), kind_);
  }

  // POST (create: to the collection) or PUT (update: to the object or its `subresource`).
  Result<ObjectPtr> Write(const sim::Context& ctx, std::string method, const runtime::Object& obj,
                          std::string_view subresource, const std::string& query, bool create) {
    // A namespaced client writes into its namespace; an all-namespaces one into the object's.
    const std::string& ns = namespace_.empty() ? obj.metadata.namespace_ : namespace_;
    if (namespaced_ && ns.empty()) {
      return Err(runtime::NewBadRequest(
          fmt::format("{} {}: the object has no namespace and the client was made for all "
                      "namespaces: set metadata.namespace or use a namespaced client",
                      method, resource_)));
    }
    if (!create && obj.metadata.name.empty()) {
      return Err(runtime::NewBadRequest("resource name may not be empty"));
    }
    nlohmann::json j = obj.ToJson();
    if (namespaced_ && obj.metadata.namespace_.empty()) {
      j["metadata"]["namespace"] = ns;
    }
    return Object(
        ctx,
        {.method = std::move(method),
         .target = Path(ns, create ? std::string_view() : obj.metadata.name, subresource) + query,
         .content_type = std::string(kJson),
         .body = j.dump()});
  }

  Result<runtime::ObjectList> DecodeList(const nlohmann::json& j) const {
    runtime::ObjectList list;
    if (const auto meta = j.find("metadata"); meta != j.end() && meta->is_object()) {
      list.metadata.resource_version = meta->value("resourceVersion", "");
      list.metadata.continue_ = meta->value("continue", "");
      if (const auto r = meta->find("remainingItemCount");
          r != meta->end() && r->is_number_integer()) {
        list.metadata.remaining_item_count = r->get<std::int64_t>();
      }
    }
    std::optional<runtime::GroupVersionKind> item_kind = kind_;
    const std::string list_kind = j.value("kind", "");
    if (list_kind.size() > 4 && list_kind.ends_with("List") && j.contains("apiVersion") &&
        j["apiVersion"].is_string()) {
      auto [group, version] = runtime::ParseApiVersion(j["apiVersion"].get<std::string>());
      item_kind = runtime::GroupVersionKind{std::move(group), std::move(version),
                                            list_kind.substr(0, list_kind.size() - 4)};
    }
    if (const auto items = j.find("items"); items != j.end() && items->is_array()) {
      list.items.reserve(items->size());
      for (const nlohmann::json& item : *items) {
        auto obj = DecodeObject(*scheme_, item, item_kind);
        if (!obj) {
          return Err(std::move(obj.error()));
        }
        list.items.push_back(std::move(*obj));
      }
    }
    return list;
  }

  std::shared_ptr<const runtime::Scheme> scheme_;
  std::shared_ptr<detail::RestTransport> transport_;
  runtime::GroupVersionResource resource_;
  std::string namespace_;
  std::optional<runtime::GroupVersionKind> kind_{};
  bool namespaced_ = true;
};

}  // namespace

RestClientset::RestClientset(RestConfig config, runtime::Scheme scheme)
    : scheme_(std::make_shared<const runtime::Scheme>(std::move(scheme))),
      watch_list_(config.watch_list),
      transport_(std::make_shared<detail::RestTransport>(std::move(config))) {}

RestClientset::~RestClientset() = default;

runtime::ResourceClientPtr RestClientset::Resource(const runtime::GroupVersionResource& resource,
                                                   std::string_view ns) {
  return std::make_shared<RestResourceClient>(scheme_, transport_, resource, std::string(ns));
}

}  // namespace bubble::client
