// sim/src/scheduler.h
//
// The scheduler: mechanism (fibers, ready queue, timer heap, virtual clock, parking) with the
// policy delegated to a Strategy. Everything is decided in one loop, Scheduler::Loop, which is
// the only place a fiber is resumed; a fiber only ever switches back to the loop. That keeps
// every decision where the strategy and the trace live, and leaves exactly two switch sites to
// annotate for sanitizers (SwitchIn, SwitchOut).
#pragma once

#include <array>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/context/fiber.hpp>
#include <spdlog/common.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/detail/timer_node.h>
#include <bubble/sim/detail/wait.h>
#include <bubble/sim/error.h>
#include <bubble/sim/process.h>

#include "decision_log.h"
#include "exception_state.h"
#include "ready_queue.h"
#include "real_time_budget.h"
#include "sanitizer.h"
#include "stack_pool.h"
#include "timer_heap.h"

namespace bubble::sim::detail {

class WatchdogSlot;
class Scheduler;

// The bubble running on this thread (set for the length of a Run). constinit: every
// Scheduler::Current() is one inline thread-local load, with no TLS wrapper call; cache reads
// and locks ask for it at every preemption point.
extern constinit thread_local Scheduler* tls_current_scheduler;

// A process group (sim/process.h; sim/src/process.cc). Owned by the scheduler for the whole run,
// so Process handles stay valid while it runs.
struct ProcessRecord {
  ProcessId id = 0;
  std::string name;
  bool killed = false;
  std::size_t live_members = 0;
  WaitList waiters;  // fibers in Process::Wait
};

struct FiberRecord {
  enum class State : std::uint8_t { kRunnable, kRunning, kBlocked, kDone };

  FiberId id = 0;
  std::string name;
  State state = State::kRunnable;
  bool started = false;
  bool unwinding = false;
  bool abandoned = false;  // blocked in a destructor during teardown: never resumed
  bool timer_spawned =
      false;  // spawned by a timer's callback (AfterFunc): its wakes are the timer's
  std::uint32_t inert_blocks = 0;   // operations that would have blocked during teardown or a kill
  std::uint32_t no_preemption = 0;  // open NoPreemption scopes: preemption points do nothing
  std::uint32_t points_in_slice = 0;  // preemption points passed since it was last switched in
  std::uint64_t priority = 0;
  ProcessRecord* process = nullptr;  // the process group it belongs to, if any
  boost::context::fiber context;     // the fiber's continuation while it is not running
  boost::context::fiber loop;        // the scheduler's continuation while the fiber runs
  Task fn;
  std::exception_ptr error;
  // `block.object` views `block_object`, a copy of the primitive's name made when the fiber
  // parks: the primitive may die before the report that names it is written (its owner's frame
  // unwound first). Inline, so parking allocates nothing; longer names are cut.
  BlockReason block;
  std::array<char, 64> block_object{};
  TimePoint blocked_since{};
  Parking* parking = nullptr;  // what it is parked on, while blocked
  Stack stack;
  void* asan_fake_stack = nullptr;
  ExceptionState exceptions;  // its catch blocks and exceptions in flight, while switched out
  std::size_t live_index = 0;
};

// What keeps virtual time moving: counted only once a run has used half of one of its bounds
// (time limit, quiet limit, real-time budget), for the report if it then fails on it.
struct MovementProfile {
  bool active = false;
  TimePoint since{};
  std::map<std::string, std::uint64_t, std::less<>> timer_fires;        // by timer name
  std::map<FiberId, std::pair<std::string, std::uint64_t>> fiber_runs;  // name, runs
};

struct ReadyEntry {
  FiberRecord* fiber;  // exactly one of fiber and timer is set
  TimerNode* timer;

  // The entry as a strategy sees it, and as the decision that picks it.
  Candidate AsCandidate() const noexcept {
    return fiber != nullptr ? Candidate{CandidateKind::kFiber, fiber->id, &fiber->priority}
                            : Candidate{CandidateKind::kTimer, timer->id, &timer->priority};
  }

  Decision AsDecision() const noexcept {
    return fiber != nullptr ? Decision{CandidateKind::kFiber, fiber->id}
                            : Decision{CandidateKind::kTimer, timer->id};
  }
};

class Scheduler {
 public:
  Scheduler(Bubble& owner, Options options);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  ~Scheduler();

  static Scheduler* Current() noexcept { return tls_current_scheduler; }

  Bubble& Owner() noexcept { return owner_; }

  const Options& GetOptions() const noexcept { return options_; }

  TimePoint Now() const noexcept { return now_; }

