// tools/src/ordered_results.h
//
// Results of a sweep's normal groups handed on in seed order, whatever order the workers finish
// in: what is decided from them as they come (--until-saturated stopping a group) then depends
// on the seeds only, and is the same for any --jobs. Results that arrive early wait in memory;
// HoldingTooMany() tells the executor to start no new batch until the gap closes. A stopped
// group's later results are dropped. Hunts (--with-bugs) pass straight through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "sweep.h"

namespace bubble::cli {

class OrderedResults {
 public:
  using Sink = std::function<void(const SweepItem&, ItemResult&&)>;

  static constexpr std::size_t kMaxHeld = 100'000;

  OrderedResults(const SweepPlan& plan, Sink sink)
      : plan_(plan),
        sink_(std::move(sink)),
        next_(plan.groups.size(), 0),
        stopped_(plan.groups.size(), false) {}

  void Add(const SweepItem& item, ItemResult&& r);

  // Drops the group's results after the one being handed on (call it from the sink).
  void Stop(std::size_t group) { stopped_[group] = true; }

  bool Stopped(std::size_t group) const { return stopped_[group]; }

  bool HoldingTooMany() const noexcept { return held_.size() >= kMaxHeld; }

  // After an interrupted sweep: hands on what is held, in seed order across the gaps (the
  // results are incomplete anyway, and a result that ran is not lost from the report).
  void Flush();

 private:
  const SweepPlan& plan_;
  Sink sink_;
  std::vector<std::uint64_t> next_;  // per group: the index handed on next
  std::vector<bool> stopped_;
  std::map<std::pair<std::size_t, std::uint64_t>, std::pair<SweepItem, ItemResult>> held_;
};

}  // namespace bubble::cli
