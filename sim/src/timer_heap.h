// sim/src/timer_heap.h
//
// The scheduler's pending timers: a binary min-heap keyed by (due time, id). Ids are a per-bubble
// counter, so timers due at the same instant leave in the order they were started, never by
// address. Each node knows its own slot (TimerNode::heap_index), so a stopped timer leaves in
// O(log n) without a search.
#pragma once

#include <cstddef>
#include <vector>

#include <bubble/sim/detail/timer_node.h>

namespace bubble::sim::detail {

class TimerHeap {
 public:
  bool empty() const noexcept { return nodes_.empty(); }

  // The timer due first. Precondition: !empty().
  TimerNode& Top() const noexcept { return *nodes_.front(); }

  void Push(TimerNode& node);
  void Remove(TimerNode& node) noexcept;

  // Empties the heap, handing back its timers in no particular order (teardown).
  std::vector<TimerNode*> TakeAll() noexcept;

 private:
  static bool Less(const TimerNode* a, const TimerNode* b) noexcept {
    return a->when != b->when ? a->when < b->when : a->id < b->id;
  }

  void SiftUp(std::size_t i) noexcept;
  void SiftDown(std::size_t i) noexcept;

  std::vector<TimerNode*> nodes_;
};

}  // namespace bubble::sim::detail
