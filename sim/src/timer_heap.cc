// sim/src/timer_heap.cc
#include "timer_heap.h"

#include <utility>

namespace bubble::sim::detail {

void TimerHeap::SiftUp(std::size_t i) noexcept {
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!Less(nodes_[i], nodes_[parent])) {
      break;
    }
    std::swap(nodes_[i], nodes_[parent]);
    nodes_[i]->heap_index = i;
    nodes_[parent]->heap_index = parent;
    i = parent;
  }
}

void TimerHeap::SiftDown(std::size_t i) noexcept {
  const std::size_t n = nodes_.size();
  for (;;) {
    std::size_t smallest = i;
    const std::size_t l = 2 * i + 1;
    const std::size_t r = l + 1;
    if (l < n && Less(nodes_[l], nodes_[smallest])) {
      smallest = l;
    }
    if (r < n && Less(nodes_[r], nodes_[smallest])) {
      smallest = r;
    }
    if (smallest == i) {
      return;
    }
    std::swap(nodes_[i], nodes_[smallest]);
    nodes_[i]->heap_index = i;
    nodes_[smallest]->heap_index = smallest;
    i = smallest;
  }
}

void TimerHeap::Push(TimerNode& node) {
  node.heap_index = nodes_.size();
  nodes_.push_back(&node);
  SiftUp(node.heap_index);
}

void TimerHeap::Remove(TimerNode& node) noexcept {
  const std::size_t i = node.heap_index;
  TimerNode* last = nodes_.back();
  nodes_.pop_back();
  if (last != &node) {
    nodes_[i] = last;
    last->heap_index = i;
    SiftDown(i);
    SiftUp(last->heap_index);
  }
}

std::vector<TimerNode*> TimerHeap::TakeAll() noexcept {
  std::vector<TimerNode*> out = std::move(nodes_);
  nodes_.clear();
  return out;
}

}  // namespace bubble::sim::detail
