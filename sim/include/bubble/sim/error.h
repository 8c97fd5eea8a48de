// sim/include/bubble/sim/error.h
//
// Errors raised by the kernel itself:
//  - UsageError: bubble's API was misused (a documented precondition does not hold). The
//    message names the object and the fix. Inside a fiber it fails the run with a report.
//  - BUBBLE_ASSERT: a broken kernel invariant; prints what it knows and aborts, in every build.
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace bubble {

// Thrown when bubble's API is used against its documented preconditions.
class UsageError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace sim {

// Thrown by Fail() to end a run because an invariant of the code under test does not hold.
// The run's report names it as a failed invariant rather than as a crash.
class InvariantFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Ends the current run with a failed invariant. Works from any fiber, and outside a bubble
// simply throws (so helpers can be unit tested without one).
[[noreturn]] void Fail(const std::string& message);

// Thrown by FailNotConverged(): the system did not reach a fixed point (a liveness failure, not
// a broken safety invariant). The run's report names it FailureKind::kNotConverged.
class NotConvergedFailure : public InvariantFailure {
 public:
  using InvariantFailure::InvariantFailure;
};

// Ends the current run as not converged (fake::Liveness calls it). Like Fail(), it throws
// outside a bubble too.
[[noreturn]] void FailNotConverged(const std::string& message);

}  // namespace sim

namespace detail {
[[noreturn]] void ThrowUsageError(const char* file, int line, const std::string& message);
[[noreturn]] void AssertFailed(const char* file, int line, const char* condition,
                               const std::string& message) noexcept;
}  // namespace detail

}  // namespace bubble

// Checks a documented precondition of bubble's API; throws bubble::UsageError with a
// formatted message (name the object and the fix) when it does not hold.
#define BUBBLE_EXPECT(cond, ...)                                                       \
  do {                                                                                 \
    if (!(cond)) [[unlikely]] {                                                        \
      ::bubble::detail::ThrowUsageError(__FILE__, __LINE__, fmt::format(__VA_ARGS__)); \
    }                                                                                  \
  } while (false)

// Checks a kernel invariant in every build type; aborts with a report when broken.
#define BUBBLE_ASSERT(cond, ...)                                                           \
  do {                                                                                     \
    if (!(cond)) [[unlikely]] {                                                            \
      ::bubble::detail::AssertFailed(__FILE__, __LINE__, #cond, fmt::format(__VA_ARGS__)); \
    }                                                                                      \
  } while (false)
