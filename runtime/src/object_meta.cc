// runtime/src/object_meta.cc
#include "bubble/runtime/object_meta.h"

#include "json_util.h"

namespace bubble::runtime {

using detail::Json;

std::string ObjectMeta::Key() const {
  return namespace_.empty() ? name : namespace_ + "/" + name;
}

Json ObjectMeta::ToJson() const {
  Json j = Json::object();
  detail::PutString(j, "name", name);
  detail::PutString(j, "generateName", generate_name);
  detail::PutString(j, "namespace", namespace_);
  detail::PutString(j, "uid", uid);
  detail::PutString(j, "resourceVersion", resource_version);
  if (generation != 0) {
    j["generation"] = generation;
  }
  detail::PutTime(j, "creationTimestamp", creation_timestamp);
  detail::PutTime(j, "deletionTimestamp", deletion_timestamp);
  detail::PutOptional(j, "deletionGracePeriodSeconds", deletion_grace_period_seconds);
  detail::PutMap(j, "labels", labels);
  detail::PutMap(j, "annotations", annotations);
  if (!owner_references.empty()) {
    Json refs = Json::array();
    for (const OwnerReference& r : owner_references) {
      Json o = {{"apiVersion", r.api_version}, {"kind", r.kind}, {"name", r.name}, {"uid", r.uid}};
      detail::PutOptional(o, "controller", r.controller);
      detail::PutOptional(o, "blockOwnerDeletion", r.block_owner_deletion);
      refs.push_back(std::move(o));
    }
    j["ownerReferences"] = std::move(refs);
  }
  detail::PutStrings(j, "finalizers", finalizers);
  return j;
}

Result<ObjectMeta> ObjectMeta::FromJson(const Json& j) {
  ObjectMeta m;
  auto ok = detail::DecodeGuard("metadata", [&] {
    if (!j.is_object()) {
      throw detail::DecodeError("expected an object");
    }
    m.name = detail::GetString(j, "name");
    m.generate_name = detail::GetString(j, "generateName");
    m.namespace_ = detail::GetString(j, "namespace");
    m.uid = detail::GetString(j, "uid");
    m.resource_version = detail::GetString(j, "resourceVersion");
    m.generation = detail::GetOptionalInt<std::int64_t>(j, "generation").value_or(0);
    m.creation_timestamp = detail::GetTime(j, "creationTimestamp");
    m.deletion_timestamp = detail::GetTime(j, "deletionTimestamp");
    m.deletion_grace_period_seconds =
        detail::GetOptionalInt<std::int64_t>(j, "deletionGracePeriodSeconds");
    m.labels = detail::GetMap(j, "labels");
    m.annotations = detail::GetMap(j, "annotations");
    m.owner_references = detail::GetArray<OwnerReference>(j, "ownerReferences", [](const Json& o) {
      OwnerReference r;
      r.api_version = detail::GetString(o, "apiVersion");
      r.kind = detail::GetString(o, "kind");
      r.name = detail::GetString(o, "name");
      r.uid = detail::GetString(o, "uid");
      r.controller = detail::GetOptionalBool(o, "controller");
      r.block_owner_deletion = detail::GetOptionalBool(o, "blockOwnerDeletion");
      return r;
    });
    m.finalizers = detail::GetStrings(j, "finalizers");
  });
  if (!ok) {
    return Err(ok.error());
  }
  return m;
}

}  // namespace bubble::runtime

fmt::format_context::iterator fmt::formatter<bubble::runtime::ObjectMeta>::format(
    const bubble::runtime::ObjectMeta& m, format_context& ctx) const {
  auto out = fmt::format_to(ctx.out(), "{}", m.Key());
  if (!m.resource_version.empty()) {
    out = fmt::format_to(out, " rv={}", m.resource_version);
  }
  return out;
}
