// runtime/src/cache/errors.cc
#include "bubble/runtime/cache/errors.h"

#include <utility>
#include <variant>

#include <fmt/format.h>

namespace bubble::runtime::cache {

Status NewCacheError(std::string message) {
  Status s;
  s.reason = StatusReason::kUnknown;
  s.code = 0;
  s.message = std::move(message);
  return s;
}

Status NewFifoClosedError() {
  return NewCacheError(std::string(kFifoClosedMessage));
}

bool IsFifoClosed(const Status& s) noexcept {
  return s.code == 0 && s.context == sim::ContextError::kNone && s.message == kFifoClosedMessage;
}

Status NewKeyError(const DeltaObject& obj, const Status& cause) {
  return NewCacheError(
      fmt::format("couldn't create key for object {}: {}", DescribeDeltaObject(obj), cause));
}

std::string DescribeDeltaObject(const DeltaObject& obj) {
  if (const auto* tombstone = std::get_if<DeletedFinalStateUnknown>(&obj)) {
    return fmt::format("DeletedFinalStateUnknown{{{}, {}}}", tombstone->key, tombstone->obj);
  }
  return fmt::format("{}", std::get<ObjectPtr>(obj));
}

}  // namespace bubble::runtime::cache
