// runtime/src/status.cc
#include "bubble/runtime/status.h"

#include <array>

#include <nlohmann/json.hpp>

#include <bubble/runtime/group_version.h>

namespace bubble::runtime {

namespace {

// A string member of a Status the server sent, "" when absent or not a string (a Status is
// read leniently: it explains an error, it must not become one).
std::string MemberString(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

struct ReasonInfo {
  StatusReason reason;
  std::string_view name;
  int code;
};

constexpr std::array<ReasonInfo, 19> kReasons = {{
    {StatusReason::kUnknown, "", 500},
    {StatusReason::kUnauthorized, "Unauthorized", 401},
    {StatusReason::kForbidden, "Forbidden", 403},
    {StatusReason::kNotFound, "NotFound", 404},
    {StatusReason::kAlreadyExists, "AlreadyExists", 409},
    {StatusReason::kConflict, "Conflict", 409},
    {StatusReason::kGone, "Gone", 410},
    {StatusReason::kInvalid, "Invalid", 422},
    {StatusReason::kServerTimeout, "ServerTimeout", 500},
    {StatusReason::kTimeout, "Timeout", 504},
    {StatusReason::kTooManyRequests, "TooManyRequests", 429},
    {StatusReason::kBadRequest, "BadRequest", 400},
    {StatusReason::kMethodNotAllowed, "MethodNotAllowed", 405},
    {StatusReason::kNotAcceptable, "NotAcceptable", 406},
    {StatusReason::kRequestEntityTooLarge, "RequestEntityTooLarge", 413},
    {StatusReason::kUnsupportedMediaType, "UnsupportedMediaType", 415},
    {StatusReason::kInternalError, "InternalError", 500},
    {StatusReason::kExpired, "Expired", 410},
    {StatusReason::kServiceUnavailable, "ServiceUnavailable", 503},
}};

const ReasonInfo& Info(StatusReason reason) noexcept {
  return kReasons[static_cast<std::size_t>(reason)];
}

Status Make(StatusReason reason, std::string message) {
  Status s;
  s.reason = reason;
  s.code = Info(reason).code;
  s.message = std::move(message);
  return s;
}

Status MakeFor(StatusReason reason, std::string message, const GroupResource& gr,
               std::string_view name) {
  Status s = Make(reason, std::move(message));
  s.details.name = std::string(name);
  s.details.group = gr.group;
  s.details.kind = gr.resource;
  return s;
}

// The reason decides; when it is unknown, the code does (client-go's reasonAndCodeForError).
bool ReasonOrCode(const Status& s, StatusReason reason, int code) noexcept {
  return s.reason == reason || (s.reason == StatusReason::kUnknown && s.code == code);
}

}  // namespace

std::string_view StatusReasonName(StatusReason reason) noexcept {
  return Info(reason).name;
}

StatusReason ParseStatusReason(std::string_view name) noexcept {
  for (const ReasonInfo& r : kReasons) {
    if (r.name == name) {
      return r.reason;
    }
  }
  return StatusReason::kUnknown;
}

int DefaultCodeFor(StatusReason reason) noexcept {
  return Info(reason).code;
}

Status Status::FromJson(const nlohmann::json& j, int code_if_absent) {
  Status s;
  s.reason = ParseStatusReason(MemberString(j, "reason"));
  const auto c = j.find("code");
  s.code =
      c != j.end() && c->is_number_integer() && c->get<int>() != 0 ? c->get<int>() : code_if_absent;
  s.message = MemberString(j, "message");
  if (const auto d = j.find("details"); d != j.end() && d->is_object()) {
    s.details.name = MemberString(*d, "name");
    s.details.group = MemberString(*d, "group");
    s.details.kind = MemberString(*d, "kind");
    if (const auto r = d->find("retryAfterSeconds"); r != d->end() && r->is_number_integer()) {
      s.details.retry_after_seconds = r->get<std::int32_t>();
    }
    if (const auto causes = d->find("causes"); causes != d->end() && causes->is_array()) {
      for (const nlohmann::json& cause : *causes) {
        if (cause.is_object()) {
          s.details.causes.push_back({.type = MemberString(cause, "reason"),
                                      .message = MemberString(cause, "message"),
                                      .field = MemberString(cause, "field")});
        }
      }
    }
  }
  return s;
}

nlohmann::json Status::ToJson() const {
  nlohmann::json j = {{"kind", "Status"},
                      {"apiVersion", "v1"},
                      {"status", "Failure"},
                      {"message", message},
                      {"code", code}};
  if (reason != StatusReason::kUnknown) {
    j["reason"] = std::string(StatusReasonName(reason));
  }
  nlohmann::json d = nlohmann::json::object();
  if (!details.name.empty()) {
    d["name"] = details.name;
  }
  if (!details.group.empty()) {
    d["group"] = details.group;
  }
  if (!details.kind.empty()) {
    d["kind"] = details.kind;
  }
  if (details.retry_after_seconds != 0) {
    d["retryAfterSeconds"] = details.retry_after_seconds;
  }
  for (const StatusCause& c : details.causes) {
    d["causes"].push_back({{"reason", c.type}, {"message", c.message}, {"field", c.field}});
  }
  if (!d.empty()) {
    j["details"] = std::move(d);
  }
  return j;
}

Status NewNotFound(const GroupResource& resource, std::string_view name) {
  return MakeFor(StatusReason::kNotFound,
                 fmt::format("{} \"{}\" not found", resource.String(), name), resource, name);
}

Status NewAlreadyExists(const GroupResource& resource, std::string_view name) {
  return MakeFor(StatusReason::kAlreadyExists,
                 fmt::format("{} \"{}\" already exists", resource.String(), name), resource, name);
}

Status NewConflict(const GroupResource& resource, std::string_view name, std::string_view why) {
  return MakeFor(
      StatusReason::kConflict,
      fmt::format("Operation cannot be fulfilled on {} \"{}\": {}", resource.String(), name, why),
      resource, name);
}

Status NewStaleConflict(const GroupResource& resource, std::string_view name) {
  return NewConflict(resource, name,
                     "the object has been modified; please apply your changes to the latest "
                     "version and try again");
}

Status NewGone(std::string_view message) {
  return Make(StatusReason::kGone, std::string(message));
}

Status NewResourceExpired(std::string_view message) {
  return Make(StatusReason::kExpired, std::string(message));
}

Status NewBadRequest(std::string_view message) {
  return Make(StatusReason::kBadRequest, std::string(message));
}

Status NewInvalid(const GroupKind& kind, std::string_view name, std::vector<StatusCause> causes) {
  std::string message = fmt::format("{} \"{}\" is invalid", kind.String(), name);
  if (!causes.empty()) {
    message += ": ";
    if (causes.size() > 1) {
      message += '[';
    }
    for (std::size_t i = 0; i < causes.size(); ++i) {
      if (i > 0) {
        message += ", ";
      }
      message +=
          causes[i].field.empty() ? causes[i].message : causes[i].field + ": " + causes[i].message;
    }
    if (causes.size() > 1) {
      message += ']';
    }
  }
  Status s = Make(StatusReason::kInvalid, std::move(message));
  s.details.name = std::string(name);
  s.details.group = kind.group;
  s.details.kind = kind.kind;
  s.details.causes = std::move(causes);
  return s;
}

Status NewForbidden(const GroupResource& resource, std::string_view name, std::string_view why) {
  std::string message;
  if (resource.resource.empty() && resource.group.empty()) {
    message = fmt::format("forbidden: {}", why);
  } else if (name.empty()) {
    message = fmt::format("{} is forbidden: {}", resource.String(), why);
  } else {
    message = fmt::format("{} \"{}\" is forbidden: {}", resource.String(), name, why);
  }
  return MakeFor(StatusReason::kForbidden, std::move(message), resource, name);
}

Status NewTooManyRequests(std::string_view message, std::int32_t retry_after_seconds) {
  Status s = Make(StatusReason::kTooManyRequests, std::string(message));
  s.details.retry_after_seconds = retry_after_seconds;
  return s;
}

Status NewInternalError(std::string_view message) {
  return Make(StatusReason::kInternalError, fmt::format("Internal error occurred: {}", message));
}

Status NewTimeoutError(std::string_view message, std::int32_t retry_after_seconds) {
  Status s = Make(StatusReason::kTimeout, fmt::format("Timeout: {}", message));
  s.details.retry_after_seconds = retry_after_seconds;
  return s;
}

Status NewServerTimeout(const GroupResource& resource, std::string_view verb,
                        std::int32_t retry_after_seconds) {
  Status s = MakeFor(StatusReason::kServerTimeout,
                     fmt::format("The {} operation against {} could not be completed at this "
                                 "time, please try again.",
                                 verb, resource.String()),
                     resource, "");
  s.details.retry_after_seconds = retry_after_seconds;
  return s;
}

Status NewServiceUnavailable(std::string_view message) {
  return Make(StatusReason::kServiceUnavailable, std::string(message));
}

Status NewMethodNotSupported(const GroupResource& resource, std::string_view verb) {
  return MakeFor(
      StatusReason::kMethodNotAllowed,
      fmt::format("{} is not supported on resources of kind \"{}\"", verb, resource.String()),
      resource, "");
}

Status NewStatus(StatusReason reason, std::string_view message) {
  return Make(reason, std::string(message));
}

Status NewContextError(sim::ContextError err) {
  Status s;
  s.reason = StatusReason::kUnknown;
  s.code = 0;
  s.message = std::string(sim::ContextErrorMessage(err));
  s.context = err;
  return s;
}

bool IsNotFound(const Status& s) noexcept {
  return ReasonOrCode(s, StatusReason::kNotFound, 404);
}

bool IsAlreadyExists(const Status& s) noexcept {
  return s.reason == StatusReason::kAlreadyExists;
}

bool IsConflict(const Status& s) noexcept {
  return ReasonOrCode(s, StatusReason::kConflict, 409);
}

bool IsGone(const Status& s) noexcept {
  return ReasonOrCode(s, StatusReason::kGone, 410);
}

bool IsResourceExpired(const Status& s) noexcept {
  return s.reason == StatusReason::kExpired;
}

bool IsBadRequest(const Status& s) noexcept {
  return ReasonOrCode(s, StatusReason::kBadRequest, 400);
}

bool IsInvalid(const Status& s) noexcept {
  return ReasonOrCode(s, StatusReason::kInvalid, 422);
}

bool IsForbidden(const Status& s) noexcept {
  return ReasonOrCode(s, StatusReason::kForbidden, 403);
}

bool IsUnauthorized(const Status& s) noexcept {
  return ReasonOrCode(s, StatusReason::kUnauthorized, 401);
}

bool IsTooManyRequests(const Status& s) noexcept {
  return s.reason == StatusReason::kTooManyRequests || s.code == 429;
}

bool IsInternalError(const Status& s) noexcept {
  return ReasonOrCode(s, StatusReason::kInternalError, 500);
}

bool IsTimeout(const Status& s) noexcept {
  return ReasonOrCode(s, StatusReason::kTimeout, 504);
}

bool IsServerTimeout(const Status& s) noexcept {
  return s.reason == StatusReason::kServerTimeout;
}

bool IsServiceUnavailable(const Status& s) noexcept {
  return ReasonOrCode(s, StatusReason::kServiceUnavailable, 503);
}

bool IsMethodNotSupported(const Status& s) noexcept {
  return ReasonOrCode(s, StatusReason::kMethodNotAllowed, 405);
}

bool IsContextCanceled(const Status& s) noexcept {
  return s.context == sim::ContextError::kCanceled;
}

bool IsDeadlineExceeded(const Status& s) noexcept {
  return s.context == sim::ContextError::kDeadlineExceeded;
}

}  // namespace bubble::runtime

fmt::format_context::iterator fmt::formatter<bubble::runtime::Status>::format(
    const bubble::runtime::Status& s, format_context& ctx) const {
  if (!verbose) {
    return fmt::format_to(ctx.out(), "{}", s.message);
  }
  if (s.code == 0) {
    return fmt::format_to(ctx.out(), "client: {}", s.message);
  }
  const std::string_view reason = bubble::runtime::StatusReasonName(s.reason);
  return fmt::format_to(ctx.out(), "{} {}: {}", s.code, reason.empty() ? "Unknown" : reason,
                        s.message);
}
