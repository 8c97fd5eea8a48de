// runtime/src/json_util.h (private)
//
// Small JSON helpers for the kinds' encoders and decoders. Encoders omit empty values
// (Kubernetes' omitempty). Decoders throw DecodeError (or nlohmann's type_error) on malformed
// input; DecodeGuard turns either into a BadRequest Status at the API boundary.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <bubble/runtime/status.h>
#include <bubble/runtime/time_format.h>
#include <bubble/sim/clock.h>

namespace bubble::runtime::detail {

using Json = nlohmann::json;

struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void PutString(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) {
    j[key] = v;
  }
}

inline void PutMap(Json& j, const char* key, const std::map<std::string, std::string>& m) {
  if (!m.empty()) {
    Json o = Json::object();
    for (const auto& [k, v] : m) {
      o[k] = v;
    }
    j[key] = std::move(o);
  }
}

inline void PutStrings(Json& j, const char* key, const std::vector<std::string>& v) {
  if (!v.empty()) {
    j[key] = v;
  }
}

inline void PutTime(Json& j, const char* key, const std::optional<sim::TimePoint>& t,
                    bool micro = false) {
  if (t.has_value()) {
    j[key] = micro ? FormatMicroTime(*t) : FormatTime(*t);
  }
}

template <class T>
void PutOptional(Json& j, const char* key, const std::optional<T>& v) {
  if (v.has_value()) {
    j[key] = *v;
  }
}

inline const Json* Find(const Json& j, const char* key) {
  if (!j.is_object()) {
    throw DecodeError(fmt::format("expected an object around \"{}\"", key));
  }
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

inline std::string GetString(const Json& j, const char* key) {
  const Json* v = Find(j, key);
  if (v == nullptr) {
    return {};
  }
  if (!v->is_string()) {
    throw DecodeError(fmt::format("field \"{}\": expected a string, got {}", key, v->type_name()));
  }
  return v->get<std::string>();
}

inline std::optional<std::string> GetOptionalString(const Json& j, const char* key) {
  const Json* v = Find(j, key);
  if (v == nullptr) {
    return std::nullopt;
  }
  return GetString(j, key);
}

template <class T>
std::optional<T> GetOptionalInt(const Json& j, const char* key) {
  const Json* v = Find(j, key);
  if (v == nullptr) {
    return std::nullopt;
  }
  if (!v->is_number_integer()) {
    throw DecodeError(
        fmt::format("field \"{}\": expected an integer, got {}", key, v->type_name()));
  }
  return v->get<T>();
}

inline std::optional<bool> GetOptionalBool(const Json& j, const char* key) {
  const Json* v = Find(j, key);
  if (v == nullptr) {
    return std::nullopt;
  }
  if (!v->is_boolean()) {
    throw DecodeError(fmt::format("field \"{}\": expected a boolean, got {}", key, v->type_name()));
  }
  return v->get<bool>();
}

inline std::map<std::string, std::string> GetMap(const Json& j, const char* key) {
  std::map<std::string, std::string> out;
  const Json* v = Find(j, key);
  if (v == nullptr) {
    return out;
  }
  if (!v->is_object()) {
    throw DecodeError(fmt::format("field \"{}\": expected an object, got {}", key, v->type_name()));
  }
  for (const auto& [k, e] : v->items()) {
    if (!e.is_string()) {
      throw DecodeError(fmt::format("field \"{}.{}\": expected a string", key, k));
    }
    out.emplace(k, e.get<std::string>());
  }
  return out;
}

inline std::vector<std::string> GetStrings(const Json& j, const char* key) {
  std::vector<std::string> out;
  const Json* v = Find(j, key);
  if (v == nullptr) {
    return out;
  }
  if (!v->is_array()) {
    throw DecodeError(fmt::format("field \"{}\": expected an array, got {}", key, v->type_name()));
  }
  for (const Json& e : *v) {
    if (!e.is_string()) {
      throw DecodeError(fmt::format("field \"{}\": expected an array of strings", key));
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

inline std::optional<sim::TimePoint> GetTime(const Json& j, const char* key) {
  const std::optional<std::string> s = GetOptionalString(j, key);
  if (!s.has_value()) {
    return std::nullopt;
  }
  Result<sim::TimePoint> t = ParseTime(*s);
  if (!t) {
    throw DecodeError(fmt::format("field \"{}\": {}", key, t.error().message));
  }
  return *t;
}

// An array field, each element decoded by `fn`.
template <class T, class Fn>
std::vector<T> GetArray(const Json& j, const char* key, Fn fn) {
  std::vector<T> out;
  const Json* v = Find(j, key);
  if (v == nullptr) {
    return out;
  }
  if (!v->is_array()) {
    throw DecodeError(fmt::format("field \"{}\": expected an array, got {}", key, v->type_name()));
  }
  for (const Json& e : *v) {
    out.push_back(fn(e));
  }
  return out;
}

// Runs a decoder; a DecodeError or a JSON error becomes BadRequest "<what>: <why>".
template <class Fn>
Result<void> DecodeGuard(std::string_view what, Fn fn) {
  try {
    fn();
    return {};
  } catch (const DecodeError& e) {
    return Err(NewBadRequest(fmt::format("{}: {}", what, e.what())));
  } catch (const nlohmann::json::exception& e) {
    return Err(NewBadRequest(fmt::format("{}: {}", what, e.what())));
  }
}

}  // namespace bubble::runtime::detail
