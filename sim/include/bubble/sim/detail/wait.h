// sim/include/bubble/sim/detail/wait.h
//
// The one blocking mechanism every primitive is built on (internal; header-visible because
// Channel<T> is a template).
//
// A fiber that blocks fills a Parking with one WaitNode per thing it waits for (a select waits
// on several channels, a cancellable lock waits on a mutex and a context) and links each node
// into the WaitList of that primitive. Whoever completes one of them calls Fire(node): the other
// nodes are unlinked at once, the parking records which one fired, and the fiber becomes
// runnable. Nodes live on the blocked fiber's stack, so parking allocates nothing.
#pragma once

#include <cstdint>
#include <string_view>

namespace bubble::sim::detail {

struct FiberRecord;
struct Parking;
class WaitList;

struct WaitNode {
  WaitNode* prev = nullptr;
  WaitNode* next = nullptr;
  WaitList* list = nullptr;
  Parking* parking = nullptr;
  void* slot = nullptr;  // primitive-specific: a channel's value source or destination
  int index = 0;         // which case of the parking this node is
  bool ok = false;       // primitive-specific result (a receive got a value)

  bool Linked() const noexcept { return list != nullptr; }
};

// An intrusive FIFO of waiting nodes. Order is arrival order: who waited first is served first.
class WaitList {
 public:
  WaitList() = default;
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;
  // A primitive destroyed while fibers still wait on it (its owner's frame died first, say when
  // the owner failed) leaves them parked for good; their nodes are detached here so that the
  // bubble's teardown never touches the dead list.
  ~WaitList();

  bool Empty() const noexcept { return head_ == nullptr; }

  WaitNode* Front() const noexcept { return head_; }

  void PushBack(WaitNode& node) noexcept;
  void Remove(WaitNode& node) noexcept;

 private:
  WaitNode* head_ = nullptr;
  WaitNode* tail_ = nullptr;
};

// Why a fiber is blocked, for the trace and the deadlock report. `what` names the primitive
// kind and operation ("chan recv", "mutex"), `object` the primitive's name. Both must outlive
// the block (they point at static strings and at the primitive's own name). `holder` is the
// fiber that can unblock it when known (a mutex's owner), else 0.
struct BlockReason {
  std::string_view what;
  std::string_view object;
  std::uint64_t holder = 0;
};

struct Parking {
  FiberRecord* fiber = nullptr;
  WaitNode* nodes = nullptr;
  int count = 0;
  int fired = -1;
};

// Unlinks every node of `parking` that is still in a wait list.
void Unlink(Parking& parking) noexcept;

// Blocks the calling fiber until one of parking.nodes is fired; returns its index.
// The nodes must already be linked into their lists. Throws UsageError outside a fiber.
int Park(Parking& parking, const BlockReason& reason);

// Completes `node`: unlinks every node of its parking, records which fired and makes the
// fiber runnable. Callable from a fiber or from a timer callback in the scheduler.
void Fire(WaitNode& node);

// The fiber record running now, or null in the scheduler / outside a bubble.
FiberRecord* CurrentFiber() noexcept;

// ---- a failed run's teardown (docs/concepts.md, "When a run fails") -------------------------
//
// Once a failed run is being torn down, fibers are unwound one after another and their
// destructors may touch primitives whose owner's frame is already gone (a parent that failed
// first). So during teardown every primitive is inert: an operation returns at once without
// touching the object (a release does nothing, a lock or wait-for-zero succeeds, a receive sees
// a closed channel, a send is dropped, a sleep ends), and nothing can block.

// Whether the running thread's bubble is tearing down a finished run: set by the scheduler
// whenever the thread's current bubble or its state changes. Read inline (constinit: one
// thread-local load, no call) by every channel operation.
extern constinit thread_local bool tls_tearing_down;

// True while the running thread's bubble tears down a finished run.
inline bool TearingDown() noexcept {
  return tls_tearing_down;
}

// Called first by an operation that could block, when TearingDown(). Outside a destructor it
// throws FiberUnwind (the fiber is being unwound; code that caught the unwind must not go on).
// In a destructor it returns, and the operation completes at once; a fiber that keeps doing so
// (a loop in a destructor) is abandoned with a note in the report.
void BlockWhileTearingDown(std::string_view what);

// Like BlockWhileTearingDown for an operation that cannot complete at once (a blocking
// select): in a destructor the fiber is abandoned, its remaining frames never run.
[[noreturn]] void CannotBlockWhileTearingDown(std::string_view what);

// A primitive's destructor found fibers still holding or waiting on it: its owner's frame ended
// before the fibers using it. Fails the run with a usage error naming both; the failure yields to
// the exception or Fail() that is unwinding the owner's frame, if any. Nothing during teardown.
// `waiters` is the primitive's wait list (its first fiber is named), `holder` a fiber id or 0.
void PrimitiveDiedInUse(std::string_view what, std::string_view name, const WaitList& waiters,
                        std::uint64_t holder, std::string_view detail = {});

}  // namespace bubble::sim::detail
