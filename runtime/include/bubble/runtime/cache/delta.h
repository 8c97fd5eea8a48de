// runtime/include/bubble/runtime/cache/delta.h
//
// What flows from a reflector through a FIFO to an informer: objects, tombstones and deltas
// (client-go's tools/cache Delta, Deltas and DeletedFinalStateUnknown).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <bubble/runtime/object.h>

namespace bubble::runtime::cache {

// A delete whose final state is unknown: the object vanished while the watch was not looking (it
// was missing from a relist). `obj` is the last state the client knew, possibly stale or null.
struct DeletedFinalStateUnknown {
  std::string key;
  ObjectPtr obj;
  friend bool operator==(const DeletedFinalStateUnknown&,
                         const DeletedFinalStateUnknown&) = default;
};

// An object, or the tombstone of one: what a Deleted delta carries and what OnDelete receives.
using DeltaObject = std::variant<ObjectPtr, DeletedFinalStateUnknown>;

// The object a DeltaObject refers to (a tombstone's last known state, maybe null).
inline const ObjectPtr& ObjectOf(const DeltaObject& o) {
  return std::holds_alternative<ObjectPtr>(o) ? std::get<ObjectPtr>(o)
                                              : std::get<DeletedFinalStateUnknown>(o).obj;
}

enum class DeltaType : std::uint8_t { kAdded, kUpdated, kDeleted, kReplaced, kSync };

// "Added", "Updated", "Deleted", "Replaced", "Sync" (client-go's spelling).
std::string_view DeltaTypeName(DeltaType type) noexcept;

struct Delta {
  DeltaType type;
  DeltaObject object;
};

// The deltas of one key, oldest first.
using Deltas = std::vector<Delta>;

}  // namespace bubble::runtime::cache
