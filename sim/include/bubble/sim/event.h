// sim/include/bubble/sim/event.h
//
// Event: a one-shot notification. Set() releases every waiter, now and later. Its Channel() is
// closed by Set(), so an Event can be one case of a Select.
// Threading: fibers of one bubble. Set() is idempotent.
#pragma once

#include <string>

#include <bubble/sim/channel.h>
#include <bubble/sim/context.h>
#include <bubble/sim/unit.h>

namespace bubble::sim {

class Event {
 public:
  explicit Event(std::string name = "event") : channel_(0, std::move(name)) {}

  void Set() {
    if (!detail::TearingDown() && !channel_.Closed()) {
      channel_.Close();
    }
  }

  bool IsSet() const noexcept { return channel_.Closed(); }

  void Wait() { channel_.Recv(); }

  // Waits until set or `ctx` is done; true if set.
  bool Wait(const Context& ctx) {
    channel_.Recv(ctx);
    return IsSet();
  }

  Channel<Unit>& GetChannel() noexcept { return channel_; }

 private:
  Channel<Unit> channel_;
};

}  // namespace bubble::sim
