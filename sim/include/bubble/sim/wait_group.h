// sim/include/bubble/sim/wait_group.h
//
// WaitGroup: Go's sync.WaitGroup. Wait blocks until the counter is zero.
// Threading: fibers of one bubble. Precondition: the counter never goes negative.
#pragma once

#include <cstdint>
#include <exception>
#include <string>

#include <bubble/sim/context.h>
#include <bubble/sim/detail/wait.h>

namespace bubble::sim {

class WaitGroup {
 public:
  explicit WaitGroup(std::string name = "waitgroup") : name_(std::move(name)) {}

  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;
  // Fails the run if fibers still hold or wait on it (its owner's frame ended first).
  ~WaitGroup();

  void Add(std::int64_t delta);

  void Done() { Add(-1); }

  void Wait();
  // Waits for zero or until `ctx` is done; true if the counter reached zero.
  bool Wait(const Context& ctx);

  std::int64_t Count() const noexcept { return count_; }

  // Spawns `fn` as a fiber counted by this group (Go's wg.Go).
  template <class F>
  void Go(std::string name, F fn);

 private:
  std::string name_;
  std::int64_t count_ = 0;
  detail::WaitList waiters_;
};

}  // namespace bubble::sim

#include <bubble/sim/bubble.h>

template <class F>
void bubble::sim::WaitGroup::Go(std::string name, F fn) {
  Add(1);
  Spawn(std::move(name), [this, fn = std::move(fn)]() mutable {
    struct DoneOnExit {
      WaitGroup* wg;
      // Not while unwinding: then the run has already failed, and the group may live in a frame
      // that is gone (its owner failed first).
      ~DoneOnExit() {
        if (std::uncaught_exceptions() == 0) {
          wg->Done();
        }
      }
    } done{this};
    fn();
  });
}
