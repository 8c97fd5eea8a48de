// runtime/src/object.cc
#include "bubble/runtime/object.h"

#include "json_util.h"

namespace bubble::runtime {

using detail::Json;

Json Object::ToJson() const {
  const GroupVersionKind& gvk = Kind();
  Json j = Json::object();
  j["apiVersion"] = gvk.ApiVersion();
  j["kind"] = gvk.kind;
  j["metadata"] = metadata.ToJson();
  EncodeBody(j);
  return j;
}

Result<void> Object::ReadJson(const Json& j) {
  if (!j.is_object()) {
    return Err(NewBadRequest(
        fmt::format("decoding {}: expected a JSON object, got {}", Kind().kind, j.type_name())));
  }
  if (const auto it = j.find("metadata"); it != j.end() && !it->is_null()) {
    Result<ObjectMeta> meta = ObjectMeta::FromJson(*it);
    if (!meta) {
      return Err(meta.error());
    }
    metadata = std::move(*meta);
  } else {
    metadata = ObjectMeta{};
  }
  if (auto ok = DecodeBody(j); !ok) {
    return ok;
  }
  // Unstructured took its kind from `j` in DecodeBody; a typed kind must match what `j` says.
  const GroupVersionKind& gvk = Kind();
  const auto api_version = j.find("apiVersion");
  const auto kind = j.find("kind");
  if ((api_version != j.end() && api_version->is_string() &&
       api_version->get<std::string>() != gvk.ApiVersion()) ||
      (kind != j.end() && kind->is_string() && kind->get<std::string>() != gvk.kind)) {
    return Err(NewBadRequest(fmt::format(
        "decoding {}: the JSON is a {}/{}", gvk.String(),
        api_version != j.end() && api_version->is_string() ? api_version->get<std::string>() : "",
        kind != j.end() && kind->is_string() ? kind->get<std::string>() : "")));
  }
  return {};
}

std::optional<std::string> Object::FieldValue(std::string_view field) const {
  if (field == "metadata.name") {
    return metadata.name;
  }
  if (field == "metadata.namespace") {
    return metadata.namespace_;
  }
  return std::nullopt;
}

namespace detail {

Status WrongKind(const GroupVersionKind& want, const Object& got) {
  return NewBadRequest(fmt::format("expected a {} object, got {} {}", want.String(),
                                   got.Kind().String(), got.metadata.Key()));
}

Result<void> Convert(const Object& from, Object& into) {
  return into.ReadJson(from.ToJson());
}

fmt::format_context::iterator FormatObjectTo(const Object& obj, bool json,
                                             fmt::format_context& ctx) {
  if (json) {
    return fmt::format_to(ctx.out(), "{}", obj.ToJson().dump());
  }
  auto out = fmt::format_to(ctx.out(), "{} {}", obj.Kind().kind, obj.metadata);
  const std::string summary = obj.Summary();
  if (!summary.empty()) {
    out = fmt::format_to(out, " {}", summary);
  }
  return out;
}

}  // namespace detail

std::string Describe(const Object& obj) {
  return fmt::format("{}", obj);
}

}  // namespace bubble::runtime

fmt::format_context::iterator fmt::formatter<bubble::runtime::ObjectList>::format(
    const bubble::runtime::ObjectList& list, format_context& ctx) const {
  auto out = fmt::format_to(ctx.out(), "[");
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    out = fmt::format_to(out, "{}{}", i == 0 ? "" : " ",
                         list.items[i] ? list.items[i]->metadata.Key() : std::string("<nil>"));
  }
  return fmt::format_to(out, "] rv={}", list.metadata.resource_version);
}