  Rng& UserRng() noexcept { return user_rng_; }

  Trace& GetTrace() noexcept { return trace_; }

  FiberRecord* Running() const noexcept { return current_; }

  FiberId RunningId() const noexcept { return current_ != nullptr ? current_->id : 0; }

  std::string_view RunningName() const noexcept;

  bool IsRunning() const noexcept { return running_; }

  // A new fiber in the spawner's process (or the process of the timer whose callback spawns it).
  FiberId Spawn(std::string name, Task fn) {
    return SpawnIn(std::move(name), std::move(fn),
                   current_ != nullptr ? current_->process : firing_process_);
  }

  FiberId SpawnIn(std::string name, Task fn, ProcessRecord* process);
  RunResult Run();

  // Process groups (sim/process.h; sim/src/process.cc).
  ProcessRecord& NewProcess(std::string name);
  void Kill(ProcessRecord& process);
  void WaitProcess(ProcessRecord& process);

  ProcessRecord* CurrentProcessRecord() const noexcept {
    return current_ != nullptr ? current_->process : firing_process_;
  }

  // Inline (as SwitchOut): every call level between two switches costs a mispredicted return
  // after the switch, since the return stack then belongs to the other stack.
  void Yield() {
    FiberRecord* rec = current_;
    BUBBLE_EXPECT(rec != nullptr,
                  "Yield() outside a fiber: call it from a fiber of a running bubble");
    if (rec->unwinding) [[unlikely]] {  // set for every fiber run by teardown or a kill
      if (tearing_down_) {
        BlockWhileTearingDown("yield");
        return;
      }
      BlockWhileKilled(*rec, "yield");
    }
    Record(EventKind::kYield, 0, {});
    rec->state = FiberRecord::State::kRunnable;
    ready_.push_back({rec, nullptr});
    SwitchOut(*rec);
    if (rec->unwinding) [[unlikely]] {
      throw FiberUnwind{};
    }
  }

  // A preemption point (preempt.h; sim/src/preempt.cc).
  // `unwind_on_resume` false: a release point (ReleasePoint), which returns instead of throwing
  // FiberUnwind when the run failed while the fiber was preempted.
  void Preempt(PreemptKind kind, std::string_view what, std::string_view object,
               bool unwind_on_resume = true);
  void WaitForIdle();
  int Park(Parking& parking, const BlockReason& reason);
  void Fire(WaitNode& node);
  void StartTimer(TimerNode& node);
  bool StopTimer(TimerNode& node) noexcept;
  // Lets the strategy choose among `count` ready select cases (ids are case indexes).
  std::size_t ChooseCase(const int* case_indexes, std::size_t count);

  // Teardown of a failed run: see detail/wait.h.
  bool TearingDown() const noexcept { return tearing_down_; }

  void BlockWhileTearingDown(std::string_view what);
  [[noreturn]] void CannotBlockWhileTearingDown(std::string_view what);
  [[noreturn]] void Abandon(FiberRecord& rec, std::string_view what, std::string_view why);
  void PrimitiveDiedInUse(std::string message);
  FiberRecord* FindLive(FiberId id) const noexcept;

  // Records a trace event attributed to the running fiber (0 in the scheduler). Inline so that
  // with tracing off a scheduling step pays one predictable branch.
  void Record(EventKind kind, std::uint64_t arg, std::string_view a, std::string_view b = {}) {
    if (trace_.Mode() != TraceMode::kOff) {
      trace_.Record((now_ - Clock::Epoch()).count(), RunningId(), kind, arg, a, b);
    }
  }

  // Records a choice the strategy made: in the decision list (what replay follows) and the trace.
  void RecordDecision(Decision d) {
    if (trace_.Mode() != TraceMode::kOff) {
      decisions_.Add(d);
      trace_.Record((now_ - Clock::Epoch()).count(), RunningId(), EventKind::kDecision, d.id,
                    CandidateKindName(d.kind));
    }
  }

  std::uint64_t NextSpanId() noexcept { return ++last_span_id_; }

  spdlog::logger& Logger(std::string_view component);

  spdlog::logger& DefaultLogger() noexcept { return *default_logger_; }

 private:
  void Loop();
  std::optional<ReadyEntry> PickNext();
  void RunFiber(FiberRecord& rec);
  void SwitchIn(FiberRecord& rec) noexcept;

  void SwitchOut(FiberRecord& rec) noexcept {
    AsanStartSwitch(&rec.asan_fake_stack, loop_stack_bottom_, loop_stack_size_);
    rec.loop = std::move(rec.loop).resume();
    AsanFinishSwitch(rec.asan_fake_stack, &loop_stack_bottom_, &loop_stack_size_);
  }

