// tools/src/net/seed_objects.cc
#include "seed_objects.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include <yaml-cpp/yaml.h>

namespace bubble::cli::net_commands {
namespace {

using nlohmann::json;

bool IsOneOf(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words) {
    if (s == w) {
      return true;
    }
  }
  return false;
}

// A plain (unquoted) scalar typed by YAML 1.2's core schema, as kubectl's YAML reader types
// the values Kubernetes objects use (booleans, null, integers, floats); quoted ones are strings.
json PlainScalar(const std::string& s) {
  if (IsOneOf(s, {"", "~", "null", "Null", "NULL"})) {
    return nullptr;
  }
  if (IsOneOf(s, {"true", "True", "TRUE"})) {
    return true;
  }
  if (IsOneOf(s, {"false", "False", "FALSE"})) {
    return false;
  }
  const char* first = s.data();
  const char* last = s.data() + s.size();
  std::int64_t i = 0;
  if (auto [end, ec] = std::from_chars(first + (s[0] == '+' ? 1 : 0), last, i);
      ec == std::errc() && end == last) {
    return i;
  }
  double d = 0;
  const bool numeric_start = (s[0] >= '0' && s[0] <= '9') ||
                             ((s[0] == '-' || s[0] == '+' || s[0] == '.') && s.size() > 1 &&
                              ((s[1] >= '0' && s[1] <= '9') || s[1] == '.'));
  if (numeric_start) {
    if (auto [end, ec] = std::from_chars(first + (s[0] == '+' ? 1 : 0), last, d);
        ec == std::errc() && end == last) {
      return d;
    }
  }
  return s;
}

json ToJson(const YAML::Node& node, int depth) {
  // Kubernetes objects nest a few dozen levels at most; a deeper file is not one.
  if (depth > 200) {
    throw SeedObjectsError("nesting deeper than 200 levels");
  }
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return node.Tag() == "!" ? json(node.Scalar()) : PlainScalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const YAML::Node& item : node) {
        out.push_back(ToJson(item, depth + 1));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          throw SeedObjectsError("a mapping key that is not a scalar");
        }
        out[kv.first.Scalar()] = ToJson(kv.second, depth + 1);
      }
      return out;
    }
  }
  return nullptr;
}

std::string Where(const std::string& origin, std::size_t document) {
  return fmt::format("{}, document {}", origin, document + 1);
}

void AddObject(json object, const std::string& where, std::vector<json>& out) {
  if (!object.is_object()) {
    throw SeedObjectsError(
        fmt::format("{}: not an object (a mapping with apiVersion, kind and "
                    "metadata)",
                    where));
  }
  const auto text = [&object](const char* key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const std::string kind = text("kind");
  if (text("apiVersion").empty() || kind.empty()) {
    throw SeedObjectsError(fmt::format("{}: the object has no apiVersion or kind", where));
  }
  if (kind == "List" || (kind.size() > 4 && kind.ends_with("List") && object.contains("items"))) {
    const auto items = object.find("items");
    if (items == object.end() || !items->is_array()) {
      throw SeedObjectsError(fmt::format("{}: a {} without an items array", where, kind));
    }
    for (json& item : *items) {
      AddObject(std::move(item), where + " (an item of the list)", out);
    }
    return;
  }
  const auto meta = object.find("metadata");
  const bool named = meta != object.end() && meta->is_object() &&
                     ((meta->contains("name") && (*meta)["name"].is_string()) ||
                      (meta->contains("generateName") && (*meta)["generateName"].is_string()));
  if (!named) {
    throw SeedObjectsError(
        fmt::format("{}: the {} has no metadata.name (or metadata.generateName)", where, kind));
  }
  out.push_back(std::move(object));
}

}  // namespace

std::vector<json> ParseSeedObjects(const std::string& text, const std::string& origin) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    throw SeedObjectsError(fmt::format("{}: not YAML or JSON: {} (line {}, column {})", origin,
                                       e.msg, e.mark.line + 1, e.mark.column + 1));
  }
  std::vector<json> out;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (docs[i].IsNull()) {  // an empty document: "---" at the end, comments only
      continue;
    }
    json object;
    try {
      object = ToJson(docs[i], 0);
    } catch (const SeedObjectsError& e) {
      throw SeedObjectsError(fmt::format("{}: {}", Where(origin, i), e.what()));
    }
    AddObject(std::move(object), Where(origin, i), out);
  }
  return out;
}

std::vector<json> ReadSeedObjects(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw SeedObjectsError(fmt::format(
        "cannot read seed objects \"{}\": not a file (give a YAML or JSON file of objects)", path));
  }
  if (std::filesystem::file_size(path, ec) > kSeedObjectsMaxBytes) {
    throw SeedObjectsError(fmt::format(
        "seed objects \"{}\" is larger than {} MiB: split it, or create the rest with kubectl",
        path, kSeedObjectsMaxBytes >> 20));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    throw SeedObjectsError(fmt::format("cannot read seed objects \"{}\"", path));
  }
  return ParseSeedObjects(text.str(), path);
}

}  // namespace bubble::cli::net_commands
