// sim/include/bubble/sim/select.h
//
// Select: Go's select statement over channel operations.
//
//   std::optional<Event> ev;
//   switch (Select(RecvCase(events, &ev), RecvCase(ctx.Done()), RecvCase(timer.C()))) {
//     case 0: ...  // ev holds the value, or nullopt if `events` was closed
//     case 1: ...  // cancelled
//     case 2: ...  // timer fired
//   }
//
// If several cases can complete at once, the strategy picks one (fifo: the first listed; a
// recorded decision otherwise), as Go picks one at random. If none can, the fiber blocks until
// one completes; the other cases are then withdrawn. TrySelect never blocks and returns -1 when
// no case is ready (Go's select with a default case).
//
// Context::Done(), Timer::C() and Event::Channel() are channels, so waiting on "an event, or
// stop, or a timer" is one Select.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include <bubble/sim/channel.h>
#include <bubble/sim/context.h>
#include <bubble/sim/detail/wait.h>

namespace bubble::sim {

namespace detail {

// A type-erased select case.
struct CaseOps {
  void* self;
  bool (*ready)(void* self);
  void (*complete)(void* self);
  void (*enqueue)(void* self, WaitNode& node);
  void (*finish)(void* self, WaitNode& node);
  const std::string& (*name)(void* self);
};

// Runs a select over `cases`; returns the completed case, or -1 if `blocking` is false and none
// was ready.
int SelectImpl(std::span<const CaseOps> cases, bool blocking);

}  // namespace detail

// Receive from `channel`; the value (or nullopt on close) goes to *out when out is given.
template <class T>
class RecvCase {
 public:
  explicit RecvCase(Channel<T>& channel, std::optional<T>* out = nullptr)
      : channel_(&channel), out_(out != nullptr ? out : &scratch_) {}

  detail::CaseOps Ops() {
    return {
        this,
        [](void* s) {
          auto* c = static_cast<RecvCase*>(s);
          return !c->channel_->buffer_.empty() || !c->channel_->senders_.Empty() ||
                 c->channel_->closed_;
        },
        [](void* s) {
          auto* c = static_cast<RecvCase*>(s);
          c->channel_->TryRecvImpl(*c->out_);
        },
        [](void* s, detail::WaitNode& node) {
          auto* c = static_cast<RecvCase*>(s);
          node.slot = c->out_;
          c->channel_->receivers_.PushBack(node);
        },
        [](void* s, detail::WaitNode& node) {
          if (!node.ok) {  // woken by Close: the destination reads nullopt, as documented
            static_cast<RecvCase*>(s)->out_->reset();
          }
        },
        [](void* s) -> const std::string& { return static_cast<RecvCase*>(s)->channel_->name_; }};
  }

 private:
  Channel<T>* channel_;
  std::optional<T>* out_;
  std::optional<T> scratch_;
};

template <class T>
RecvCase(Channel<T>&) -> RecvCase<T>;
template <class T>
RecvCase(Channel<T>&, std::optional<T>*) -> RecvCase<T>;

// Send `value` on `channel`.
template <class T>
class SendCase {
 public:
  SendCase(Channel<T>& channel, T value) : channel_(&channel), value_(std::move(value)) {}

  detail::CaseOps Ops() {
    return {
        this,
        [](void* s) {
          auto* c = static_cast<SendCase*>(s);
          return !c->channel_->receivers_.Empty() ||
                 c->channel_->buffer_.size() < c->channel_->capacity_ || c->channel_->closed_;
        },
        [](void* s) {
          auto* c = static_cast<SendCase*>(s);
          c->channel_->TrySendImpl(c->value_);  // throws on a closed channel, as Go panics
        },
        [](void* s, detail::WaitNode& node) {
          auto* c = static_cast<SendCase*>(s);
          node.slot = &c->value_;
          c->channel_->senders_.PushBack(node);
        },
        [](void* s, detail::WaitNode& node) {
          auto* c = static_cast<SendCase*>(s);
          BUBBLE_EXPECT(node.ok,
                        "send on closed channel '{}': close a channel only after its last send",
                        c->channel_->name_);
        },
        [](void* s) -> const std::string& { return static_cast<SendCase*>(s)->channel_->name_; }};
  }

 private:
  Channel<T>* channel_;
  T value_;
};

template <class T, class V>
SendCase(Channel<T>&, V) -> SendCase<T>;

// Blocks until one case completes; returns its index (0-based, in argument order).
template <class... Cases>
int Select(Cases&&... cases) {
  const std::array<detail::CaseOps, sizeof...(Cases)> ops = {cases.Ops()...};
  return detail::SelectImpl(ops, /*blocking=*/true);
}

// Completes a ready case if there is one (index), else returns -1 without blocking.
template <class... Cases>
int TrySelect(Cases&&... cases) {
  const std::array<detail::CaseOps, sizeof...(Cases)> ops = {cases.Ops()...};
  return detail::SelectImpl(ops, /*blocking=*/false);
}

template <class T>
bool Channel<T>::Send(T value, const Context& ctx) {
  return Select(SendCase<T>(*this, std::move(value)), RecvCase<Unit>(ctx.Done())) == 0;
}

template <class T>
std::optional<T> Channel<T>::Recv(const Context& ctx) {
  std::optional<T> out;
  Select(RecvCase<T>(*this, &out), RecvCase<Unit>(ctx.Done()));
  return out;
}

}  // namespace bubble::sim
