// runtime/src/kind.cc
#include "bubble/runtime/kind.h"

#include <fmt/format.h>

namespace bubble::runtime::detail {

namespace {

// nlohmann's "[json.exception.type_error.302] type must be number, but is string" without the
// bracketed prefix.
std::string WithoutJsonPrefix(std::string_view what) {
  if (what.starts_with("[json.exception.")) {
    if (const auto end = what.find("] "); end != std::string_view::npos) {
      what.remove_prefix(end + 2);
    }
  }
  return std::string(what);
}

std::string JoinPath(std::string_view head, std::string_view tail) {
  if (tail.empty()) {
    return std::string(head);
  }
  if (head.empty()) {
    return std::string(tail);
  }
  return fmt::format("{}.{}", head, tail);
}

}  // namespace

FieldError::FieldError(std::string field_path, std::string reason)
    : std::runtime_error(fmt::format("field \"{}\": {}", field_path, reason)),
      path(std::move(field_path)),
      why(std::move(reason)) {}

void RethrowInField(std::string_view key) {
  try {
    throw;
  } catch (const FieldError& e) {
    throw FieldError(JoinPath(key, e.path), e.why);
  } catch (const nlohmann::json::exception& e) {
    throw FieldError(std::string(key), WithoutJsonPrefix(e.what()));
  } catch (const std::runtime_error& e) {  // a hand-written from_json's own error
    throw FieldError(std::string(key), e.what());
  }
}

void ExpectObject(const nlohmann::json& j) {
  if (!j.is_object()) {
    throw FieldError("", fmt::format("expected an object, got {}", j.type_name()));
  }
}

Status SectionDecodeError(const GroupVersionKind& kind, std::string_view section) {
  std::string path(section);
  std::string why;
  try {
    throw;
  } catch (const FieldError& e) {
    path = JoinPath(section, e.path);
    why = e.why;
  } catch (const nlohmann::json::exception& e) {
    why = WithoutJsonPrefix(e.what());
  } catch (const std::exception& e) {
    why = e.what();
  } catch (...) {
    why = "unknown error";
  }
  return NewBadRequest(fmt::format("{}: field \"{}\": {}", kind.kind, path, why));
}

}  // namespace bubble::runtime::detail

namespace bubble::runtime {

void to_json(nlohmann::json& j, const ObjectMeta& meta) {
  j = meta.ToJson();
}

void from_json(const nlohmann::json& j, ObjectMeta& meta) {
  Result<ObjectMeta> read = ObjectMeta::FromJson(j);
  if (!read) {
    throw detail::FieldError("", read.error().message);
  }
  meta = std::move(*read);
}

}  // namespace bubble::runtime
