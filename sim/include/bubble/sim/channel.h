// sim/include/bubble/sim/channel.h
//
// Channel<T>: Go's channel on the bubble's scheduler. Capacity 0 is an unbuffered channel (a
// send completes when a receiver takes the value); capacity N buffers up to N values.
//
// Semantics, as in Go:
//  - Send blocks while no receiver is waiting and the buffer is full; send on a closed channel
//    is an error (UsageError naming the channel).
//  - Recv blocks while the buffer is empty and no sender waits; on a closed, drained channel it
//    returns nullopt at once.
//  - Close wakes every blocked receiver (they get nullopt) and fails every blocked sender.
//    Closing twice is an error.
//  - Waiters are served in arrival order (FIFO): no starvation, no address-dependent order.
//  - Completing an operation without blocking is not a scheduling point; blocking is.
// Channels also take part in Select() (select.h). Context::Done(), Timer::C() and Event are
// channels, so "event or stop or timer" loops are one Select.
//
// Threading: use a channel only from fibers of one bubble.
// Cost: a non-blocking operation is a few ns; a blocking handoff is one scheduling step.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <bubble/sim/detail/wait.h>
#include <bubble/sim/error.h>
#include <bubble/sim/unit.h>

namespace bubble::sim {

class Context;

template <class T>
class RecvCase;
template <class T>
class SendCase;

template <class T>
class Channel {
 public:
  explicit Channel(std::size_t capacity = 0, std::string name = "chan")
      : capacity_(capacity), name_(std::move(name)) {}

  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Fails the run if fibers still wait on it (its owner's frame ended first).
  ~Channel() {
    if (!receivers_.Empty()) [[unlikely]] {
      detail::PrimitiveDiedInUse("channel", name_, receivers_, 0);
    } else if (!senders_.Empty()) [[unlikely]] {
      detail::PrimitiveDiedInUse("channel", name_, senders_, 0);
    }
  }

  // While a failed run tears down, every operation is inert and touches nothing (the channel
  // may live in a frame that is gone, detail/wait.h): it acts as closed and empty, and a send
  // is dropped.

  // Blocks until the value is handed to a receiver or buffered.
  void Send(T value) {
    if (detail::TearingDown()) [[unlikely]] {
      detail::BlockWhileTearingDown("chan send");
      return;
    }
    if (TrySendImpl(value)) {
      return;
    }
    detail::WaitNode node;
    node.slot = &value;
    detail::Parking parking{nullptr, &node, 1, -1};
    node.parking = &parking;
    senders_.PushBack(node);
    detail::Park(parking, {"chan send", name_});
    BUBBLE_EXPECT(node.ok, "send on closed channel '{}': close a channel only after its last send",
                  name_);
  }

  // Like Send, but gives up when `ctx` is done. Returns false (value not sent) then.
  bool Send(T value, const Context& ctx);

  // Blocks until a value arrives (returned) or the channel is closed and drained (nullopt).
  std::optional<T> Recv() {
    std::optional<T> out;
    if (detail::TearingDown()) [[unlikely]] {
      detail::BlockWhileTearingDown("chan recv");
      return out;
    }
    if (TryRecvImpl(out)) {
      return out;
    }
    detail::WaitNode node;
    node.slot = &out;
    detail::Parking parking{nullptr, &node, 1, -1};
    node.parking = &parking;
    receivers_.PushBack(node);
    detail::Park(parking, {"chan recv", name_});
    return out;
  }

  // Like Recv, but gives up when `ctx` is done (nullopt; check ctx.Err() to tell apart).
  std::optional<T> Recv(const Context& ctx);

  // Sends without blocking; false if that would block. Precondition: not closed.
  bool TrySend(T value) { return !detail::TearingDown() && TrySendImpl(value); }

  // Receives without blocking; nullopt if nothing is available (or closed and drained).
  std::optional<T> TryRecv() {
    std::optional<T> out;
    if (detail::TearingDown()) [[unlikely]] {
      return out;
    }
    TryRecvImpl(out);
    return out;
  }

  // Closes the channel. Precondition: not already closed.
  void Close() {
    if (detail::TearingDown()) [[unlikely]] {
      return;
    }
    BUBBLE_EXPECT(!closed_, "close of closed channel '{}': close a channel exactly once", name_);
    closed_ = true;
    while (!receivers_.Empty()) {
      detail::WaitNode* r = receivers_.Front();
      r->ok = false;
      detail::Fire(*r);
    }
    while (!senders_.Empty()) {
      detail::WaitNode* s = senders_.Front();
      s->ok = false;
      detail::Fire(*s);
    }
  }

  bool Closed() const noexcept { return closed_; }

  std::size_t size() const noexcept { return buffer_.size(); }

  std::size_t Capacity() const noexcept { return capacity_; }

  const std::string& Name() const noexcept { return name_; }

 private:
  friend class RecvCase<T>;
  friend class SendCase<T>;

  // Completes a send without blocking if a receiver waits or the buffer has room.
  bool TrySendImpl(T& value) {
    BUBBLE_EXPECT(!closed_, "send on closed channel '{}': close a channel only after its last send",
                  name_);
    if (!receivers_.Empty()) {
      detail::WaitNode* r = receivers_.Front();
      static_cast<std::optional<T>*>(r->slot)->emplace(std::move(value));
      r->ok = true;
      detail::Fire(*r);
      return true;
    }
    if (buffer_.size() < capacity_) {
      buffer_.push_back(std::move(value));
      return true;
    }
    return false;
  }

  // Completes a receive without blocking if a value is buffered, a sender waits, or the
  // channel is closed (out is then reset: a select's reused destination must not keep a value).
  bool TryRecvImpl(std::optional<T>& out) {
    if (!buffer_.empty()) {
      out.emplace(std::move(buffer_.front()));
      buffer_.pop_front();
      if (!senders_.Empty()) {  // a blocked sender's value moves into the freed slot
        detail::WaitNode* s = senders_.Front();
        buffer_.push_back(std::move(*static_cast<T*>(s->slot)));
        s->ok = true;
        detail::Fire(*s);
      }
      return true;
    }
    if (!senders_.Empty()) {
      detail::WaitNode* s = senders_.Front();
      out.emplace(std::move(*static_cast<T*>(s->slot)));
      s->ok = true;
      detail::Fire(*s);
      return true;
    }
    if (closed_) {
      out.reset();
      return true;
    }
    return false;
  }

  std::size_t capacity_;
  std::string name_;
  std::deque<T> buffer_;
  detail::WaitList receivers_;
  detail::WaitList senders_;
  bool closed_ = false;
};

}  // namespace bubble::sim

#include <bubble/sim/select.h>  // Send/Recv with a Context are Selects
