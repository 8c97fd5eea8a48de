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
      strategy_(options_.custom_strategy ? options_.custom_strategy()
                                         : MakeStrategy({.kind = options_.strategy,
                                                         .seed = options_.seed,
                                                         .pct_depth = options_.pct_depth,
                                                         .pct_horizon = options_.pct_horizon,
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
  BUBBLE_EXPECT(
      !tearing_down_ && !(ran_ && !running_),
      "Spawn(\"{}\") after the bubble finished: spawn fibers before Run() or from inside it", name);
  BUBBLE_EXPECT(static_cast<bool>(fn), "Spawn(\"{}\") with an empty function", name);
  FiberRecord* rec = NewRecord();
  rec->id = next_fiber_id_++;
  rec->name = std::move(name);
  rec->state = FiberRecord::State::kRunnable;
  rec->started = false;
  rec->unwinding = false;
  rec->priority = strategy_->InitialPriority();
  rec->fn = std::move(fn);
  rec->asan_fake_stack = nullptr;  // a reused record must not hand ASan a dead fiber's fake stack
  rec->live_index = live_.size();
  live_.push_back(rec);
  ++fibers_spawned_;
  {
    // Constructing the fiber runs Boost.Context's entry function on the new stack, unannotated.
    AsanSwitchWindow window;
    rec->context = boost::context::fiber(
        std::allocator_arg,
        PoolStackAllocator(options_.stack_size, options_.guarded_stacks, &rec->stack),
        [rec](boost::context::fiber&& loop) { return FiberMain(*rec, std::move(loop)); });
  }
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
  rec.state = FiberRecord::State::kRunning;
  if (watchdog_ != nullptr) {
    watchdog_->Enter(steps_);
  }
  AsanStartSwitch(&loop_fake_stack_, static_cast<char*>(rec.stack.top) - rec.stack.size,
                  rec.stack.size);
  rec.context = std::move(rec.context).resume();
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

void Scheduler::Fire(WaitNode& node) {
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
  Record(EventKind::kTimerFire, node.id, node.name);
  node.fire(node);
}

void Scheduler::AdvanceClock() {
  const TimePoint next = heap_.front()->when;
  if (next - Clock::Epoch() > options_.time_limit) {
    FailRun(
        FailureKind::kTimeLimit,
        fmt::format("virtual time would pass the time limit of {} (next timer '{}' at {}): a "
                    "fiber keeps time moving forever (a ticker loop that is never stopped?); "
                    "raise Options::time_limit if the run is meant to be this long",
                    FormatDuration(options_.time_limit), heap_.front()->name, FormatIsoTime(next)),
        nullptr);
    return;
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

void Scheduler::RunFiber(FiberRecord& rec) {
  SwitchIn(rec);
  if (rec.state == FiberRecord::State::kDone) {
    FinishFiber(rec);
  }
}

void Scheduler::FinishFiber(FiberRecord& rec) {
  if (rec.error && !failure_) {
    FailureKind kind;
    std::string message = DescribeException(rec.error, kind);
    current_ = &rec;  // attribute the exit and failure records to the fiber
    Record(EventKind::kExit, 0, message);
    current_ = nullptr;
    FailRun(kind, std::move(message), &rec);
  } else if (!rec.unwinding) {
    current_ = &rec;
    Record(EventKind::kExit, 0, "ok");
    current_ = nullptr;
  }
  FreeRecord(&rec);
}

void Scheduler::Loop() {
  while (!failure_) {
    if (!ready_.empty()) {
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
  Loop();
  if (failure_) {
    failure_->blocked = BlockedFibers();
    report_ = BuildReport();
  }
  TearDown();
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

void Scheduler::FailRun(FailureKind kind, std::string message, FiberRecord* where) {
  if (failure_) {
    return;
  }
  Failure f;
  f.kind = kind;
  f.message = std::move(message);
  f.fiber = where != nullptr ? where->id : 0;
  f.fiber_name = where != nullptr ? where->name : "bubble";
  f.time = now_;
  FiberRecord* saved = std::exchange(current_, where);
  Record(EventKind::kFailure, static_cast<std::uint64_t>(kind), f.message);
  current_ = saved;
  failure_ = std::move(f);
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
    for (int attempt = 0; rec->state != FiberRecord::State::kDone; ++attempt) {
      BUBBLE_ASSERT(attempt < kMaxUnwindAttempts,
                    "fiber {} \"{}\" keeps catching FiberUnwind: rethrow it from catch (...) "
                    "(RethrowIfUnwinding)",
                    rec->id, rec->name);
      SwitchIn(*rec);
    }
    FinishFiber(*rec);
  }
  BUBBLE_ASSERT(heap_.empty() && ready_.empty(), "timers started while the bubble tore down");
}

std::string Scheduler::BuildReport() const {
  const Failure& f = *failure_;
  std::string out = fmt::format("bubble: run failed: {}\n", FailureKindName(f.kind));
  out += fmt::format("  what:     {}\n", f.message);
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
    for (const BlockedFiber& b : f.blocked) {
      out += fmt::format("  fiber {} \"{}\" waits on {} since {}", b.id, b.name, b.waits_on,
                         FormatKlogTime(b.since).substr(5));
      if (b.holder != 0) {
        auto it = std::find_if(live_.begin(), live_.end(),
                               [&b](const FiberRecord* r) { return r->id == b.holder; });
        out += fmt::format(" -> held by fiber {} \"{}\"", b.holder,
                           it != live_.end() ? (*it)->name : std::string("?"));
      }
      out += "\n";
    }
  }
  std::vector<TraceEvent> tail = trace_.Tail();
  if (!tail.empty()) {
    out += fmt::format("last {} trace events:\n", tail.size());
    for (const TraceEvent& e : tail) {
      out += "  " + FormatEvent(e, trace_.FiberNames()) + "\n";
    }
  }
  if (!options_.replay_command.empty()) {
    out += fmt::format("replay: {}\n", options_.replay_command);
  }
  return out;
}

}  // namespace bubble::sim::detail
