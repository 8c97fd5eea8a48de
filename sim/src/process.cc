// sim/src/process.cc
//
// Process groups (process.h). A kill withdraws every member from what it waits on and queues it
// for unwinding; the loop unwinds the queue (youngest first, as teardown does: children borrow
// from their parents' frames) before it resumes the killer, which waits as the chosen next
// candidate so that no decision and no other fiber comes in between. Nothing here is on a hot
// path: the scheduler pays one test of FiberRecord::unwinding where a fiber blocks, one of
// pending_unwind_ where a preemption hands over, and one of FiberRecord::process where a fiber
// ends.
#include <algorithm>
#include <exception>
#include <utility>

#include <fmt/format.h>

#include <bubble/sim/error.h>
#include <bubble/sim/process.h>

#include "scheduler.h"

namespace bubble::sim {

namespace {

detail::Scheduler& RunningScheduler(std::string_view what) {
  detail::Scheduler* s = detail::Scheduler::Current();
  BUBBLE_EXPECT(s != nullptr && s->IsRunning(), "{} outside a running bubble: call it from a fiber",
                what);
  return *s;
}

}  // namespace

ProcessId Process::Id() const noexcept {
  return rec_ != nullptr ? rec_->id : 0;
}

std::string_view Process::Name() const noexcept {
  return rec_ != nullptr ? std::string_view(rec_->name) : std::string_view();
}

bool Process::Alive() const noexcept {
  return rec_ != nullptr && rec_->live_members > 0;
}

bool Process::Killed() const noexcept {
  return rec_ != nullptr && rec_->killed;
}

void Process::Kill() {
  if (rec_ != nullptr) {
    RunningScheduler("Process::Kill").Kill(*rec_);
  }
}

void Process::Wait() {
  if (rec_ != nullptr) {
    RunningScheduler("Process::Wait").WaitProcess(*rec_);
  }
}

Process SpawnProcess(std::string name, Task fn) {
  detail::Scheduler& s = RunningScheduler("SpawnProcess");
  detail::ProcessRecord& p = s.NewProcess(name);
  s.SpawnIn(std::move(name), std::move(fn), &p);
  return Process(&p);
}

Process CurrentProcess() noexcept {
  detail::Scheduler* s = detail::Scheduler::Current();
  return Process(s != nullptr ? s->CurrentProcessRecord() : nullptr);
}

namespace detail {

namespace {

// How many times a killed fiber may catch FiberUnwind and try to block again before it is taken
// for one that swallows the unwind.
constexpr std::uint32_t kMaxKilledBlocks = 16;

}  // namespace

ProcessRecord& Scheduler::NewProcess(std::string name) {
  BUBBLE_EXPECT(!tearing_down_, "SpawnProcess(\"{}\") after the run ended", name);
  auto p = std::make_unique<ProcessRecord>();
  p->id = processes_.size() + 1;
  p->name = std::move(name);
  Record(EventKind::kInstant, 0, "process", fmt::format("start {} \"{}\"", p->id, p->name));
  processes_.push_back(std::move(p));
  return *processes_.back();
}

void Scheduler::Withdraw(FiberRecord& rec) {
  if (rec.parking != nullptr) {
    Unlink(*rec.parking);
  }
  if (wait_caller_ == &rec) {
    wait_caller_ = nullptr;
  }
  if (chosen_next_ && chosen_next_->fiber == &rec) {
    chosen_next_.reset();
  }
  for (std::size_t i = 0; i < ready_.size(); ++i) {
    if (ready_[i].fiber == &rec) {
      ready_.erase(i);
      break;
    }
  }
}

void Scheduler::Kill(ProcessRecord& p) {
  if (p.killed || tearing_down_) {
    return;  // a dead process; or the run is over and teardown unwinds everyone anyway
  }
  p.killed = true;
  Record(EventKind::kInstant, 0, "process",
         fmt::format("kill {} \"{}\" ({} fiber{})", p.id, p.name, p.live_members,
                     p.live_members == 1 ? "" : "s"));
  std::vector<FiberRecord*> members;
  for (FiberRecord* rec : live_) {
    if (rec->process == &p && rec->state != FiberRecord::State::kDone) {
      members.push_back(rec);
    }
  }
  std::sort(members.begin(), members.end(),
            [](const FiberRecord* a, const FiberRecord* b) { return a->id > b->id; });
  FiberRecord* self = current_;
  for (FiberRecord* rec : members) {
    if (rec == self) {
      continue;
    }
    Withdraw(*rec);
    rec->unwinding = true;
    pending_unwind_.push_back(rec);
  }
  if (self == nullptr) {  // on the loop's own stack (a timer's callback): unwind them now
    if (!unwinding_killed_) {
      UnwindKilled();
    }
    return;
  }
  const bool was_unwinding = self->unwinding;
  if (was_unwinding && unwinding_killed_) {
    return;  // a destructor of a killed fiber: the loop's UnwindKilled takes these next
  }
  if (self->process == &p) {
    self->unwinding = true;
    Record(EventKind::kInstant, 0, "process",
           fmt::format("unwound: its process {} \"{}\" was killed", p.id, p.name));
  }
  if (pending_unwind_.empty()) {
    if (self->unwinding && !was_unwinding) {
      throw FiberUnwind{};
    }
    return;
  }
  // Let the loop unwind them, then come straight back: no decision, no other fiber in between.
  self->state = FiberRecord::State::kRunnable;
  chosen_next_ = ReadyEntry{self, nullptr};
  SwitchOut(*self);
  if (self->unwinding && !was_unwinding) {
    throw FiberUnwind{};
  }
}

void Scheduler::BlockWhileKilled(FiberRecord& rec, std::string_view what) {
  const bool in_destructor = std::uncaught_exceptions() > 0;
  if (!in_destructor && ++rec.inert_blocks <= kMaxKilledBlocks) {
    throw FiberUnwind{};  // it caught the unwind and went on: the unwind goes on too
  }
  const std::string_view process =
      rec.process != nullptr ? std::string_view(rec.process->name) : std::string_view("?");
  FailRun(
      FailureKind::kException,
      in_destructor
          ? fmt::format("usage error: fiber {} \"{}\" of killed process \"{}\" blocked in a "
                        "destructor ({}) while it was unwound: a destructor must not block on "
                        "other fibers; the fiber was abandoned (its remaining frames never run)",
                        rec.id, rec.name, process, what)
          : fmt::format("usage error: fiber {} \"{}\" of killed process \"{}\" kept catching "
                        "FiberUnwind and blocking again ({}): rethrow it from catch (...) "
                        "(RethrowIfUnwinding); the fiber was abandoned",
                        rec.id, rec.name, process, what),
      &rec);
  rec.abandoned = true;
  SwitchOut(rec);
  BUBBLE_ASSERT(false, "abandoned fiber {} \"{}\" was resumed", rec.id, rec.name);
  std::abort();  // unreachable: AssertFailed does not return
}

void Scheduler::MemberEnded(FiberRecord& rec) {
  ProcessRecord& p = *rec.process;
  if (--p.live_members != 0 || p.waiters.Empty()) {
    return;
  }
  NoteActivity();  // a fiber's end wakes the waiters, as a fiber's Fire would
  while (!p.waiters.Empty()) {
    detail::Fire(*p.waiters.Front());
  }
}

void Scheduler::WaitProcess(ProcessRecord& p) {
  if (p.live_members == 0) {
    return;
  }
  if (tearing_down_) {
    BlockWhileTearingDown("process wait");
    return;
  }
  WaitNode node;
  Parking parking{nullptr, &node, 1, -1};
  p.waiters.PushBack(node);
  detail::Park(parking, {"process wait", p.name});
}

}  // namespace detail

}  // namespace bubble::sim
