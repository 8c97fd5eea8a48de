// runtime/include/bubble/runtime/cache/key_func.h
//
// Cache keys: how stores and FIFOs name objects (client-go's tools/cache key functions).
//
//   MetaNamespaceKeyFunc(cm)                 -> "default/cm1"   ("cm1" for a cluster object)
//   DeletionHandlingMetaNamespaceKeyFunc(t)  -> t.key for a DeletedFinalStateUnknown t
//   SplitMetaNamespaceKey("default/cm1")     -> {.namespace_ = "default", .name = "cm1"}
//
// Informers key their indexer and FIFO with DeletionHandlingMetaNamespaceKeyFunc, so tombstones
// that reach OnDelete can be looked up by the key they carry.
//
// Threading: plain functions; call them anywhere.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <bubble/runtime/cache/delta.h>
#include <bubble/runtime/status.h>

namespace bubble::runtime::cache {

// Computes the key of an object (or tombstone). Must be deterministic and must not block.
using KeyFunc = std::function<Result<std::string>(const DeltaObject&)>;

// "namespace/name", or "name" when the namespace is empty. Errors (as Go's meta.Accessor
// failure) for a null object and for a tombstone: `object has no meta: ...`.
Result<std::string> MetaNamespaceKeyFunc(const DeltaObject& obj);

// A tombstone's key, else MetaNamespaceKeyFunc.
Result<std::string> DeletionHandlingMetaNamespaceKeyFunc(const DeltaObject& obj);

// A namespace and a name (client-go's ObjectName).
struct ObjectName {
  std::string namespace_{};
  std::string name{};

  // The key: "namespace/name", or "name" when the namespace is empty.
  std::string String() const { return namespace_.empty() ? name : namespace_ + "/" + name; }

  friend bool operator==(const ObjectName&, const ObjectName&) = default;
};

// Splits a MetaNamespaceKeyFunc key: "name" -> {"", name}; "ns/name" -> {ns, name}; anything
// with more than one '/' -> error `unexpected key format: "<key>"`.
Result<ObjectName> SplitMetaNamespaceKey(std::string_view key);

}  // namespace bubble::runtime::cache
