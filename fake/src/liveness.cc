// fake/src/liveness.cc
#include "bubble/fake/liveness.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/timer.h>

namespace bubble::fake {

void Liveness::Track(std::shared_ptr<Clientset> clientset) {
  BUBBLE_EXPECT(clientset != nullptr, "Liveness::Track: the clientset is null");
  if (std::find(clientsets_.begin(), clientsets_.end(), clientset) == clientsets_.end()) {
    clientsets_.push_back(std::move(clientset));
  }
}

void Liveness::Track(std::string name, std::function<bool()> idle) {
  BUBBLE_EXPECT(idle != nullptr, "Liveness::Track(\"{}\"): no idle function", name);
  idlers_.push_back({std::move(name), std::move(idle)});
}

sim::SettlePhase Liveness::Phase() const {
  if (phase_) {
    return *phase_;
  }
  if (const sim::Bubble* b = sim::Bubble::Current(); b != nullptr && b->GetOptions().settle) {
    return *b->GetOptions().settle;
  }
  return {};
}

sim::TimePoint Liveness::Settle() {
  const sim::SettlePhase phase = Phase();
  BUBBLE_EXPECT(phase.within > sim::Duration::zero() && phase.quiet_window > sim::Duration::zero(),
                "Liveness::Settle: the settle phase needs a positive `within` and `quiet_window`");
  sim::SleepUntil(sim::Clock::Epoch() + phase.faults_stop);
  for (const std::shared_ptr<Clientset>& cs : clientsets_) {
    Faults none;
    if (phase.keep_latency) {
      none.latency = cs->GetOptions().faults.latency;
    }
    cs->MutableFaults() = std::move(none);
  }
  const sim::TimePoint stop = sim::Now();
  const sim::TimePoint deadline = stop + phase.within;
  sim::TraceInstant("liveness", fmt::format("faults stopped; quiescent by +{} expected",
                                            sim::FormatDuration(phase.within)));
  for (;;) {
    // Whatever else is due at this instant runs first: a write about to happen now counts.
    sim::Wait();
    const sim::TimePoint now = sim::Now();
    sim::TimePoint last_write = stop;
    for (const std::shared_ptr<Clientset>& cs : clientsets_) {
      const auto records = cs->Writes().Records();
      if (!records.empty()) {
        last_write = std::max(last_write, records.back().time);
      }
    }
    std::vector<std::string> busy;
    for (const Idler& i : idlers_) {
      if (!i.idle()) {
        busy.push_back(i.name);
      }
    }
    const bool quiet = now - last_write >= phase.quiet_window;
    if (quiet && busy.empty()) {
      settled_ = true;
      sim::TraceInstant("liveness", "quiescent");
      return now;
    }
    if (now >= deadline) {
      std::string msg = fmt::format(
          "invariant quiescent-after-faults violated: not quiescent {} after faults stopped at "
          "{} (quiescent: no API write for {} and every tracked queue idle)",
          sim::FormatDuration(phase.within), sim::FormatIsoTime(stop),
          sim::FormatDuration(phase.quiet_window));
      if (!quiet) {
        msg += fmt::format("; the last write was at {}", sim::FormatIsoTime(last_write));
      }
      if (!busy.empty()) {
        msg += "; queues not idle:";
        for (const std::string& b : busy) {
          msg += " " + b;
        }
      }
      msg += "\nwrites since faults stopped:\n";
      for (std::size_t k = 0; k < clientsets_.size(); ++k) {
        const WriteLog& log = clientsets_[k]->Writes();
        if (clientsets_.size() > 1) {
          msg += fmt::format(" server {}:\n", k + 1);
        }
        msg += log.Describe(log.Since(stop), now - stop);
      }
      sim::FailNotConverged(msg);
    }
    sim::TimePoint next =
        busy.empty()
            ? last_write + phase.quiet_window
            : now + std::max<sim::Duration>(phase.quiet_window / 5, std::chrono::milliseconds(1));
    next = std::min(std::max(next, now + std::chrono::milliseconds(1)), deadline);
    sim::SleepUntil(next);
  }
}

}  // namespace bubble::fake
