// runtime/src/patch.cc
#include "bubble/runtime/patch.h"

#include <nlohmann/json.hpp>

namespace bubble::runtime {

Result<std::unique_ptr<Object>> ApplyPatch(const Object& current, PatchType type,
                                           std::string_view data) {
  const nlohmann::json patch = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (patch.is_discarded()) {
    return Err(NewBadRequest(fmt::format("error decoding patch: invalid JSON: {}", data)));
  }
  nlohmann::json doc = current.ToJson();
  switch (type) {
    case PatchType::kMerge:
    case PatchType::kStrategicMerge:
    case PatchType::kApply:
      if (!patch.is_object()) {
        return Err(
            NewBadRequest(fmt::format("error decoding patch: a {} must be a JSON object, got {}",
                                      PatchTypeName(type), patch.type_name())));
      }
      doc.merge_patch(patch);
      break;
    case PatchType::kJson:
      if (!patch.is_array()) {
        return Err(NewBadRequest(
            fmt::format("error decoding patch: a JSON patch must be an array of operations, got {}",
                        patch.type_name())));
      }
      try {
        doc = doc.patch(patch);
      } catch (const nlohmann::json::exception& e) {
        return Err(NewBadRequest(fmt::format("error applying JSON patch: {}", e.what())));
      }
      break;
  }
  std::unique_ptr<Object> out = current.New();
  if (auto ok = out->ReadJson(doc); !ok) {
    return Err(ok.error());
  }
  return out;
}

}  // namespace bubble::runtime
