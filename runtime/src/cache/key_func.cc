// runtime/src/cache/key_func.cc
#include "bubble/runtime/cache/key_func.h"

#include <variant>

#include <fmt/format.h>

#include <bubble/runtime/cache/errors.h>

namespace bubble::runtime::cache {

Result<std::string> MetaNamespaceKeyFunc(const DeltaObject& obj) {
  if (std::holds_alternative<DeletedFinalStateUnknown>(obj)) {
    // Go's meta.Accessor fails on a tombstone: it has no ObjectMeta of its own.
    return Err(
        NewCacheError("object has no meta: object does not implement the Object interfaces "
                      "(DeletedFinalStateUnknown)"));
  }
  const ObjectPtr& o = std::get<ObjectPtr>(obj);
  if (o == nullptr) {
    return Err(NewCacheError("object has no meta: object is null"));
  }
  return o->metadata.Key();
}

Result<std::string> DeletionHandlingMetaNamespaceKeyFunc(const DeltaObject& obj) {
  if (const auto* tombstone = std::get_if<DeletedFinalStateUnknown>(&obj)) {
    return tombstone->key;
  }
  return MetaNamespaceKeyFunc(obj);
}

Result<ObjectName> SplitMetaNamespaceKey(std::string_view key) {
  const auto first = key.find('/');
  if (first == std::string_view::npos) {
    return ObjectName{.namespace_ = "", .name = std::string(key)};
  }
  if (key.find('/', first + 1) == std::string_view::npos) {
    return ObjectName{.namespace_ = std::string(key.substr(0, first)),
                      .name = std::string(key.substr(first + 1))};
  }
  // fmt's {:?} quotes and escapes like Go's %q for printable text.
  return Err(NewCacheError(fmt::format("unexpected key format: {:?}", key)));
}

}  // namespace bubble::runtime::cache
