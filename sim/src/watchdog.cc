// sim/src/watchdog.cc
//
// determinism-ok: this file is the one place that uses real time and a thread; nothing here
// feeds a run's schedule, trace or fingerprint. It only reports a hung fiber and aborts.
#include "watchdog.h"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>  // NOLINT(portability-restrict-system-includes): the watchdog thread
#include <vector>

#include "scheduler.h"

namespace bubble::sim::detail {

class Watchdog {
 public:
  // The process's watchdog. After fork() the child gets a new one: the parent's thread does
  // not exist there and its mutex may have been held at the fork. The fork is noticed by a
  // pthread_atfork handler, not by comparing getpid() at every run (a system call each).
  static Watchdog& Instance() {
    Registry& r = TheRegistry();
    std::lock_guard lock(r.guard);
    if (r.instance == nullptr) {
      r.instance = new Watchdog();  // leaked on purpose: the thread lives as long as the process
    }
    return *r.instance;
  }

  void Add(WatchdogSlot* slot) {
    std::lock_guard lock(mu_);
    slots_.push_back(slot);
    if (!started_) {
      started_ = true;
      std::thread([this] { Loop(); }).detach();
    }
  }

  void Remove(WatchdogSlot* slot) {
    std::lock_guard lock(mu_);
    slots_.erase(std::remove(slots_.begin(), slots_.end(), slot), slots_.end());
  }

 private:
  void Loop() {
    for (;;) {
      std::unique_lock lock(mu_);
      auto period = std::chrono::milliseconds(100);
      for (WatchdogSlot* s : slots_) {
        period = std::min(period, std::max(s->limit_ / 4, std::chrono::milliseconds(5)));
      }
      wake_.wait_for(lock, period);
      const auto now = std::chrono::steady_clock::now();
      for (WatchdogSlot* s : slots_) {
        const std::uint64_t gen = s->generation_.load(std::memory_order_relaxed);
        if (gen != s->seen_generation_ || !s->in_fiber_.load(std::memory_order_relaxed)) {
          s->seen_generation_ = gen;
          s->seen_at_ = now;
          continue;
        }
        if (now - s->seen_at_ >= s->limit_) {
          Report(*s);
        }
      }
    }
  }

  [[noreturn]] static void Report(const WatchdogSlot& slot) {
    // The bubble's thread is stuck inside one fiber and changes nothing we read here.
    const Scheduler& s = slot.scheduler_;
    const Options& o = s.GetOptions();
    std::fprintf(
        stderr,
        "bubble: watchdog: fiber %llu \"%.*s\" has run for %lld ms of real time without "
        "returning to the scheduler: an endless loop that never blocks, yields or "
        "sleeps? Virtual time cannot move while it runs.\n"
        "  seed %llu, strategy %.*s, virtual time %s\n",
        static_cast<unsigned long long>(s.RunningId()), static_cast<int>(s.RunningName().size()),
        s.RunningName().data(), static_cast<long long>(slot.limit_.count()),
        static_cast<unsigned long long>(o.seed), static_cast<int>(StrategyName(o.strategy).size()),
        StrategyName(o.strategy).data(), FormatIsoTime(s.Now()).c_str());
    if (!o.replay_command.empty()) {
      std::fprintf(stderr, "  replay: %s\n", o.replay_command.c_str());
    }
    std::fflush(stderr);
    std::abort();
  }

  struct Registry {
    std::mutex guard;
    Watchdog* instance = nullptr;
  };

  // Held across fork() (prepare/parent), so the child never inherits it locked; the child
  // forgets the parent's watchdog.
  static Registry& TheRegistry() {
    static Registry* registry = [] {
      auto* r = new Registry();  // leaked: fork handlers may run during exit
      ::pthread_atfork([] { TheRegistry().guard.lock(); }, [] { TheRegistry().guard.unlock(); },
                       [] {
                         TheRegistry().instance = nullptr;
                         TheRegistry().guard.unlock();
                       });
      return r;
    }();
    return *registry;
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<WatchdogSlot*> slots_;
  bool started_ = false;
};

WatchdogSlot::WatchdogSlot(std::chrono::milliseconds limit, const Scheduler& scheduler)
    : limit_(limit), scheduler_(scheduler) {
  Watchdog::Instance().Add(this);
}

WatchdogSlot::~WatchdogSlot() {
  Watchdog::Instance().Remove(this);
}

}  // namespace bubble::sim::detail
