// runtime/include/bubble/runtime/patch.h
//
// Applying patches to objects, as the API server does for PATCH requests:
//  - kMerge: RFC 7386 JSON merge patch (null deletes a member; objects merge; arrays replace);
//  - kJson: RFC 6902 JSON patch (add, remove, replace, move, copy, test);
//  - kStrategicMerge and kApply: applied as a merge patch (bubble has no per-field strategy
//    metadata; for maps, the common case, the result is the same).
// The patched JSON is decoded back into the object's own kind.
#pragma once

#include <memory>
#include <string_view>

#include <bubble/runtime/object.h>
#include <bubble/runtime/options.h>
#include <bubble/runtime/status.h>

namespace bubble::runtime {

// The patched object (a new object of the same kind). BadRequest if `data` is not valid JSON, is
// not of the right shape for `type`, a JSON-patch operation fails, or the result does not decode
// as the object's kind.
Result<std::unique_ptr<Object>> ApplyPatch(const Object& current, PatchType type,
                                           std::string_view data);

}  // namespace bubble::runtime
