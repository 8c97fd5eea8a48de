// sim/include/bubble/sim/context.h
//
// Context: Go's context.Context for the bubble — cancellation with deadlines and parent/child
// propagation. Every Run(ctx) in bubble's runtime takes one.
//
//   auto [ctx, cancel] = WithTimeout(Context::Background(), 30s);
//   informer.Run(ctx);          // returns when cancel() is called or 30 virtual seconds pass
//
// Done() is a channel that is closed when the context is cancelled, so it takes part in Select
// and every blocking primitive has a variant that gives up when a context is done.
// Cancelling a context cancels all its descendants, in the order they were derived. A deadline
// is a timer on the virtual clock. Calling the cancel function releases the context's resources
// (as in Go, call it when done, even after a timeout).
//
// Threading: contexts are cheap shared handles; use them from fibers of one bubble.
// WithTimeout/WithDeadline need a running bubble (they start a timer).
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include <bubble/sim/clock.h>

namespace bubble::sim {

template <class T>
class Channel;
struct Unit;

enum class ContextError { kNone, kCanceled, kDeadlineExceeded };

// "context canceled", "context deadline exceeded" (Go's wording), or "" for kNone.
std::string_view ContextErrorMessage(ContextError err) noexcept;

namespace detail {
struct ContextState;
}

class CancelFunc;

class Context {
 public:
  // A fresh root context: never cancelled, no deadline.
  static Context Background();

  // A channel closed when the context is cancelled.
  Channel<Unit>& Done() const noexcept;
  // kNone while not cancelled; why it was cancelled afterwards.
  ContextError Err() const noexcept;

  bool IsDone() const noexcept { return Err() != ContextError::kNone; }

  std::optional<TimePoint> Deadline() const noexcept;

 private:
  friend class CancelFunc;
  friend std::pair<Context, CancelFunc> WithDeadline(const Context&, TimePoint);
  friend std::pair<Context, CancelFunc> WithCancel(const Context&);

  explicit Context(std::shared_ptr<detail::ContextState> state) : state_(std::move(state)) {}

  std::shared_ptr<detail::ContextState> state_;
};

// Cancels its context (and the context's descendants) with ContextError::kCanceled. Idempotent.
class CancelFunc {
 public:
  void operator()() const;

 private:
  friend std::pair<Context, CancelFunc> WithDeadline(const Context&, TimePoint);
  friend std::pair<Context, CancelFunc> WithCancel(const Context&);

  explicit CancelFunc(std::shared_ptr<detail::ContextState> state) : state_(std::move(state)) {}

  std::shared_ptr<detail::ContextState> state_;
};

// A child of `parent` that is cancelled by the returned function or when the parent is.
std::pair<Context, CancelFunc> WithCancel(const Context& parent);
// A child that is also cancelled (kDeadlineExceeded) at `deadline`, or the parent's deadline if
// that is earlier. Needs a running bubble.
std::pair<Context, CancelFunc> WithDeadline(const Context& parent, TimePoint deadline);
// WithDeadline(parent, Now() + timeout).
std::pair<Context, CancelFunc> WithTimeout(const Context& parent, Duration timeout);

}  // namespace bubble::sim
