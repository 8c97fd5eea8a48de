// sim/src/ready_queue.h
//
// The scheduler's ready queue: what can run now (fibers and due timers), in the order it became
// ready. A ring buffer over a power-of-two vector: push_back and pop_front are a few
// instructions with no allocation once warm (std::deque allocates a block every 512 bytes).
// Erasing from the middle (random and pct picks, a stopped due timer) shifts the tail and keeps
// the order of everything else.
#pragma once

#include <cstddef>
#include <vector>

namespace bubble::sim::detail {

template <class T>
class ReadyQueue {
 public:
  ReadyQueue() : slots_(16) {}

  bool empty() const noexcept { return size_ == 0; }

  std::size_t size() const noexcept { return size_; }

  T& operator[](std::size_t i) noexcept { return slots_[(head_ + i) & (slots_.size() - 1)]; }

  const T& operator[](std::size_t i) const noexcept {
    return slots_[(head_ + i) & (slots_.size() - 1)];
  }

  void push_back(const T& value) {
    if (size_ == slots_.size()) {
      Grow();
    }
    slots_[(head_ + size_) & (slots_.size() - 1)] = value;
    ++size_;
  }

  void push_front(const T& value) {
    if (size_ == slots_.size()) {
      Grow();
    }
    head_ = (head_ + slots_.size() - 1) & (slots_.size() - 1);
    slots_[head_] = value;
    ++size_;
  }

  T pop_front() noexcept {
    T value = slots_[head_];
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
    return value;
  }

  // Removes element i, keeping the order of the others.
  T erase(std::size_t i) noexcept {
    T value = (*this)[i];
    for (std::size_t j = i; j + 1 < size_; ++j) {
      (*this)[j] = (*this)[j + 1];
    }
    --size_;
    return value;
  }

  void clear() noexcept {
    head_ = 0;
    size_ = 0;
  }

 private:
  void Grow() {
    std::vector<T> bigger(slots_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) {
      bigger[i] = (*this)[i];
    }
    slots_.swap(bigger);
    head_ = 0;
  }

  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace bubble::sim::detail
