// runtime/src/cache/delta.cc
#include "bubble/runtime/cache/delta.h"

namespace bubble::runtime::cache {

std::string_view DeltaTypeName(DeltaType type) noexcept {
  switch (type) {
    case DeltaType::kAdded:
      return "Added";
    case DeltaType::kUpdated:
      return "Updated";
    case DeltaType::kDeleted:
      return "Deleted";
    case DeltaType::kReplaced:
      return "Replaced";
    case DeltaType::kSync:
      return "Sync";
  }
  return "?";
}

}  // namespace bubble::runtime::cache
