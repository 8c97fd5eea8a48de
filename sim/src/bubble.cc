// sim/src/bubble.cc
#include "bubble/sim/bubble.h"

#include <spdlog/logger.h>

#include "scheduler.h"
#include "stack_guard.h"

namespace bubble::sim {

namespace {

detail::Scheduler& Need(const char* what) {
  detail::Scheduler* s = detail::Scheduler::Current();
  BUBBLE_EXPECT(s != nullptr && s->IsRunning(),
                "{} outside a running bubble: call it from a fiber (Bubble::Run or Spawn)", what);
  return *s;
}

detail::Scheduler& NeedFiber(const char* what) {
  detail::Scheduler& s = Need(what);
  BUBBLE_EXPECT(s.Running() != nullptr,
                "{} from the scheduler (a timer callback): call it from a fiber", what);
  return s;
}

}  // namespace

std::string_view FailureKindName(FailureKind kind) noexcept {
  switch (kind) {
    case FailureKind::kException:
      return "exception";
    case FailureKind::kInvariant:
      return "invariant failed";
    case FailureKind::kDeadlock:
      return "deadlock";
    case FailureKind::kStepLimit:
      return "step limit";
    case FailureKind::kTimeLimit:
      return "time limit";
    case FailureKind::kReplayDiverged:
      return "replay diverged";
    case FailureKind::kTimerLoop:
      return "timer loop";
    case FailureKind::kRealTimeLimit:
      return "real-time limit";
    case FailureKind::kNotConverged:
      return "not converged";
  }
  return "?";
}

Bubble::Bubble(Options options)
    : access_log_(options.coverage ? std::make_unique<detail::AccessLog>() : nullptr) {
  scheduler_ = std::make_unique<detail::Scheduler>(*this, std::move(options));
}

AccessOrders Bubble::Orders() const {
  return access_log_ != nullptr ? access_log_->Orders() : AccessOrders{};
}

Bubble::~Bubble() = default;

FiberId Bubble::Spawn(std::string name, Task fn) {
  detail::Scheduler* current = detail::Scheduler::Current();
  BUBBLE_EXPECT(current == nullptr || current == scheduler_.get() || !current->IsRunning(),
                "Spawn(\"{}\") on another bubble than the one running on this thread", name);
  return scheduler_->Spawn(std::move(name), std::move(fn));
}

RunResult Bubble::Run() {
  return scheduler_->Run();
}

RunResult Bubble::Run(Task root) {
  scheduler_->Spawn("main", std::move(root));
  return scheduler_->Run();
}

Bubble* Bubble::Current() noexcept {
  detail::Scheduler* s = detail::Scheduler::Current();
  return s != nullptr ? &s->Owner() : nullptr;
}

TimePoint Bubble::Now() const noexcept {
  return scheduler_->Now();
}

const Options& Bubble::GetOptions() const noexcept {
  return scheduler_->GetOptions();
}

Rng& Bubble::Rand() noexcept {
  return scheduler_->UserRng();
}

Trace& Bubble::GetTrace() noexcept {
  return scheduler_->GetTrace();
}

sim::Logger Bubble::Log() noexcept {
  return sim::Logger(scheduler_->DefaultLogger());
}

spdlog::logger& Bubble::Logger(std::string_view component) {
  return scheduler_->Logger(component);
}

const std::string& Bubble::ReplayCommand() const noexcept {
  return scheduler_->GetOptions().replay_command;
}

FiberId Spawn(std::string name, Task fn) {
  return Need("Spawn").Spawn(std::move(name), std::move(fn));
}

void Yield() {
  NeedFiber("Yield()").Yield();
}

void Wait() {
  NeedFiber("Wait()").WaitForIdle();
}

TimePoint Now() {
  return Need("Now()").Now();
}

FiberId CurrentFiberId() {
  return Need("CurrentFiberId()").RunningId();
}

std::string_view CurrentFiberName() {
  return Need("CurrentFiberName()").RunningName();
}

Rng& Rand() {
  return Need("Rand()").UserRng();
}

Logger Log() {
  return Logger(Need("Log()").DefaultLogger());
}

void TraceInstant(std::string_view category, std::string_view text) {
  detail::Scheduler& s = Need("TraceInstant");
  s.Record(EventKind::kInstant, 0, std::string(category) + ":", text);
}

std::uint64_t TraceBegin(std::string_view category, std::string_view name) {
  detail::Scheduler& s = Need("TraceBegin");
  const std::uint64_t id = s.NextSpanId();
  s.Record(EventKind::kSliceBegin, id, std::string(category) + ":", name);
  return id;
}

void TraceEnd(std::uint64_t span, std::string_view result) {
  Need("TraceEnd").Record(EventKind::kSliceEnd, span, result);
}

void RethrowIfUnwinding() {
  try {
    throw;
  } catch (const FiberUnwind&) {
    throw;
  } catch (...) {  // NOLINT(bugprone-empty-catch): anything else is the caller's to handle
  }
}

void ReinstallCrashHandlers() {
  detail::ReinstallStackGuardHandler();
}

namespace detail {

WaitList::~WaitList() {
  for (WaitNode* n = head_; n != nullptr;) {
    WaitNode* next = n->next;
    n->prev = n->next = nullptr;
    n->list = nullptr;
    n = next;
  }
}

void WaitList::PushBack(WaitNode& node) noexcept {
  node.list = this;
  node.next = nullptr;
  node.prev = tail_;
  if (tail_ != nullptr) {
    tail_->next = &node;
  } else {
    head_ = &node;
  }
  tail_ = &node;
}

void WaitList::Remove(WaitNode& node) noexcept {
  if (node.prev != nullptr) {
    node.prev->next = node.next;
  } else {
    head_ = node.next;
  }
  if (node.next != nullptr) {
    node.next->prev = node.prev;
  } else {
    tail_ = node.prev;
  }
  node.prev = node.next = nullptr;
  node.list = nullptr;
}

void Unlink(Parking& parking) noexcept {
  for (int i = 0; i < parking.count; ++i) {
    WaitNode& n = parking.nodes[i];
    if (n.Linked()) {
      n.list->Remove(n);
    }
  }
}

void BlockWhileTearingDown(std::string_view what) {
  Scheduler::Current()->BlockWhileTearingDown(what);
}

void CannotBlockWhileTearingDown(std::string_view what) {
  Scheduler::Current()->CannotBlockWhileTearingDown(what);
}

void PrimitiveDiedInUse(std::string_view what, std::string_view name, const WaitList& waiters,
                        std::uint64_t holder, std::string_view detail) {
  Scheduler* s = Scheduler::Current();
  if (s == nullptr || !s->IsRunning() || s->TearingDown()) {
    return;
  }
  // A killed process's fiber is unwound (sim/process.h): what only its process used dies with it.
  // Its members were withdrawn from every wait list, so a waiter is a fiber outside it.
  const FiberRecord* me = s->Running();
  const ProcessRecord* killed = me != nullptr && me->unwinding ? me->process : nullptr;
  std::string user;
  if (const FiberRecord* h = holder != 0 ? s->FindLive(holder) : nullptr; h != nullptr) {
    if (killed != nullptr && h->process == killed) {
      return;
    }
    user = fmt::format("fiber {} \"{}\" holds it", holder, h->name);
  } else if (!waiters.Empty()) {
    const FiberRecord* w = waiters.Front()->parking->fiber;
    user = fmt::format("fiber {} \"{}\" waits on it", w->id, w->name);
  } else if (killed != nullptr) {
    return;  // a count its dead members would have settled (a WaitGroup's)
  } else if (!detail.empty()) {
    user = std::string(detail);
  } else {
    return;  // held by a fiber that has finished: nobody can touch it any more
  }
  s->PrimitiveDiedInUse(fmt::format(
      "{} '{}' destroyed while {}: the frame that owns it ended before the fibers using it (let "
      "them finish first: WaitGroup::Wait, or cancel their context and wait)",
      what, name, user));
}

FiberRecord* CurrentFiber() noexcept {
  Scheduler* s = Scheduler::Current();
  return s != nullptr ? s->Running() : nullptr;
}

void StartTimer(TimerNode& node) {
  Scheduler* s = Scheduler::Current();
  BUBBLE_EXPECT(s != nullptr && s->IsRunning(),
                "timer '{}' used outside a running bubble: create and reset timers from a fiber",
                node.name);
  s->StartTimer(node);
}

bool StopTimer(TimerNode& node) noexcept {
  if (node.state == TimerNode::State::kIdle) {
    return false;  // also covers timers of a bubble that has finished: teardown idles them
  }
  Scheduler* s = Scheduler::Current();
  return s != nullptr && s->StopTimer(node);
}

}  // namespace detail

}  // namespace bubble::sim
