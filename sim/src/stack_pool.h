// sim/src/stack_pool.h
//
// Fiber stacks: mmap'ed, each with a PROT_NONE guard page at its low end (stack overflow faults
// instead of corrupting a neighbour), and cached per thread so that spawning reuses a stack
// instead of paying mmap + mprotect + munmap (~12 us) per fiber. Stacks are only touched where
// used, so 100k blocked fibers cost about a page or two of resident memory each.
//
// Each guarded stack is two kernel mappings and vm.max_map_count defaults to 65530, so at most
// `max_guarded` guarded stacks exist at once per thread; beyond that stacks come unguarded.
#pragma once

#include <cstddef>
#include <vector>

#include <boost/context/stack_context.hpp>

namespace bubble::sim::detail {

struct Stack {
  void* top = nullptr;   // highest address (stacks grow down)
  std::size_t size = 0;  // usable bytes below top
  bool guarded = false;  // a guard page lies just below top - size
};

class StackPool {
 public:
  // The calling thread's pool.
  static StackPool& ForThisThread();

  StackPool() = default;
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;
  ~StackPool();

  // A stack of at least `size` usable bytes (rounded up to whole pages).
  Stack Allocate(std::size_t size, std::size_t max_guarded);
  void Release(const Stack& stack) noexcept;

  static std::size_t PageSize() noexcept;

 private:
  void Unmap(const Stack& stack) noexcept;

  std::vector<Stack> free_;  // LIFO: the most recently used stack is warm in cache
  std::size_t guarded_live_ = 0;
};

// Models Boost.Context's StackAllocator concept over the pool.
class PoolStackAllocator {
 public:
  PoolStackAllocator(std::size_t size, std::size_t max_guarded, Stack* out) noexcept
      : size_(size), max_guarded_(max_guarded), out_(out) {}

  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& sctx) noexcept;

 private:
  std::size_t size_;
  std::size_t max_guarded_;
  Stack* out_;  // where the allocated stack is reported (the fiber record)
};

}  // namespace bubble::sim::detail