  static boost::context::fiber FiberMain(FiberRecord& rec, boost::context::fiber&& loop);
  void FinishFiber(FiberRecord& rec);
  // Kills (sim/src/process.cc): a killed fiber that would block, the unwinding of the killed
  // fibers (run by the loop, between the killer's switch out and its resumption), a member's end.
  [[noreturn]] void BlockWhileKilled(FiberRecord& rec, std::string_view what);
  // A preemption point passed by a fiber being unwound (sim/src/preempt.cc): off the hot path.
  [[gnu::cold, gnu::noinline]] void UnwindingPassesPoint(FiberRecord& rec, bool unwind_on_resume);
  void Withdraw(FiberRecord& rec);
  void UnwindKilled();
  void MemberEnded(FiberRecord& rec);
  void MakeRunnable(FiberRecord& rec);
  void FireTimer(TimerNode& node);
  void AdvanceClock();
  // Calls Options::observe_instant (once) and forgets it.
  void ObserveInstant();
  // A fiber woke another: the quiet stretch (only timers waking fibers) ends.
  void NoteActivity() noexcept;
  void StartProfile();
  void CheckRealTime();
  std::string DescribeMovement() const;
  // The first failure wins, except that a provisional one (a primitive that died in use while
  // its owner's frame was unwinding) yields to the failure that unwound the frame.
  void FailRun(FailureKind kind, std::string message, FiberRecord* where, bool provisional = false);
  void RecordFailure(FiberRecord* where);
  void TearDown();
  // The failure report (sim/src/failure_report.cc).
  std::vector<BlockedFiber> BlockedFibers() const;
  std::string BuildReport() const;
  FiberRecord* NewRecord();
  void FreeRecord(FiberRecord* rec);
  void CreateLoggers();

  Bubble& owner_;
  Options options_;
  // This thread's C++ exception globals (exception_state.h), looked up once per run rather than
  // at every switch: a run stays on one thread.
  ExceptionState* thread_exceptions_ = nullptr;
  std::unique_ptr<Strategy> strategy_;
  bool needs_candidates_ = false;
  Rng user_rng_;
  Trace trace_;

  TimePoint now_{};
  bool ran_ = false;
  bool running_ = false;
  bool tearing_down_ = false;
  FiberRecord* current_ = nullptr;
  FiberRecord* wait_caller_ = nullptr;
  ReadyQueue<ReadyEntry> ready_;
  TimerHeap timers_;
  std::vector<FiberRecord*> live_;
  std::vector<std::unique_ptr<FiberRecord>> all_records_;
  std::vector<FiberRecord*> free_records_;
  std::vector<Candidate> candidates_;
  DecisionLog decisions_;  // kept unless the trace is off
  // What runs next without asking the strategy again: the candidate a preemption point chose.
  std::optional<ReadyEntry> chosen_next_;
  // Process groups: all of the run's, the fibers of killed processes still to unwind (the loop
  // does it before it resumes the killer, chosen_next_), and the process of a firing timer.
  std::vector<std::unique_ptr<ProcessRecord>> processes_;
  std::vector<FiberRecord*> pending_unwind_;
  bool unwinding_killed_ = false;
  ProcessRecord* firing_process_ = nullptr;

  FiberId next_fiber_id_ = 1;
  std::uint64_t next_timer_id_ = 1;
  std::uint64_t last_span_id_ = 0;
  std::uint64_t steps_ = 0;
  std::uint64_t steps_at_instant_ = 0;
  std::uint64_t fibers_spawned_ = 0;

  std::optional<Failure> failure_;
  bool failure_provisional_ = false;
  std::string report_;
  std::string teardown_notes_;  // fibers abandoned during teardown, appended to the report

  // Where the loop's own stack is, learned on the first switch into a fiber (ASan needs it).
  const void* loop_stack_bottom_ = nullptr;
  std::size_t loop_stack_size_ = 0;
  void* loop_fake_stack_ = nullptr;

  TimePoint quiet_since_{};  // start of the current stretch of timer-only wake-ups
  std::uint64_t quiet_timer_fires_ = 0;
  MovementProfile profile_;
  std::optional<RealTimeBudget> real_time_;

  std::unique_ptr<WatchdogSlot> watchdog_;
  std::shared_ptr<spdlog::logger> default_logger_;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers_;
  std::vector<spdlog::sink_ptr> sinks_;  // shared by every logger of the bubble
};

}  // namespace bubble::sim::detail
