// apiserver/src/strategic_merge.cc
#include "strategic_merge.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bubble::apiserver::detail {

namespace {

constexpr std::string_view kOrderPrefix = "$setElementOrder/";

// The patchMergeKey kube's built-in types declare for their keyed lists, in the order tried.
constexpr std::array<std::string_view, 5> kMergeKeys = {"name", "containerPort", "port", "type",
                                                        "uid"};

// The merge key every element of `patch` (a non-empty list of objects) carries, if any.
std::optional<std::string> MergeKeyOf(const nlohmann::json& patch) {
  if (!patch.is_array() || patch.empty()) {
    return std::nullopt;
  }
  for (std::string_view key : kMergeKeys) {
    bool all = true;
    for (const nlohmann::json& e : patch) {
      all = all && e.is_object() && e.contains(std::string(key));
    }
    if (all) {
      return std::string(key);
    }
  }
  return std::nullopt;
}

bool IsDeleteDirective(const nlohmann::json& element) {
  const auto it = element.find("$patch");
  return it != element.end() && *it == "delete";
}

nlohmann::json MergeList(const nlohmann::json& patch, const nlohmann::json& current,
                         const std::string& key, const nlohmann::json* order) {
  std::vector<nlohmann::json> merged(current.begin(), current.end());
  for (const nlohmann::json& p : patch) {
    const nlohmann::json& id = p[key];
    auto match = std::find_if(merged.begin(), merged.end(), [&](const nlohmann::json& c) {
      return c.is_object() && c.contains(key) && c[key] == id;
    });
    if (IsDeleteDirective(p)) {
      if (match != merged.end()) {
        merged.erase(match);
      }
      continue;
    }
    if (match != merged.end()) {
      match->merge_patch(StrategicToMergePatch(p, *match));
    } else {
      nlohmann::json fresh = nlohmann::json::object();
      fresh.merge_patch(StrategicToMergePatch(p, nlohmann::json::object()));
      merged.push_back(std::move(fresh));
    }
  }
  if (order == nullptr || !order->is_array()) {
    return merged;
  }
  // The order kubectl gives first, then the elements it does not name, as they were.
  nlohmann::json out = nlohmann::json::array();
  std::vector<bool> taken(merged.size(), false);
  for (const nlohmann::json& o : *order) {
    if (!o.is_object() || !o.contains(key)) {
      continue;
    }
    for (std::size_t i = 0; i < merged.size(); ++i) {
      if (!taken[i] && merged[i].is_object() && merged[i].contains(key) &&
          merged[i][key] == o[key]) {
        taken[i] = true;
        out.push_back(merged[i]);
      }
    }
  }
  for (std::size_t i = 0; i < merged.size(); ++i) {
    if (!taken[i]) {
      out.push_back(merged[i]);
    }
  }
  return out;
}

}  // namespace

nlohmann::json StrategicToMergePatch(const nlohmann::json& patch, const nlohmann::json& current) {
  if (!patch.is_object()) {
    return patch;
  }
  nlohmann::json out = nlohmann::json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& k = it.key();
    if (!k.empty() && k[0] == '$') {
      continue;
    }
    const nlohmann::json* now = nullptr;
    if (current.is_object()) {
      if (const auto c = current.find(k); c != current.end()) {
        now = &*c;
      }
    }
    const nlohmann::json& v = it.value();
    if (v.is_object()) {
      out[k] = StrategicToMergePatch(v, now != nullptr ? *now : nlohmann::json::object());
    } else if (const auto key = MergeKeyOf(v); key && now != nullptr && now->is_array()) {
      const auto order = patch.find(std::string(kOrderPrefix) + k);
      out[k] = MergeList(v, *now, *key, order != patch.end() ? &*order : nullptr);
    } else if (v.is_array()) {
      nlohmann::json list = nlohmann::json::array();
      for (const nlohmann::json& e : v) {
        if (e.is_object() && IsDeleteDirective(e)) {
          continue;
        }
        nlohmann::json fresh = nlohmann::json::object();
        if (e.is_object()) {
          fresh.merge_patch(StrategicToMergePatch(e, nlohmann::json::object()));
          list.push_back(std::move(fresh));
        } else {
          list.push_back(e);
        }
      }
      out[k] = std::move(list);
    } else {
      out[k] = v;
    }
  }
  return out;
}

}  // namespace bubble::apiserver::detail
