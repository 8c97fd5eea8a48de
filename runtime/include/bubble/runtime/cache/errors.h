// runtime/include/bubble/runtime/cache/errors.h
//
// The errors of the informer cache (stores, indexers, FIFOs) as Status values.
//
// They are client-side errors, not API statuses: code 0, reason kUnknown, and client-go's
// message, so `fmt::format("{}", status)` reads like Go's err.Error() and none of the API
// predicates (IsNotFound, IsInternalError, ...) match them:
//
//   Index with name byOwner does not exist
//   indexer conflict: map[namespace:{}]
//   couldn't create key for object <nil>: object has no meta: object is null
//   DeltaFIFO: manipulating with closed queue
#pragma once

#include <string>
#include <string_view>

#include <bubble/runtime/cache/delta.h>
#include <bubble/runtime/status.h>

namespace bubble::runtime::cache {

// client-go's ErrFIFOClosed text, returned by both FIFOs' Pop once closed and drained.
inline constexpr std::string_view kFifoClosedMessage = "DeltaFIFO: manipulating with closed queue";

// A client-side cache error with `message` verbatim (code 0, reason kUnknown).
Status NewCacheError(std::string message);

// The error Pop/PopBatch return on a closed, empty FIFO.
Status NewFifoClosedError();

// True for the error of NewFifoClosedError (client-go: errors.Is(err, ErrFIFOClosed)).
bool IsFifoClosed(const Status& s) noexcept;

// client-go's KeyError: `couldn't create key for object <obj>: <cause>`.
Status NewKeyError(const DeltaObject& obj, const Status& cause);

// A short description of an object or tombstone for messages: "ConfigMap default/cm1 rv=3
// data={...}", "DeletedFinalStateUnknown{default/cm1, <obj or nil>}", or "<nil>".
std::string DescribeDeltaObject(const DeltaObject& obj);

}  // namespace bubble::runtime::cache
