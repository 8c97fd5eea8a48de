// runtime/src/leaderelection/client_error.h: errors leader election raises itself.
#pragma once

#include <string>
#include <utility>

#include <bubble/runtime/status.h>

namespace bubble::runtime::leaderelection::detail {

// An error that is not an API response (Go's errors.New / fmt.Errorf): code 0 and reason
// unknown, so no Is* predicate of status.h matches it; `{}` formats the message alone.
inline Status ClientError(std::string message) {
  Status s;
  s.reason = StatusReason::kUnknown;
  s.code = 0;
  s.message = std::move(message);
  return s;
}

}  // namespace bubble::runtime::leaderelection::detail
