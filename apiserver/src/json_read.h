// apiserver/src/json_read.h
//
// Reading fields of an object's JSON (a stored CRD, an object being printed) without throwing:
// a missing field, or one of another type, reads as Go's zero value, as kube's printers and
// discovery see a field the object does not set. nlohmann's at()/get() throw instead.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace bubble::apiserver::detail {

// The member `key` of an object, or nullptr (`j` null, not an object, or without `key`).
inline const nlohmann::json* Child(const nlohmann::json* j, std::string_view key) {
  if (j == nullptr || !j->is_object()) {
    return nullptr;
  }
  const auto it = j->find(key);
  return it == j->end() ? nullptr : &*it;
}

// The member at `path` ({"status", "phase"}), or nullptr.
inline const nlohmann::json* At(const nlohmann::json& j,
                                std::initializer_list<std::string_view> path) {
  const nlohmann::json* cur = &j;
  for (std::string_view key : path) {
    cur = Child(cur, key);
  }
  return cur;
}

inline std::string Str(const nlohmann::json* j) {
  return j != nullptr && j->is_string() ? j->get<std::string>() : std::string{};
}

// An integer (a float is truncated, as a JSON number decoded into an int64 field).
inline std::int64_t Int(const nlohmann::json* j, std::int64_t fallback = 0) {
  if (j == nullptr || !j->is_number()) {
    return fallback;
  }
  return j->is_number_float() ? static_cast<std::int64_t>(j->get<double>())
                              : j->get<std::int64_t>();
}

inline bool Bool(const nlohmann::json* j) {
  return j != nullptr && j->is_boolean() && j->get<bool>();
}

// The number of members or elements; 0 for anything else.
inline std::size_t Size(const nlohmann::json* j) {
  return j != nullptr && (j->is_object() || j->is_array()) ? j->size() : 0;
}

// The array, or an empty one.
inline const nlohmann::json& Array(const nlohmann::json* j) {
  static const nlohmann::json empty = nlohmann::json::array();
  return j != nullptr && j->is_array() ? *j : empty;
}

// ASCII lower case, as kube lower-cases kinds ("ConfigMap" -> "configmap").
inline std::string LowerAscii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace bubble::apiserver::detail
