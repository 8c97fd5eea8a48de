// sim/src/scheduler.cc
#include "scheduler.h"

#include <algorithm>
#include <memory>
#include <utility>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include "sanitizer.h"
#include "stack_guard.h"
#include "watchdog.h"

namespace bubble::sim::detail {

namespace {

thread_local Scheduler* tls_scheduler = nullptr;

// Installs `s` as this thread's current scheduler for a scope; restores the previous one, so a
// bubble may even run inside a fiber of another bubble.
class CurrentSchedulerScope {
 public:
  explicit CurrentSchedulerScope(Scheduler* s) noexcept : previous_(tls_scheduler) {
    tls_scheduler = s;
  }

  ~CurrentSchedulerScope() { tls_scheduler = previous_; }

  CurrentSchedulerScope(const CurrentSchedulerScope&) = delete;
  CurrentSchedulerScope& operator=(const CurrentSchedulerScope&) = delete;

 private:
  Scheduler* previous_;
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

// Entries of each kind a movement report lists.
constexpr std::size_t kMovementTop = 5;

// Blocked fibers a report lists (RunResult::failure->blocked has them all): a deadlock of 100k
// fibers would otherwise print megabytes.
constexpr std::size_t kReportBlockedMax = 100;

// Bytes of a failure's message a report shows (an exception's what() may be a whole document).
constexpr std::size_t kReportMessageMax = 4096;
// Bytes of one trace record a report shows.
constexpr std::size_t kReportLineMax = 512;

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

Scheduler* Scheduler::Current() noexcept {
  return tls_scheduler;
}

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
  trace_.NameFiber(0, "bubble");
  CreateLoggers();
}

Scheduler::~Scheduler() {
  // A bubble that never ran may still hold fibers spawned before Run(): unwind them so their
  // captured state is destroyed.
  if (!ran_ && !live_.empty()) {
    CurrentSchedulerScope scope(this);
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
  rec->fn.Reset();
  free_records_.push_back(rec);
}

FiberId Scheduler::Spawn(std::string name, Task fn) {
  if (tearing_down_ && running_) {
    return 0;  // inert (detail/wait.h): a fiber spawned by a destructor of a failed run never runs
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
  Scheduler* self = tls_scheduler;
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

void Scheduler::SwitchIn(FiberRecord& rec) noexcept {
  current_ = &rec;
  rec.points_in_slice = 0;
  rec.state = FiberRecord::State::kRunning;
  if (watchdog_ != nullptr) {
    watchdog_->Enter(steps_);
  }
  AsanStartSwitch(&loop_fake_stack_, static_cast<char*>(rec.stack.top) - rec.stack.size,
                  rec.stack.size);
  ExceptionState* thread_exceptions = ThreadExceptionState();
  const ExceptionState loop_exceptions = std::exchange(*thread_exceptions, rec.exceptions);
  rec.context = std::move(rec.context).resume();
  rec.exceptions = std::exchange(*thread_exceptions, loop_exceptions);
  AsanFinishSwitch(loop_fake_stack_, nullptr, nullptr);
  if (watchdog_ != nullptr) {
    watchdog_->Leave();
  }
  current_ = nullptr;
}

void Scheduler::SwitchOut(FiberRecord& rec) noexcept {
  AsanStartSwitch(&rec.asan_fake_stack, loop_stack_bottom_, loop_stack_size_);
  rec.loop = std::move(rec.loop).resume();
  AsanFinishSwitch(rec.asan_fake_stack, &loop_stack_bottom_, &loop_stack_size_);
}

void Scheduler::Yield() {
  FiberRecord* rec = current_;
  BUBBLE_EXPECT(rec != nullptr,
                "Yield() outside a fiber: call it from a fiber of a running bubble");
  if (tearing_down_) {
    BlockWhileTearingDown("yield");
    return;
  }
  Record(EventKind::kYield, 0, {});
  rec->state = FiberRecord::State::kRunnable;
  ready_.push_back({rec, nullptr});
  SwitchOut(*rec);
  if (rec->unwinding) {
    throw FiberUnwind{};
  }
}

void Scheduler::WaitForIdle() {
  FiberRecord* rec = current_;
  BUBBLE_EXPECT(rec != nullptr, "Wait() outside a fiber: call it from a fiber of a running bubble");
  BUBBLE_EXPECT(
      wait_caller_ == nullptr,
      "Wait() in fiber {} \"{}\" while fiber {} \"{}\" is already in Wait(): only one fiber "
      "may wait for the bubble to go idle at a time",
      rec->id, rec->name, wait_caller_->id, wait_caller_->name);
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

int Scheduler::Park(Parking& parking, const BlockReason& reason) {
  FiberRecord* rec = current_;
  if (rec == nullptr) {
    Unlink(parking);  // the nodes live in the caller's frame, which the throw unwinds
    BUBBLE_EXPECT(false,
                  "blocking on {} '{}' outside a fiber: call it from a fiber of a running bubble "
                  "(Bubble::Run or Spawn)",
                  reason.what, reason.object);
  }
  if (tearing_down_) {
    // A primitive that does not check TearingDown() itself: never block, never return a wake-up
    // that did not happen.
    Unlink(parking);
    CannotBlockWhileTearingDown(reason.what);
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

void Scheduler::Fire(WaitNode& node) {
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

void Scheduler::MakeRunnable(FiberRecord& rec) {
  if (tearing_down_) {
    return;
  }
  BUBBLE_ASSERT(rec.state == FiberRecord::State::kBlocked, "waking fiber {} that is not blocked",
                rec.id);
  Record(EventKind::kWake, rec.id, {});
  rec.state = FiberRecord::State::kRunnable;
  ready_.push_back({&rec, nullptr});
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
  const auto chosen = static_cast<std::uint64_t>(case_indexes[*pick]);
  if (trace_.Mode() != TraceMode::kOff) {
    decisions_.push_back({CandidateKind::kSelectCase, chosen});
  }
  Record(EventKind::kDecision, chosen, "case");
  return *pick;
}

// ---- timers -------------------------------------------------------------------------------

bool Scheduler::HeapLess(const TimerNode* a, const TimerNode* b) const noexcept {
  return a->when != b->when ? a->when < b->when : a->id < b->id;
}

void Scheduler::HeapSiftUp(std::size_t i) noexcept {
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (!HeapLess(heap_[i], heap_[parent])) {
      break;
    }
    std::swap(heap_[i], heap_[parent]);
    heap_[i]->heap_index = i;
    heap_[parent]->heap_index = parent;
    i = parent;
  }
}

void Scheduler::HeapSiftDown(std::size_t i) noexcept {
  const std::size_t n = heap_.size();
  for (;;) {
    std::size_t smallest = i;
    const std::size_t l = 2 * i + 1;
    const std::size_t r = l + 1;
    if (l < n && HeapLess(heap_[l], heap_[smallest])) {
      smallest = l;
    }
    if (r < n && HeapLess(heap_[r], heap_[smallest])) {
      smallest = r;
    }
    if (smallest == i) {
      return;
    }
    std::swap(heap_[i], heap_[smallest]);
    heap_[i]->heap_index = i;
    heap_[smallest]->heap_index = smallest;
    i = smallest;
  }
}

void Scheduler::HeapPush(TimerNode& node) {
  node.heap_index = heap_.size();
  heap_.push_back(&node);
  HeapSiftUp(node.heap_index);
}

void Scheduler::HeapRemove(TimerNode& node) noexcept {
  const std::size_t i = node.heap_index;
  TimerNode* last = heap_.back();
  heap_.pop_back();
  if (last != &node) {
    heap_[i] = last;
    last->heap_index = i;
    HeapSiftDown(i);
    HeapSiftUp(last->heap_index);
  }
}

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
  if (node.when <= now_) {
    node.state = TimerNode::State::kDue;
    ready_.push_back({nullptr, &node});
  } else {
    node.state = TimerNode::State::kPending;
    HeapPush(node);
  }
}

bool Scheduler::StopTimer(TimerNode& node) noexcept {
  switch (node.state) {
    case TimerNode::State::kIdle:
      return false;
    case TimerNode::State::kPending:
      HeapRemove(node);
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
  node.fire(node);
}

void Scheduler::AdvanceClock() {
  const TimePoint next = heap_.front()->when;
  if (next - Clock::Epoch() > options_.time_limit) {
    FailRun(
        FailureKind::kTimeLimit,
        fmt::format("virtual time would pass the time limit of {} (next timer '{}' at {}): "
                    "timers keep firing after the work is done? If the run should have ended, "
                    "stop what keeps time moving (the report lists it: cancel a poller's "
                    "context, stop a ticker); raise Options::time_limit only if the run is "
                    "meant to last this long",
                    FormatDuration(options_.time_limit), heap_.front()->name, FormatIsoTime(next)),
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
  while (!heap_.empty() && heap_.front()->when == next) {
    TimerNode* node = heap_.front();
    HeapRemove(*node);
    node->state = TimerNode::State::kDue;
    ready_.push_back({nullptr, node});
  }
}

// ---- the loop -----------------------------------------------------------------------------

std::optional<ReadyEntry> Scheduler::PickNext() {
  if (chosen_next_) {
    return std::exchange(chosen_next_, std::nullopt);
  }
  const std::size_t n = ready_.size();
  std::size_t index = 0;
  if (n > 1) {
    candidates_.clear();
    if (needs_candidates_) {
      for (std::size_t i = 0; i < n; ++i) {
        const ReadyEntry& e = ready_[i];
        candidates_.push_back(
            e.fiber != nullptr ? Candidate{CandidateKind::kFiber, e.fiber->id, &e.fiber->priority}
                               : Candidate{CandidateKind::kTimer, e.timer->id, &e.timer->priority});
      }
    }
    std::optional<std::size_t> pick = strategy_->Pick(n, candidates_);
    if (!pick) {
      FailRun(FailureKind::kReplayDiverged, strategy_->Divergence(), nullptr);
      return std::nullopt;
    }
    index = *pick;
    const ReadyEntry& e = ready_[index];
    const Decision d = e.fiber != nullptr ? Decision{CandidateKind::kFiber, e.fiber->id}
                                          : Decision{CandidateKind::kTimer, e.timer->id};
    if (trace_.Mode() != TraceMode::kOff) {
      decisions_.push_back(d);
    }
    Record(EventKind::kDecision, d.id, CandidateKindName(d.kind));
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

std::string Scheduler::DescribeMovement() const {
  if (!profile_.active || (profile_.timer_fires.empty() && profile_.fiber_runs.empty())) {
    return {};
  }
  std::string out = fmt::format("what kept virtual time moving (since +{}):\n",
                                FormatDuration(profile_.since - Clock::Epoch()));
  std::vector<std::pair<std::uint64_t, std::string>> rows;
  for (const auto& [name, fires] : profile_.timer_fires) {
    rows.emplace_back(fires, fmt::format("timer '{}' fired {} times", name, fires));
  }
  auto by_count = [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  std::sort(rows.begin(), rows.end(), by_count);
  for (std::size_t i = 0; i < rows.size() && i < kMovementTop; ++i) {
    out += "  " + rows[i].second + "\n";
  }
  rows.clear();
  for (const auto& [id, entry] : profile_.fiber_runs) {
    rows.emplace_back(entry.second,
                      fmt::format("fiber {} \"{}\" ran {} times", id, entry.first, entry.second));
  }
  std::sort(rows.begin(), rows.end(), by_count);
  for (std::size_t i = 0; i < rows.size() && i < kMovementTop; ++i) {
    out += "  " + rows[i].second + "\n";
  }
  return out;
}

void Scheduler::RunFiber(FiberRecord& rec) {
  if (profile_.active) {
    auto [it, inserted] = profile_.fiber_runs.try_emplace(rec.id, rec.name, 0);
    ++it->second.second;
  }
  SwitchIn(rec);
  if (rec.state == FiberRecord::State::kDone) {
    FinishFiber(rec);
  }
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
      std::optional<ReadyEntry> next = PickNext();
      if (!next) {
        return;
      }
      if (next->timer != nullptr) {
        FireTimer(*next->timer);
      } else {
        RunFiber(*next->fiber);
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
    if (!heap_.empty()) {
      AdvanceClock();
      continue;
    }
    FailRun(FailureKind::kDeadlock,
            fmt::format("deadlock: {} fiber{} blocked, none runnable and no timer pending",
                        live_.size(), live_.size() == 1 ? "" : "s"),
            nullptr);
  }
}

RunResult Scheduler::Run() {
  BUBBLE_EXPECT(!ran_, "Bubble::Run() called twice: a bubble runs once; make a new Bubble");
  ran_ = true;
  running_ = true;
  CurrentSchedulerScope scope(this);
  InstallStackGuardHandler();
  if (options_.watchdog.count() > 0) {
    watchdog_ = std::make_unique<WatchdogSlot>(options_.watchdog, *this);
  }
  if (options_.real_time_budget.count() > 0) {
    real_time_.emplace(options_.real_time_budget);
  }
  quiet_since_ = now_;
  Loop();
  if (chosen_next_) {  // the run ended between a preemption and the pick it made
    ready_.push_front(*std::exchange(chosen_next_, std::nullopt));
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
  result.decisions = decisions_;
  result.report = report_;
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

std::vector<BlockedFiber> Scheduler::BlockedFibers() const {
  std::vector<BlockedFiber> out;
  for (const FiberRecord* rec : live_) {
    if (rec->state != FiberRecord::State::kBlocked) {
      continue;
    }
    std::string what(rec->block.what);
    if (!rec->block.object.empty()) {
      what += fmt::format(" '{}'", rec->block.object);
    }
    out.push_back({rec->id, rec->name, std::move(what), rec->block.holder, rec->blocked_since});
  }
  std::sort(out.begin(), out.end(),
            [](const BlockedFiber& a, const BlockedFiber& b) { return a.id < b.id; });
  return out;
}

void Scheduler::TearDown() {
  LsanPause();
  tearing_down_ = true;
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
  std::vector<TimerNode*> timers = std::move(heap_);
  heap_.clear();
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
  BUBBLE_ASSERT(heap_.empty() && ready_.empty(), "timers started while the bubble tore down");
}

std::string Scheduler::BuildReport() const {
  const Failure& f = *failure_;
  std::string out = fmt::format("bubble: run failed: {}\n", FailureKindName(f.kind));
  if (f.message.size() > kReportMessageMax) {
    out += fmt::format("  what:     {}... ({} more bytes cut from the report)\n",
                       std::string_view(f.message).substr(0, kReportMessageMax),
                       f.message.size() - kReportMessageMax);
  } else {
    out += fmt::format("  what:     {}\n", f.message);
  }
  out += fmt::format("  fiber:    {} \"{}\"\n", f.fiber, f.fiber_name);
  out += fmt::format("  time:     {} (+{})\n", FormatIsoTime(f.time),
                     FormatDuration(f.time - Clock::Epoch()));
  out +=
      fmt::format("  seed:     {}\n  strategy: {}", options_.seed, StrategyName(options_.strategy));
  if (options_.strategy == StrategyKind::kPct) {
    out += fmt::format(" (depth {})", options_.pct_depth);
  }
  out += fmt::format("\n  steps:    {}\n", steps_);
  if (!f.blocked.empty()) {
    out += "blocked fibers (wait-for):\n";
    for (std::size_t i = 0; i < f.blocked.size() && i < kReportBlockedMax; ++i) {
      const BlockedFiber& b = f.blocked[i];
      out += fmt::format("  fiber {} \"{}\" waits on {} since {}", b.id, b.name, b.waits_on,
                         FormatKlogTime(b.since).substr(5));
      if (b.holder != 0) {
        const FiberRecord* holder = FindLive(b.holder);
        out += fmt::format(" -> held by fiber {} \"{}\"", b.holder,
                           holder != nullptr ? holder->name : std::string("?"));
      }
      out += "\n";
    }
    if (f.blocked.size() > kReportBlockedMax) {
      out += fmt::format(
          "  ... and {} more blocked fibers (cut from the report; "
          "RunResult::failure->blocked lists them all)\n",
          f.blocked.size() - kReportBlockedMax);
    }
  }
  if (f.kind == FailureKind::kTimeLimit || f.kind == FailureKind::kTimerLoop ||
      f.kind == FailureKind::kRealTimeLimit) {
    out += DescribeMovement();
  }
  std::vector<TraceEvent> tail = trace_.Tail();
  if (!tail.empty()) {
    out += fmt::format("last {} trace events:\n", tail.size());
    for (const TraceEvent& e : tail) {
      const std::string line = FormatEvent(e, trace_.FiberNames());
      if (line.size() > kReportLineMax) {
        out += fmt::format("  {}... ({} more bytes cut)\n",
                           std::string_view(line).substr(0, kReportLineMax),
                           line.size() - kReportLineMax);
      } else {
        out += "  " + line + "\n";
      }
    }
  }
  if (!options_.replay_command.empty()) {
    out += fmt::format("replay: {}\n", options_.replay_command);
  }
  return out;
}

}  // namespace bubble::sim::detail
