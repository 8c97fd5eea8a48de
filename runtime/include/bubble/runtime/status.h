// runtime/include/bubble/runtime/status.h
//
// Status: an API error as a value, in the shape of apimachinery's metav1.Status / StatusError.
// Every call of the client interface returns Result<T> = tl::expected<T, Status>: outcomes the
// API server can legitimately return (NotFound, Conflict, Gone, injected faults...) are values,
// never exceptions.
//
//   auto cm = client.Get(ctx, "cm1", {});
//   if (!cm && runtime::IsNotFound(cm.error())) { ... }
//
// Messages use apimachinery's wording, so logs read like client-go's:
//   configmaps "x" not found
//   leases.coordination.k8s.io "x" already exists
//   Operation cannot be fulfilled on configmaps "x": the object has been modified; ...
// The predicates follow client-go's errors package: they look at the reason, and at the HTTP
// code when the reason is unknown.
//
// A client-side failure (the caller's context ended before the response) is a Status too, with
// code 0 and `context` set; IsContextCanceled / IsDeadlineExceeded tell them apart.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json_fwd.hpp>
#include <tl/expected.hpp>

#include <bubble/sim/context.h>

namespace bubble::runtime {

struct GroupResource;
struct GroupKind;

// metav1.StatusReason.
enum class StatusReason : std::uint8_t {
  kUnknown,  // "" in Go: the code alone describes the error
  kUnauthorized,
  kForbidden,
  kNotFound,
  kAlreadyExists,
  kConflict,
  kGone,
  kInvalid,
  kServerTimeout,
  kTimeout,
  kTooManyRequests,
  kBadRequest,
  kMethodNotAllowed,
  kNotAcceptable,
  kRequestEntityTooLarge,
  kUnsupportedMediaType,
  kInternalError,
  kExpired,
  kServiceUnavailable,
};

// The Go spelling of a reason ("NotFound", "" for kUnknown).
std::string_view StatusReasonName(StatusReason reason) noexcept;
// Parses a Go spelling; kUnknown if unrecognised.
StatusReason ParseStatusReason(std::string_view name) noexcept;
// The HTTP code apimachinery uses for a reason (404 for kNotFound; 500 for kUnknown).
int DefaultCodeFor(StatusReason reason) noexcept;

// One field-level cause of an Invalid error (metav1.StatusCause).
struct StatusCause {
  std::string type{};     // "FieldValueRequired", "FieldValueInvalid"...
  std::string message{};  // "Required value: name or generateName is required"
  std::string field{};    // "metadata.name"
  friend bool operator==(const StatusCause&, const StatusCause&) = default;
};

// metav1.StatusDetails: what the error is about.
struct StatusDetails {
  std::string name{};
  std::string group{};
  std::string kind{};  // the resource ("configmaps") for most errors, the Kind for Invalid
  std::vector<StatusCause> causes{};
  std::int32_t retry_after_seconds = 0;
  friend bool operator==(const StatusDetails&, const StatusDetails&) = default;
};

// An error returned by an API call. Plain data; copy freely.
struct Status {
  StatusReason reason = StatusReason::kUnknown;
  int code = 500;  // HTTP status code; 0 for client-side (context) errors
  std::string message{};
  StatusDetails details{};
  // Set when the caller's context ended the call before a response arrived.
  sim::ContextError context = sim::ContextError::kNone;

  friend bool operator==(const Status&, const Status&) = default;

