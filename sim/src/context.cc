// sim/src/context.cc
#include "bubble/sim/context.h"

#include <algorithm>
#include <vector>

#include <bubble/sim/channel.h>
#include <bubble/sim/detail/timer_node.h>

#include "scheduler.h"

namespace bubble::sim {

namespace detail {

struct ContextState : std::enable_shared_from_this<ContextState> {
  Channel<Unit> done{0, "context"};
  ContextError err = ContextError::kNone;
  std::optional<TimePoint> deadline;
  std::weak_ptr<ContextState> parent;
  std::vector<std::shared_ptr<ContextState>> children;  // in derivation order
  TimerNode timer;

  ~ContextState() { StopTimer(timer); }

  void Cancel(ContextError why, bool remove_from_parent) {
    if (err != ContextError::kNone) {
      return;
    }
    err = why;
    StopTimer(timer);
    done.Close();
    // Children are cancelled in the order they were derived; each inherits the reason.
    std::vector<std::shared_ptr<ContextState>> kids = std::move(children);
    children.clear();
    for (const auto& child : kids) {
      child->Cancel(why, /*remove_from_parent=*/false);
    }
    if (remove_from_parent) {
      if (auto p = parent.lock()) {
        auto& siblings = p->children;
        siblings.erase(std::remove_if(siblings.begin(), siblings.end(),
                                      [this](const auto& c) { return c.get() == this; }),
                       siblings.end());
      }
    }
  }

  static void OnDeadline(TimerNode& node) {
    auto* self = static_cast<ContextState*>(node.context);
    self->Cancel(ContextError::kDeadlineExceeded, /*remove_from_parent=*/true);
  }
};

}  // namespace detail

std::string_view ContextErrorMessage(ContextError err) noexcept {
  switch (err) {
    case ContextError::kNone:
      return "";
    case ContextError::kCanceled:
      return "context canceled";
    case ContextError::kDeadlineExceeded:
      return "context deadline exceeded";
  }
  return "?";
}

Context Context::Background() {
  return Context(std::make_shared<detail::ContextState>());
}

Channel<Unit>& Context::Done() const noexcept {
  return state_->done;
}

ContextError Context::Err() const noexcept {
  return state_->err;
}

std::optional<TimePoint> Context::Deadline() const noexcept {
  return state_->deadline;
}

void CancelFunc::operator()() const {
  state_->Cancel(ContextError::kCanceled, /*remove_from_parent=*/true);
}

std::pair<Context, CancelFunc> WithCancel(const Context& parent) {
  auto child = std::make_shared<detail::ContextState>();
  child->parent = parent.state_;
  child->deadline = parent.state_->deadline;
  if (parent.state_->err != ContextError::kNone) {
    child->Cancel(parent.state_->err, /*remove_from_parent=*/false);
  } else {
    parent.state_->children.push_back(child);
  }
  return {Context(child), CancelFunc(child)};
}

std::pair<Context, CancelFunc> WithDeadline(const Context& parent, TimePoint deadline) {
  if (parent.state_->deadline && *parent.state_->deadline <= deadline) {
    return WithCancel(parent);  // the parent's earlier deadline governs, as in Go
  }
  auto [ctx, cancel] = WithCancel(parent);
  detail::ContextState& st = *ctx.state_;
  st.deadline = deadline;
  if (st.err == ContextError::kNone) {
    detail::Scheduler* s = detail::Scheduler::Current();
    BUBBLE_EXPECT(s != nullptr && s->IsRunning(),
                  "WithDeadline/WithTimeout outside a running bubble: a deadline is a timer on the "
                  "bubble's clock; derive it from a fiber");
    if (deadline <= s->Now()) {
      st.Cancel(ContextError::kDeadlineExceeded, /*remove_from_parent=*/true);
    } else {
      st.timer.when = deadline;
      st.timer.fire = &detail::ContextState::OnDeadline;
      st.timer.context = &st;
      st.timer.name = "context deadline";
      detail::StartTimer(st.timer);
    }
  }
  return {ctx, cancel};
}

std::pair<Context, CancelFunc> WithTimeout(const Context& parent, Duration timeout) {
  return WithDeadline(parent, Clock::now() + timeout);
}

}  // namespace bubble::sim
