// sim/src/scheduler.cc
#include "scheduler.h"

#include <algorithm>
#include <memory>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include "sanitizer.h"
#include "stack_guard.h"
#include "watchdog.h"

namespace bubble::sim::detail {

constinit thread_local Scheduler* tls_current_scheduler = nullptr;
constinit thread_local bool tls_tearing_down = false;

namespace {

// Installs `s` as this thread's current scheduler for a scope; restores the previous one, so a
// bubble may even run inside a fiber of another bubble.
class CurrentSchedulerScope {
 public:
  explicit CurrentSchedulerScope(Scheduler* s) noexcept
      : previous_(tls_current_scheduler), previous_tearing_down_(tls_tearing_down) {
    tls_current_scheduler = s;
    tls_tearing_down = s->TearingDown();
  }

  ~CurrentSchedulerScope() {
    tls_current_scheduler = previous_;
    tls_tearing_down = previous_tearing_down_;
  }

  CurrentSchedulerScope(const CurrentSchedulerScope&) = delete;
  CurrentSchedulerScope& operator=(const CurrentSchedulerScope&) = delete;

 private:
  Scheduler* previous_;
  bool previous_tearing_down_;
};

// How many times a fiber may resist unwinding (catching FiberUnwind and blocking again) before
// teardown gives up on it.
constexpr int kMaxUnwindAttempts = 16;

// How many operations that would block a destructor may complete at once during teardown
// before the fiber is taken for a loop that waits for something that will never happen.
constexpr std::uint32_t kMaxInertBlocks = 1000;

// A quiet stretch is a timer loop only with at least this many timer firings: a single long
// sleep over quiet_limit is not a loop.
constexpr std::uint64_t kMinTimerLoopFires = 100;

// How often (in steps) the loop asks the real-time budget; a step costs tens of nanoseconds.
constexpr std::uint64_t kRealTimeCheckSteps = 4096;

// How often (in steps) the real-time loop polls its io driver while fibers are runnable, so busy
// fibers do not starve the sockets. A poll is a system call (epoll_wait with no timeout).
constexpr std::uint64_t kIoPollSteps = 64;

// The longest the real-time loop blocks in its driver at once when no timer is pending.
constexpr std::chrono::seconds kLongestIoWait{60};

// Continuations of abandoned fibers. Destroying one would resume its fiber to unwind it (and
// run the code that was just found unable to finish), so they are kept, reachable, for the
// life of the process; their stacks are never reused.
std::vector<boost::context::fiber>& AbandonedFibers() {
  static auto* fibers = new std::vector<boost::context::fiber>();
  return *fibers;
}

std::string DescribeException(const std::exception_ptr& error, FailureKind& kind) {
  kind = FailureKind::kException;
  try {
    std::rethrow_exception(error);
  } catch (const NotConvergedFailure& e) {
    kind = FailureKind::kNotConverged;
    return e.what();
  } catch (const InvariantFailure& e) {
    kind = FailureKind::kInvariant;
    return e.what();
  } catch (const UsageError& e) {
    return fmt::format("usage error: {}", e.what());
  } catch (const std::exception& e) {
    return fmt::format("exception: {}", e.what());
  } catch (...) {
    return "exception of unknown type";
  }
}

}  // namespace

Scheduler::Scheduler(Bubble& owner, Options options)
    : owner_(owner),
      options_(std::move(options)),
      strategy_(options_.custom_strategy
                    ? options_.custom_strategy()
                    : MakeStrategy({.kind = options_.strategy,
                                    .seed = options_.seed,
                                    .pct_depth = options_.pct_depth,
                                    .pct_horizon = options_.pct_horizon != 0 ? options_.pct_horizon
                                                                             : kDefaultPctHorizon,
                                    .replay = options_.replay})),
      user_rng_(options_.seed, /*stream=*/2),
      trace_(options_.trace, options_.trace_tail) {
  BUBBLE_EXPECT(
      strategy_ != nullptr,
      "Options::custom_strategy returned no strategy: return a std::unique_ptr<Strategy>");
  needs_candidates_ = strategy_->NeedsCandidates();
  BUBBLE_EXPECT(options_.loop == LoopKind::kSimulated ||
                    (options_.strategy == StrategyKind::kFifo && !options_.custom_strategy),
                "the real-time loop takes the fifo strategy only (real time decides the order of "
                "events there, a strategy cannot): set Options::strategy = StrategyKind::kFifo "
                "and no custom_strategy");
  BUBBLE_EXPECT(options_.loop == LoopKind::kSimulated || !options_.observe_instant,
                "Options::observe_instant on the real-time loop: it observes a virtual instant, "
                "and real time has none to stop at; leave it unset");
  trace_.NameFiber(0, "bubble");
  CreateLoggers();
}

Scheduler::~Scheduler() {
  // A bubble that never ran may still hold fibers spawned before Run(): unwind them so their
  // captured state is destroyed.
  if (!ran_ && !live_.empty()) {
    CurrentSchedulerScope scope(this);
    thread_exceptions_ = ThreadExceptionState();
    TearDown();
  }
}

std::string_view Scheduler::RunningName() const noexcept {
  return current_ != nullptr ? std::string_view(current_->name) : std::string_view("bubble");
}

FiberRecord* Scheduler::NewRecord() {
  if (!free_records_.empty()) {
    FiberRecord* rec = free_records_.back();
    free_records_.pop_back();
    return rec;
  }
  all_records_.push_back(std::make_unique<FiberRecord>());
  return all_records_.back().get();
}

void Scheduler::FreeRecord(FiberRecord* rec) {
  FiberRecord* last = live_.back();
  live_[rec->live_index] = last;
  last->live_index = rec->live_index;
  live_.pop_back();
  rec->name.clear();
  rec->error = nullptr;
  rec->parking = nullptr;
  rec->process = nullptr;
  rec->fn.Reset();
  free_records_.push_back(rec);
}

FiberId Scheduler::SpawnIn(std::string name, Task fn, ProcessRecord* process) {
  if (tearing_down_ && running_) {
    return 0;  // inert (detail/wait.h): a fiber spawned by a destructor of a failed run never runs
  }
  if ((process != nullptr && process->killed) || (current_ != nullptr && current_->unwinding))
      [[unlikely]] {
    return 0;  // a killed process's fiber (sim/process.h): it would never run either
  }
  BUBBLE_EXPECT(
      !tearing_down_ && !(ran_ && !running_),
      "Spawn(\"{}\") after the bubble finished: spawn fibers before Run() or from inside it", name);
  BUBBLE_EXPECT(static_cast<bool>(fn), "Spawn(\"{}\") with an empty function", name);
  BUBBLE_EXPECT(options_.max_live_fibers == 0 || live_.size() < options_.max_live_fibers,
                "Spawn(\"{}\") with {} fibers alive, the most Options::max_live_fibers allows: "
                "a fiber leak? Raise the limit if the run needs more",
                name, live_.size());
  FiberRecord* rec = NewRecord();
  rec->id = next_fiber_id_++;
  rec->name = std::move(name);
  rec->state = FiberRecord::State::kRunnable;
  rec->started = false;
  rec->unwinding = false;
  rec->abandoned = false;
  rec->timer_spawned = running_ && current_ == nullptr;
  rec->inert_blocks = 0;
  rec->no_preemption = 0;
  rec->priority = strategy_->InitialPriority();
  rec->process = process;
  rec->fn = std::move(fn);
  rec->exceptions = {};
  rec->asan_fake_stack = nullptr;  // a reused record must not hand ASan a dead fiber's fake stack
  try {
    // Constructing the fiber runs Boost.Context's entry function on the new stack, unannotated.
    AsanSwitchWindow window;
    rec->context = boost::context::fiber(
        std::allocator_arg, PoolStackAllocator(options_.stack_size, &rec->stack),
        [rec](boost::context::fiber&& loop) { return FiberMain(*rec, std::move(loop)); });
  } catch (...) {  // no stack for it: the spawn fails and the record goes back unused
    rec->name.clear();
    rec->fn.Reset();
    free_records_.push_back(rec);
    throw;
  }
  rec->live_index = live_.size();
  live_.push_back(rec);
  if (process != nullptr) {
    ++process->live_members;
  }
  ++fibers_spawned_;
  trace_.NameFiber(rec->id, rec->name);
  Record(EventKind::kSpawn, rec->id, rec->name);
  ready_.push_back({rec, nullptr});
  if (current_ != nullptr) {
    Yield();  // spawning is a scheduling point: the strategy picks who goes next
  }
  return rec->id;
}

boost::context::fiber Scheduler::FiberMain(FiberRecord& rec, boost::context::fiber&& loop) {
  rec.loop = std::move(loop);
  Scheduler* self = tls_current_scheduler;
  AsanFinishSwitch(rec.asan_fake_stack, &self->loop_stack_bottom_, &self->loop_stack_size_);
  rec.started = true;
  if (!rec.unwinding) {
    try {
      rec.fn();
    } catch (const FiberUnwind&) {
      // Torn down while suspended: the stack has been unwound, nothing to report.
    } catch (...) {
      rec.error = std::current_exception();
    }
  }
  rec.fn.Reset();  // captured state dies on the fiber, while its bubble is still current
  rec.state = FiberRecord::State::kDone;
  // Final switch: a null fake-stack slot tells ASan this stack is finished.
  AsanStartSwitch(nullptr, self->loop_stack_bottom_, self->loop_stack_size_);
  return std::move(rec.loop);
}

// Inlined into the loop: every call level between two switches costs a mispredicted return
// after the switch (the return stack belongs to the other stack by then).
[[gnu::always_inline]] inline void Scheduler::SwitchIn(FiberRecord& rec) noexcept {
  current_ = &rec;
  rec.points_in_slice = 0;
  rec.state = FiberRecord::State::kRunning;
  if (watchdog_ != nullptr) {
    watchdog_->Enter(steps_);
  }
  AsanStartSwitch(&loop_fake_stack_, static_cast<char*>(rec.stack.top) - rec.stack.size,
                  rec.stack.size);
  const ExceptionState loop_exceptions = std::exchange(*thread_exceptions_, rec.exceptions);
  rec.context = std::move(rec.context).resume();
  rec.exceptions = std::exchange(*thread_exceptions_, loop_exceptions);
  AsanFinishSwitch(loop_fake_stack_, nullptr, nullptr);
  if (watchdog_ != nullptr) {
    watchdog_->Leave();
  }
  current_ = nullptr;
}

void Scheduler::WaitForIdle() {
  FiberRecord* rec = current_;
  BUBBLE_EXPECT(rec != nullptr, "Wait() outside a fiber: call it from a fiber of a running bubble");
  BUBBLE_EXPECT(
      wait_caller_ == nullptr,
      "Wait() in fiber {} \"{}\" while fiber {} \"{}\" is already in Wait(): only one fiber "
      "may wait for the bubble to go idle at a time",
      rec->id, rec->name, wait_caller_->id, wait_caller_->name);
  if (rec->unwinding && !tearing_down_) [[unlikely]] {
    BlockWhileKilled(*rec, "wait");
  }
  wait_caller_ = rec;
  rec->state = FiberRecord::State::kBlocked;
  rec->block = {"wait", "bubble idle"};
  rec->blocked_since = now_;
  Record(EventKind::kBlock, 0, "wait");
  SwitchOut(*rec);
  if (rec->unwinding) {
    throw FiberUnwind{};
  }
}

[[gnu::always_inline]] inline int Scheduler::Park(Parking& parking, const BlockReason& reason) {
  FiberRecord* rec = current_;
  if (rec == nullptr) {
    Unlink(parking);  // the nodes live in the caller's frame, which the throw unwinds
    BUBBLE_EXPECT(false,
                  "blocking on {} '{}' outside a fiber: call it from a fiber of a running bubble "
                  "(Bubble::Run or Spawn)",
                  reason.what, reason.object);
  }
  if (rec->unwinding) [[unlikely]] {  // set for every fiber run by teardown or a kill
    // A primitive that does not check TearingDown() itself: never block, never return a wake-up
    // that did not happen.
    Unlink(parking);
    if (tearing_down_) {
      CannotBlockWhileTearingDown(reason.what);
    }
    BlockWhileKilled(*rec, reason.what);
  }
  parking.fiber = rec;
  parking.fired = -1;
  for (int i = 0; i < parking.count; ++i) {
    parking.nodes[i].parking = &parking;
    parking.nodes[i].index = i;
  }
  rec->parking = &parking;
  rec->state = FiberRecord::State::kBlocked;
  const std::size_t n = std::min(reason.object.size(), rec->block_object.size());
  std::copy_n(reason.object.data(), n, rec->block_object.data());
  rec->block = {reason.what, std::string_view(rec->block_object.data(), n), reason.holder};
  rec->blocked_since = now_;
  Record(EventKind::kBlock, 0, reason.what, reason.object);
  SwitchOut(*rec);
  rec->parking = nullptr;
  if (rec->unwinding) {
    throw FiberUnwind{};  // TearDown already unlinked the nodes
  }
  return parking.fired;
}

// Here rather than in bubble.cc, so that Scheduler::Park is inlined into it: one call level
// less between a blocking operation and its switch (see Scheduler::Yield).
int Park(Parking& parking, const BlockReason& reason) {
  Scheduler* s = Scheduler::Current();
  if (s == nullptr) {
    Unlink(parking);  // the nodes live in the caller's frame, which the throw unwinds
    BUBBLE_EXPECT(false,
                  "blocking on {} '{}' outside a running bubble: call it from a fiber (Bubble::Run "
                  "or Spawn)",
                  reason.what, reason.object);
  }
  return s->Park(parking, reason);
}

void Scheduler::BlockWhileTearingDown(std::string_view what) {
  FiberRecord* rec = current_;
  if (rec == nullptr) {
    return;  // teardown's own code (a timer's abandon hook): nothing blocks there
  }
  if (++rec->inert_blocks > kMaxInertBlocks) {
    Abandon(*rec, what,
            std::uncaught_exceptions() == 0
                ? std::string("kept catching FiberUnwind (rethrow it from catch (...): "
                              "RethrowIfUnwinding) and blocking again")
                : fmt::format("blocked {} times in destructors (a loop waiting for something "
                              "that cannot happen once the run is over?)",
                              kMaxInertBlocks));
  }
  if (std::uncaught_exceptions() == 0) {
    throw FiberUnwind{};
  }
}

void Scheduler::CannotBlockWhileTearingDown(std::string_view what) {
  BUBBLE_ASSERT(current_ != nullptr, "{} while tearing down, outside a fiber", what);
  if (std::uncaught_exceptions() == 0) {
    throw FiberUnwind{};
  }
  Abandon(*current_, what, "blocked in a destructor");
}

void Scheduler::Abandon(FiberRecord& rec, std::string_view what, std::string_view why) {
  teardown_notes_ += fmt::format(
      "note: while the failed run was torn down, fiber {} \"{}\" {} ({}); it was abandoned "
      "(its remaining frames never run, their objects are not destroyed): a destructor must not "
      "block on other fibers\n",
      rec.id, rec.name, why, what);
  rec.abandoned = true;
  SwitchOut(rec);
  BUBBLE_ASSERT(false, "abandoned fiber {} \"{}\" was resumed", rec.id, rec.name);
  std::abort();  // unreachable: AssertFailed does not return
}

FiberRecord* Scheduler::FindLive(FiberId id) const noexcept {
  auto it =
      std::find_if(live_.begin(), live_.end(), [id](const FiberRecord* r) { return r->id == id; });
  return it != live_.end() ? *it : nullptr;
}

void Scheduler::PrimitiveDiedInUse(std::string message) {
  FailRun(FailureKind::kException, "usage error: " + std::move(message), current_,
          /*provisional=*/std::uncaught_exceptions() > 0);
}

void Scheduler::NoteActivity() noexcept {
  quiet_since_ = now_;
  quiet_timer_fires_ = 0;
  if (profile_.active) {
    profile_ = MovementProfile{};
  }
}

[[gnu::always_inline]] inline void Scheduler::Fire(WaitNode& node) {
  if (current_ != nullptr && !current_->timer_spawned) {
    // A fiber woke another. A timer's own wake-up runs with no fiber current, and a fiber a timer
    // spawned to run its callback (AfterFunc) wakes on the timer's behalf.
    NoteActivity();
  }
  Parking* parking = node.parking;
  Unlink(*parking);
  parking->fired = node.index;
  MakeRunnable(*parking->fiber);
}

[[gnu::always_inline]] inline void Scheduler::MakeRunnable(FiberRecord& rec) {
  if (tearing_down_) {
    return;
  }
  BUBBLE_ASSERT(rec.state == FiberRecord::State::kBlocked, "waking fiber {} that is not blocked",
                rec.id);
  Record(EventKind::kWake, rec.id, {});
  rec.state = FiberRecord::State::kRunnable;
  ready_.push_back({&rec, nullptr});
}

// Here, with Scheduler::Fire inlined into it, as Park.
void Fire(WaitNode& node) {
  Scheduler* s = Scheduler::Current();
  BUBBLE_ASSERT(s != nullptr, "waking a fiber outside its bubble");
  s->Fire(node);
}

std::size_t Scheduler::ChooseCase(const int* case_indexes, std::size_t count) {
  if (count <= 1) {
    return 0;
  }
  candidates_.clear();
  if (needs_candidates_) {
    for (std::size_t i = 0; i < count; ++i) {
      candidates_.push_back(
          {CandidateKind::kSelectCase, static_cast<std::uint64_t>(case_indexes[i]), nullptr});
    }
  }
  std::optional<std::size_t> pick = strategy_->Pick(count, candidates_);
  if (!pick) {
    FailRun(FailureKind::kReplayDiverged, strategy_->Divergence(), current_);
    throw FiberUnwind{};  // the run is over; unwind this fiber now
  }
  RecordDecision({CandidateKind::kSelectCase, static_cast<std::uint64_t>(case_indexes[*pick])});
  return *pick;
}

// ---- timers -------------------------------------------------------------------------------

void Scheduler::StartTimer(TimerNode& node) {
  if (tearing_down_) {
    return;  // inert (detail/wait.h): a timer armed while the run is torn down never fires
  }
  BUBBLE_EXPECT(running_ && !tearing_down_,
                "starting timer '{}' outside a running bubble: create timers from a fiber",
                node.name);
  BUBBLE_EXPECT(node.state == TimerNode::State::kIdle, "timer '{}' started twice", node.name);
  node.id = next_timer_id_++;
  node.priority = strategy_->InitialPriority();
  node.process = current_ != nullptr ? current_->process : firing_process_;
  if (node.when <= now_) {
    node.state = TimerNode::State::kDue;
    ready_.push_back({nullptr, &node});
  } else {
    node.state = TimerNode::State::kPending;
    timers_.Push(node);
  }
}

bool Scheduler::StopTimer(TimerNode& node) noexcept {
  switch (node.state) {
    case TimerNode::State::kIdle:
      return false;
    case TimerNode::State::kPending:
      timers_.Remove(node);
      break;
    case TimerNode::State::kDue:
      for (std::size_t i = 0; i < ready_.size(); ++i) {
        if (ready_[i].timer == &node) {
          ready_.erase(i);
          break;
        }
      }
      break;
  }
  node.state = TimerNode::State::kIdle;
  return true;
}

void Scheduler::FireTimer(TimerNode& node) {
  node.state = TimerNode::State::kIdle;
  ++quiet_timer_fires_;
  if (profile_.active) {
    auto it = profile_.timer_fires.find(node.name);
    if (it == profile_.timer_fires.end()) {
      it = profile_.timer_fires.emplace(std::string(node.name), 0).first;
    }
    ++it->second;
  }
  Record(EventKind::kTimerFire, node.id, node.name);
  if (node.process == nullptr) [[likely]] {
    node.fire(node);
    return;
  }
  firing_process_ = node.process;  // what its callback spawns joins the process
  node.fire(node);                 // may destroy the node
  firing_process_ = nullptr;
}

void Scheduler::AdvanceClock() {
  const TimePoint next = timers_.Top().when;
  if (next - Clock::Epoch() > options_.time_limit) {
    FailRun(
        FailureKind::kTimeLimit,
        fmt::format("virtual time would pass the time limit of {} (next timer '{}' at {}): "
                    "timers keep firing after the work is done? If the run should have ended, "
                    "stop what keeps time moving (the report lists it: cancel a poller's "
                    "context, stop a ticker); raise Options::time_limit only if the run is "
                    "meant to last this long",
                    FormatDuration(options_.time_limit), timers_.Top().name, FormatIsoTime(next)),
        nullptr);
    return;
  }
  const bool quiet_check =
      options_.quiet_limit > Duration::zero() && quiet_timer_fires_ >= kMinTimerLoopFires;
  if (quiet_check && next - quiet_since_ > options_.quiet_limit) {
    FailRun(FailureKind::kTimerLoop,
            fmt::format("for {} of virtual time only timers woke fibers ({} timer firings; no "
                        "fiber woke another): what is left is a loop nobody stops "
                        "(a poller or ticker whose context was never cancelled, or a wait for "
                        "fibers that never end?). Stop it before waiting for the run to end; "
                        "raise Options::quiet_limit if the run is meant to idle like this",
                        FormatDuration(next - quiet_since_), quiet_timer_fires_),
            nullptr);
    return;
  }
  if (!profile_.active && ((quiet_check && next - quiet_since_ > options_.quiet_limit / 2) ||
                           next - Clock::Epoch() > options_.time_limit / 2)) {
    StartProfile();
  }
  Record(EventKind::kClockJump, static_cast<std::uint64_t>((next - now_).count()), {});
  now_ = next;
  steps_at_instant_ = 0;
  while (!timers_.empty() && timers_.Top().when == next) {
    TimerNode& node = timers_.Top();
    timers_.Remove(node);
    node.state = TimerNode::State::kDue;
    ready_.push_back({nullptr, &node});
  }
}

// ---- the loop -----------------------------------------------------------------------------

void Scheduler::ObserveInstant() {
  // Taken out first: the observer runs once, and the check in the loop stays one branch.
  std::function<void()> observe = std::move(options_.observe_instant->observe);
  options_.observe_instant.reset();
  if (observe) {
    observe();
  }
}

[[gnu::always_inline]] inline std::optional<ReadyEntry> Scheduler::PickNext() {
  if (chosen_next_) {
    if (!pending_unwind_.empty()) [[unlikely]] {  // a kill: its fibers go first (process.cc)
      UnwindKilled();
      if (failure_) {
        return std::nullopt;
      }
    }
    return std::exchange(chosen_next_, std::nullopt);
  }
  const std::size_t n = ready_.size();
  std::size_t index = 0;
  if (n > 1) {
    candidates_.clear();
    if (needs_candidates_) {
      for (std::size_t i = 0; i < n; ++i) {
        candidates_.push_back(ready_[i].AsCandidate());
      }
    }
    std::optional<std::size_t> pick = strategy_->Pick(n, candidates_);
    if (!pick) {
      FailRun(FailureKind::kReplayDiverged, strategy_->Divergence(), nullptr);
      return std::nullopt;
    }
    index = *pick;
    RecordDecision(ready_[index].AsDecision());
  }
  return index == 0 ? ready_.pop_front() : ready_.erase(index);
}

void Scheduler::StartProfile() {
  profile_ = MovementProfile{};
  profile_.active = true;
  profile_.since = now_;
}

void Scheduler::CheckRealTime() {
  switch (real_time_->Check()) {
    case RealTimeBudget::State::kFresh:
      return;
    case RealTimeBudget::State::kHalfSpent:
      if (!profile_.active) {
        StartProfile();
      }
      return;
    case RealTimeBudget::State::kSpent:
      FailRun(FailureKind::kRealTimeLimit,
              fmt::format("the run used its real-time budget of {} (at virtual time +{}, after {} "
                          "steps); runs usually take milliseconds: a loop of timers, or a much "
                          "larger workload? Raise Options::real_time_budget (--real-time-budget) "
                          "if this run is meant to take longer",
                          FormatDuration(real_time_->Budget()),
                          FormatDuration(now_ - Clock::Epoch()), steps_),
              nullptr);
      return;
  }
}

[[gnu::always_inline]] inline void Scheduler::RunFiber(FiberRecord& rec) {
  if (profile_.active) {
    auto [it, inserted] = profile_.fiber_runs.try_emplace(rec.id, rec.name, 0);
    ++it->second.second;
  }
  SwitchIn(rec);
  if (rec.state == FiberRecord::State::kDone) {
    FinishFiber(rec);
  }
}

[[gnu::always_inline]] inline bool Scheduler::RunNext() {
  std::optional<ReadyEntry> next = PickNext();
  if (!next) {
    return false;
  }
  if (next->timer != nullptr) {
    FireTimer(*next->timer);
  } else {
    RunFiber(*next->fiber);
  }
  return true;
}

void Scheduler::FinishFiber(FiberRecord& rec) {
  if (rec.abandoned) {
    AbandonedFibers().push_back(std::move(rec.context));
    LsanScanForever(static_cast<char*>(rec.stack.top) - rec.stack.size, rec.stack.size);
  }
  if (rec.error && (!failure_ || failure_provisional_)) {
    FailureKind kind;
    std::string message = DescribeException(rec.error, kind);
    current_ = &rec;  // attribute the exit and failure records to the fiber
    Record(EventKind::kExit, 0, message);
    current_ = nullptr;
    FailRun(kind, std::move(message), &rec);
  } else if (!rec.unwinding && !rec.abandoned) {
    current_ = &rec;
    Record(EventKind::kExit, 0, "ok");
    current_ = nullptr;
  }
  if (rec.process != nullptr) [[unlikely]] {
    MemberEnded(rec);
  }
  FreeRecord(&rec);
}

void Scheduler::Loop() {
  while (!failure_) {
    if (!ready_.empty() || chosen_next_) {
      if (++steps_at_instant_ > options_.step_limit) {
        FailRun(FailureKind::kStepLimit,
                fmt::format("{} scheduling steps without virtual time moving: fibers keep yielding "
                            "or waking each other (a livelock?); raise Options::step_limit if the "
                            "work at one instant is really this large",
                            options_.step_limit),
                nullptr);
        return;
      }
      ++steps_;  // counted once allowed: RunResult::steps is what ran, not what was refused
      if (real_time_ && steps_ % kRealTimeCheckSteps == 0) {
        CheckRealTime();
        if (failure_) {
          return;
        }
      }
      if (!RunNext()) {
        return;
      }
      continue;
    }
    if (wait_caller_ != nullptr) {  // everyone else is durably blocked: Wait() returns
      NoteActivity();
      FiberRecord* rec = std::exchange(wait_caller_, nullptr);
      MakeRunnable(*rec);
      continue;
    }
    if (live_.empty()) {
      return;
    }
    if (!timers_.empty()) {
      if (options_.observe_instant && timers_.Top().when > options_.observe_instant->at)
          [[unlikely]] {
        ObserveInstant();
      }
      AdvanceClock();
      continue;
    }
    FailRun(FailureKind::kDeadlock,
            fmt::format("deadlock: {} fiber{} blocked, none runnable and no timer pending",
                        live_.size(), live_.size() == 1 ? "" : "s"),
            nullptr);
  }
}

// ---- the real-time loop ------------------------------------------------------------------

void Scheduler::ReadRealClock() noexcept {
  const auto steady = std::chrono::steady_clock::now();  // determinism-ok: real-time loop
  const TimePoint t = real_start_ + std::chrono::duration_cast<Duration>(steady - steady_start_);
  if (t > now_) {
    now_ = t;
  }
}

void Scheduler::EnqueueDueTimers() {
  while (!timers_.empty() && timers_.Top().when <= now_) {
    TimerNode& node = timers_.Top();
    timers_.Remove(node);
    node.state = TimerNode::State::kDue;
    ready_.push_back({nullptr, &node});
  }
}

// As Loop, with the clock read from the system and the io driver polled: due timers join the
// ready queue as time passes (so busy fibers cannot starve them), the driver is polled every
// kIoPollSteps steps, and when nothing can run the loop blocks in the driver until the next
// timer is due or a completion arrives.
void Scheduler::RealTimeLoop() {
  IoDriver* const io = options_.io_driver;
  std::uint64_t since_poll = 0;
  while (!failure_) {
    ReadRealClock();
    EnqueueDueTimers();
    if (!ready_.empty() || chosen_next_) {
      ++steps_;
      if (io != nullptr && ++since_poll == kIoPollSteps) {
        since_poll = 0;
        io->Poll();
      }
      if (!RunNext()) {
        return;
      }
      continue;
    }
    if (wait_caller_ != nullptr) {
      FiberRecord* rec = std::exchange(wait_caller_, nullptr);
      MakeRunnable(*rec);
      continue;
    }
    if (live_.empty()) {
      return;
    }
    since_poll = 0;
    if (io != nullptr && io->Poll() > 0) {
      continue;
    }
    const bool io_pending = io != nullptr && io->Pending();
    if (timers_.empty() && !io_pending) {
      FailRun(FailureKind::kDeadlock,
              fmt::format("deadlock: {} fiber{} blocked, none runnable, no timer pending and no "
                          "I/O outstanding",
                          live_.size(), live_.size() == 1 ? "" : "s"),
              nullptr);
      return;
    }
    const auto now = std::chrono::steady_clock::now();  // determinism-ok: the real-time loop only
    auto deadline = now + kLongestIoWait;
    if (!timers_.empty()) {
      deadline = std::min(deadline, steady_start_ + (timers_.Top().when - real_start_));
    }
    if (io != nullptr) {
      io->RunUntil(deadline);
    } else {
      std::this_thread::sleep_until(deadline);
    }
  }
}

RunResult Scheduler::Run() {
  BUBBLE_EXPECT(!ran_, "Bubble::Run() called twice: a bubble runs once; make a new Bubble");
  ran_ = true;
  running_ = true;
  CurrentSchedulerScope scope(this);
  thread_exceptions_ = ThreadExceptionState();
  InstallStackGuardHandler();
  if (options_.watchdog.count() > 0) {
    watchdog_ = std::make_unique<WatchdogSlot>(options_.watchdog, *this);
  }
  if (options_.loop == LoopKind::kRealTime) [[unlikely]] {
    // Calendar time, moved onto the virtual clock's epoch, so FormatIsoTime prints today.
    steady_start_ = std::chrono::steady_clock::now();  // determinism-ok: the real-time loop only
    const auto calendar = std::chrono::system_clock::now();  // determinism-ok: real-time loop
    real_start_ = Clock::Epoch() + std::chrono::duration_cast<Duration>(
                                       calendar.time_since_epoch() -
                                       std::chrono::seconds(Clock::kUnixSecondsAtEpoch));
    now_ = real_start_;
    RealTimeLoop();
  } else {
    if (options_.real_time_budget.count() > 0) {
      real_time_.emplace(options_.real_time_budget);
    }
    quiet_since_ = now_;
    Loop();
  }
  if (chosen_next_) {  // the run ended between a preemption and the pick it made
    ready_.push_front(*std::exchange(chosen_next_, std::nullopt));
  }
  if (options_.observe_instant) {  // the run ended before the instant: its last state
    ObserveInstant();
  }
  if (failure_ && failure_provisional_) {
    // Nothing superseded it: the fiber whose frame died caught the exception and went on.
    RecordFailure(FindLive(failure_->fiber));
    failure_provisional_ = false;
  }
  if (failure_) {
    failure_->blocked = BlockedFibers();
    report_ = BuildReport();
  }
  TearDown();
  report_ += teardown_notes_;
  running_ = false;
  watchdog_.reset();

  RunResult result;
  result.failure = failure_;
  result.fingerprint = trace_.Fingerprint();
  result.steps = steps_;
  result.fibers_spawned = fibers_spawned_;
  result.end_time = now_;
  result.decisions = decisions_.Decode();
  result.report = std::move(report_);
  return result;
}

void Scheduler::FailRun(FailureKind kind, std::string message, FiberRecord* where,
                        bool provisional) {
  if (failure_ && !(failure_provisional_ && !provisional)) {
    return;
  }
  failure_provisional_ = provisional;
  Failure f;
  f.kind = kind;
  f.message = std::move(message);
  f.fiber = where != nullptr ? where->id : 0;
  f.fiber_name = where != nullptr ? where->name : "bubble";
  f.time = now_;
  failure_ = std::move(f);
  if (!provisional) {  // a provisional failure is recorded only if it stands (RecordFailure)
    RecordFailure(where);
  }
}

void Scheduler::RecordFailure(FiberRecord* where) {
  FiberRecord* saved = std::exchange(current_, where);
  Record(EventKind::kFailure, static_cast<std::uint64_t>(failure_->kind), failure_->message);
  current_ = saved;
}

// The fibers of killed processes (process.cc), run from the loop before the killer resumes.
void Scheduler::UnwindKilled() {
  unwinding_killed_ = true;
  for (std::size_t i = 0; i < pending_unwind_.size() && !failure_; ++i) {
    FiberRecord* rec = pending_unwind_[i];
    current_ = rec;
    Record(EventKind::kInstant, 0, "process",
           fmt::format("unwound: its process {} \"{}\" was killed", rec->process->id,
                       rec->process->name));
    current_ = nullptr;
    // A killed fiber cannot block (BlockWhileKilled), so one switch ends or abandons it.
    SwitchIn(*rec);
    BUBBLE_ASSERT(rec->state == FiberRecord::State::kDone || rec->abandoned,
                  "killed fiber {} \"{}\" switched out while unwinding", rec->id, rec->name);
    FinishFiber(*rec);
  }
  pending_unwind_.clear();  // after a failure the rest is left to teardown (still unwinding)
  unwinding_killed_ = false;
}

void Scheduler::TearDown() {
  LsanPause();
  tearing_down_ = true;
  tls_tearing_down = true;  // this bubble is the thread's current one (CurrentSchedulerScope)
  // First withdraw every parked fiber from the primitives it waits on, while all of them still
  // exist: unwinding one fiber may destroy a channel another fiber waits on.
  for (FiberRecord* rec : live_) {
    if (rec->parking != nullptr) {
      Unlink(*rec->parking);
    }
  }
  wait_caller_ = nullptr;
  // Timers first: unwinding may stop them (a Timer's destructor), and due timers must not be
  // left pointing into the ready queue.
  std::vector<TimerNode*> timers = timers_.TakeAll();
  for (std::size_t i = 0; i < ready_.size(); ++i) {
    if (ready_[i].timer != nullptr) {
      timers.push_back(ready_[i].timer);
    }
  }
  ready_.clear();
  for (TimerNode* node : timers) {
    node->state = TimerNode::State::kIdle;
    if (node->abandon != nullptr) {
      node->abandon(*node);  // may destroy the node
    }
  }
  // Unwind the youngest first: children usually borrow from their parents' frames.
  std::vector<FiberRecord*> order = live_;
  std::sort(order.begin(), order.end(),
            [](const FiberRecord* a, const FiberRecord* b) { return a->id > b->id; });
  for (FiberRecord* rec : order) {
    rec->unwinding = true;
    for (int attempt = 0; rec->state != FiberRecord::State::kDone && !rec->abandoned; ++attempt) {
      if (attempt == kMaxUnwindAttempts) {
        teardown_notes_ += fmt::format(
            "note: while the failed run was torn down, fiber {} \"{}\" kept catching "
            "FiberUnwind and was abandoned: rethrow it from catch (...) (RethrowIfUnwinding)\n",
            rec->id, rec->name);
        rec->abandoned = true;
        break;
      }
      SwitchIn(*rec);
    }
    FinishFiber(*rec);
  }
  LsanResume();
  BUBBLE_ASSERT(timers_.empty() && ready_.empty(), "timers started while the bubble tore down");
}

}  // namespace bubble::sim::detail