  // metav1.Status as JSON ({"kind":"Status","apiVersion":"v1","status":"Failure",...}).
  nlohmann::json ToJson() const;
  // The inverse, for a Status a server sent (an error body, a watch's ERROR event): reason, code
  // (`code_if_absent` when it carries none, or 0), message and details; members of the wrong type
  // are ignored.
  static Status FromJson(const nlohmann::json& j, int code_if_absent);
};

template <class T>
using Result = tl::expected<T, Status>;

// `return Err(NewNotFound(...));` from a function returning Result<T>.
inline tl::unexpected<Status> Err(Status status) {
  return tl::unexpected<Status>(std::move(status));
}

// A successful Result<void>.
inline Result<void> Ok() {
  return {};
}

// ---- Constructors (apimachinery's errors.New*) ----------------------------------------------

// `<resource[.group]> "<name>" not found`, 404.
Status NewNotFound(const GroupResource& resource, std::string_view name);
// `<resource[.group]> "<name>" already exists`, 409.
Status NewAlreadyExists(const GroupResource& resource, std::string_view name);
// `Operation cannot be fulfilled on <resource[.group]> "<name>": <why>`, 409.
Status NewConflict(const GroupResource& resource, std::string_view name, std::string_view why);
// The conflict a stale resourceVersion causes (why = "the object has been modified; ...").
Status NewStaleConflict(const GroupResource& resource, std::string_view name);
// 410 with reason Gone.
Status NewGone(std::string_view message);
// 410 with reason Expired (what a watch from a compacted resourceVersion gets).
Status NewResourceExpired(std::string_view message);
// 400.
Status NewBadRequest(std::string_view message);
// `<Kind[.group]> "<name>" is invalid: <field>: <message>[, ...]`, 422.
Status NewInvalid(const GroupKind& kind, std::string_view name, std::vector<StatusCause> causes);
// `<resource[.group]> "<name>" is forbidden: <why>`, 403.
Status NewForbidden(const GroupResource& resource, std::string_view name, std::string_view why);
// 429; `message` verbatim.
Status NewTooManyRequests(std::string_view message, std::int32_t retry_after_seconds);
// `Internal error occurred: <message>`, 500.
Status NewInternalError(std::string_view message);
// `Timeout: <message>`, 504, reason Timeout.
Status NewTimeoutError(std::string_view message, std::int32_t retry_after_seconds);
// `The <verb> operation against <resource[.group]> could not be completed at this time, please
// try again.`, 500, reason ServerTimeout.
Status NewServerTimeout(const GroupResource& resource, std::string_view verb,
                        std::int32_t retry_after_seconds);
// 503.
Status NewServiceUnavailable(std::string_view message);
// `<verb> is not supported on resources of kind "<resource[.group]>"`, 405.
Status NewMethodNotSupported(const GroupResource& resource, std::string_view verb);
// A status built from a reason alone: its default code and `message`.
Status NewStatus(StatusReason reason, std::string_view message);
// The client-side error for a context that ended ("context canceled"/"context deadline
// exceeded"), code 0.
Status NewContextError(sim::ContextError err);

// ---- Predicates (client-go's errors.Is*) ------------------------------------------------------

bool IsNotFound(const Status& s) noexcept;
bool IsAlreadyExists(const Status& s) noexcept;
bool IsConflict(const Status& s) noexcept;
// Gone (410, reason Gone). See also IsResourceExpired; informers treat both as "relist".
bool IsGone(const Status& s) noexcept;
bool IsResourceExpired(const Status& s) noexcept;
bool IsBadRequest(const Status& s) noexcept;
bool IsInvalid(const Status& s) noexcept;
bool IsForbidden(const Status& s) noexcept;
bool IsUnauthorized(const Status& s) noexcept;
bool IsTooManyRequests(const Status& s) noexcept;
bool IsInternalError(const Status& s) noexcept;
bool IsTimeout(const Status& s) noexcept;
bool IsServerTimeout(const Status& s) noexcept;
bool IsServiceUnavailable(const Status& s) noexcept;
bool IsMethodNotSupported(const Status& s) noexcept;
bool IsContextCanceled(const Status& s) noexcept;
bool IsDeadlineExceeded(const Status& s) noexcept;

}  // namespace bubble::runtime

// `{}` prints the message, as Go's err.Error(); `{:v}` prefixes code and reason:
// "404 NotFound: configmaps \"x\" not found".
template <>
struct fmt::formatter<bubble::runtime::Status> {
  bool verbose = false;

  constexpr auto parse(format_parse_context& ctx) {
    auto it = ctx.begin();
    if (it != ctx.end() && *it == 'v') {
      verbose = true;
      ++it;
    }
    return it;
  }

  format_context::iterator format(const bubble::runtime::Status& s, format_context& ctx) const;
};

template <>
struct fmt::formatter<bubble::runtime::StatusReason> : fmt::formatter<std::string_view> {
  format_context::iterator format(bubble::runtime::StatusReason r, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(bubble::runtime::StatusReasonName(r), ctx);
  }
};
