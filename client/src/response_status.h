// client/src/response_status.h
//
// API errors from what the server sent: a metav1.Status body (in an error response or a watch's
// ERROR event) becomes a runtime::Status with the server's reason, code, message and details;
// a response without one gets the reason its HTTP code implies, as client-go's
// NewGenericServerResponse. A request that got no response is a client-side Status (code 0).
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include <bubble/runtime/status.h>
#include <bubble/sim/context.h>

namespace bubble::client::detail {

// The error an HTTP response with code `code` (not 2xx) stands for. `retry_after` is the
// Retry-After header ("" if none); it fills details.retryAfterSeconds when the body does not.
runtime::Status StatusFromResponse(int code, std::string_view body, std::string_view retry_after);

// Whole seconds of a Retry-After header, or nullopt when absent or not a number.
std::optional<int> ParseRetryAfter(std::string_view header);

// A request that got no response: the context's error when `ctx` is done, else code 0 with
// the transport's reason. A refused connection reads as Go's ("dial tcp ...: connect: connection
// refused"), which the reflector retries (cache::IsConnectionRefused).
runtime::Status TransportError(const sim::Context& ctx, std::string_view address,
                               std::string_view error);

}  // namespace bubble::client::detail
