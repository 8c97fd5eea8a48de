// sim/src/sync.cc: Mutex, ConditionVariable, WaitGroup.
#include <optional>

#include <bubble/sim/condition_variable.h>
#include <bubble/sim/mutex.h>
#include <bubble/sim/select.h>
#include <bubble/sim/wait_group.h>

#include "scheduler.h"

namespace bubble::sim {

namespace {

detail::FiberRecord& NeedFiber(const char* what, const std::string& name) {
  detail::FiberRecord* rec = detail::CurrentFiber();
  BUBBLE_EXPECT(rec != nullptr, "{} '{}' outside a fiber: call it from a fiber of a running bubble",
                what, name);
  return *rec;
}

// Parks the running fiber on `list` and, when `ctx` is given, on its Done() channel as well.
// Returns true if woken through `list`, false if the context ended the wait.
bool ParkOn(detail::WaitList& list, const Context* ctx, const detail::BlockReason& reason) {
  detail::WaitNode nodes[2];
  detail::Parking parking{nullptr, nodes, ctx != nullptr ? 2 : 1, -1};
  list.PushBack(nodes[0]);
  std::optional<RecvCase<Unit>> done;  // lives while parked: its node points at its output slot
  if (ctx != nullptr) {
    done.emplace(ctx->Done());
    detail::CaseOps ops = done->Ops();
    ops.enqueue(ops.self, nodes[1]);
  }
  return detail::Park(parking, reason) == 0;
}

std::uint64_t RunningFiberId() noexcept {
  const detail::FiberRecord* rec = detail::CurrentFiber();
  return rec != nullptr ? rec->id : 0;
}

}  // namespace

// ---- Mutex --------------------------------------------------------------------------------
//
// While a failed run tears down, every operation is inert (detail/wait.h): the mutex may live in
// a frame that is already gone.

Mutex::~Mutex() {
  if ((holder_ != 0 && holder_ != RunningFiberId()) || !waiters_.Empty()) [[unlikely]] {
    detail::PrimitiveDiedInUse("mutex", name_, waiters_, holder_ != RunningFiberId() ? holder_ : 0);
  }
}

bool Mutex::TryLock() {
  if (detail::TearingDown()) [[unlikely]] {
    return true;
  }
  MayPreempt();
  return Acquire();
}

bool Mutex::Acquire() {
  detail::FiberRecord& me = NeedFiber("locking mutex", name_);
  BUBBLE_EXPECT(holder_ != me.id,
                "mutex '{}' locked twice by fiber {} \"{}\": bubble mutexes are not recursive",
                name_, me.id, me.name);
  if (holder_ != 0) {
    return false;
  }
  holder_ = me.id;
  return true;
}

void Mutex::Lock() {
  if (detail::TearingDown()) [[unlikely]] {
    detail::BlockWhileTearingDown("mutex lock");
    return;
  }
  MayPreempt();
  if (Acquire()) {
    return;
  }
  ParkOn(waiters_, nullptr, {"mutex", name_, holder_});
  // Unlock handed the mutex to us.
}

bool Mutex::Lock(const Context& ctx) {
  if (detail::TearingDown()) [[unlikely]] {
    detail::BlockWhileTearingDown("mutex lock");
    return true;
  }
  MayPreempt();
  if (Acquire()) {
    return true;
  }
  if (ctx.IsDone()) {
    return false;
  }
  return ParkOn(waiters_, &ctx, {"mutex", name_, holder_});
}

void Mutex::Unlock() {
  if (detail::TearingDown()) [[unlikely]] {
    return;
  }
  detail::FiberRecord& me = NeedFiber("Unlock of mutex", name_);
  BUBBLE_EXPECT(holder_ == me.id,
                "unlock of mutex '{}' by fiber {} \"{}\", which does not hold it (holder: {}): "
                "unlock from the fiber that locked it",
                name_, me.id, me.name, holder_);
  if (waiters_.Empty()) {
    holder_ = 0;
  } else {
    detail::WaitNode* next = waiters_.Front();
    holder_ = next->parking->fiber->id;  // hand over directly: FIFO, no barging
    detail::Fire(*next);
  }
  MayPreemptAfterRelease();
}

// ---- ConditionVariable --------------------------------------------------------------------

namespace {

void CheckHeld(std::unique_lock<Mutex>& lock, const std::string& cv_name) {
  detail::FiberRecord& me = NeedFiber("Wait on condition variable", cv_name);
  BUBBLE_EXPECT(lock.owns_lock() && lock.mutex()->Holder() == me.id,
                "Wait on condition variable '{}' without holding its mutex: lock it first",
                cv_name);
}

}  // namespace

ConditionVariable::~ConditionVariable() {
  if (!waiters_.Empty()) [[unlikely]] {
    detail::PrimitiveDiedInUse("condition variable", name_, waiters_, 0);
  }
}

// While a failed run tears down, a wait returns at once (a spurious wake-up) and a notify does
// nothing (detail/wait.h).
void ConditionVariable::Wait(std::unique_lock<Mutex>& lock) {
  if (detail::TearingDown()) [[unlikely]] {
    detail::BlockWhileTearingDown("condition variable wait");
    return;
  }
  CheckHeld(lock, name_);
  detail::WaitNode node;
  detail::Parking parking{nullptr, &node, 1, -1};
  waiters_.PushBack(node);
  lock.unlock();
  detail::Park(parking, {"condvar", name_});
  lock.lock();
}

bool ConditionVariable::Wait(std::unique_lock<Mutex>& lock, const Context& ctx) {
  if (detail::TearingDown()) [[unlikely]] {
    detail::BlockWhileTearingDown("condition variable wait");
    return false;
  }
  CheckHeld(lock, name_);
  if (ctx.IsDone()) {
    return false;
  }
  detail::WaitNode nodes[2];
  detail::Parking parking{nullptr, nodes, 2, -1};
  waiters_.PushBack(nodes[0]);
  RecvCase<Unit> done(ctx.Done());
  detail::CaseOps ops = done.Ops();
  ops.enqueue(ops.self, nodes[1]);
  lock.unlock();
  const bool notified = detail::Park(parking, {"condvar", name_}) == 0;
  lock.lock();
  return notified;
}

void ConditionVariable::NotifyOne() {
  if (detail::TearingDown()) [[unlikely]] {
    return;
  }
  if (preemptible_ == Preemptible::kYes) {
    ReleasePoint(PreemptKind::kLocks);
  }
  if (!waiters_.Empty()) {
    detail::Fire(*waiters_.Front());
  }
}

void ConditionVariable::NotifyAll() {
  if (detail::TearingDown()) [[unlikely]] {
    return;
  }
  if (preemptible_ == Preemptible::kYes) {
    ReleasePoint(PreemptKind::kLocks);
  }
  while (!waiters_.Empty()) {
    detail::Fire(*waiters_.Front());
  }
}

// ---- WaitGroup ----------------------------------------------------------------------------

WaitGroup::~WaitGroup() {
  if (count_ > 0 || !waiters_.Empty()) [[unlikely]] {
    detail::PrimitiveDiedInUse(
        "wait group", name_, waiters_, 0,
        fmt::format("its counter is {} (fibers it counts would call Done() on it)", count_));
  }
}

// While a failed run tears down, Add and Done do nothing and Wait returns at once
// (detail/wait.h).
void WaitGroup::Add(std::int64_t delta) {
  if (detail::TearingDown()) [[unlikely]] {
    return;
  }
  BUBBLE_EXPECT(count_ + delta >= 0,
                "WaitGroup '{}' counter would go negative ({} + {}): call Done() once per Add(1)",
                name_, count_, delta);
  count_ += delta;
  if (count_ == 0) {
    while (!waiters_.Empty()) {
      detail::Fire(*waiters_.Front());
    }
  }
}

void WaitGroup::Wait() {
  if (detail::TearingDown()) [[unlikely]] {
    detail::BlockWhileTearingDown("wait group wait");
    return;
  }
  NeedFiber("Wait on wait group", name_);
  if (count_ == 0) {
    return;
  }
  ParkOn(waiters_, nullptr, {"waitgroup", name_});
}

bool WaitGroup::Wait(const Context& ctx) {
  if (detail::TearingDown()) [[unlikely]] {
    detail::BlockWhileTearingDown("wait group wait");
    return true;
  }
  NeedFiber("Wait on wait group", name_);
  if (count_ == 0) {
    return true;
  }
  if (ctx.IsDone()) {
    return false;
  }
  return ParkOn(waiters_, &ctx, {"waitgroup", name_});
}

}  // namespace bubble::sim
