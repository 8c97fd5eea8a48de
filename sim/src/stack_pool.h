// sim/src/stack_pool.h
//
// Fiber stacks: mmap'ed, each with a PROT_NONE guard gap at its low end, and cached per thread
// so that spawning reuses a stack instead of paying mmap + mprotect + munmap (~12 us) per fiber.
// Stacks are only touched where used, so 100k blocked fibers cost about a page or two of
// resident memory each.
//
// The gap is as large as a thread's default stack (kGuardGap): code built without
// -fstack-clash-protection moves the stack pointer by a whole frame at once, so a one-page guard
// is jumped by any frame over 4 KiB and the write lands in a neighbour's stack. A frame would
// have to be larger than a whole thread stack to jump this gap. The gap is address space only
// (no memory, no commit charge).
//
// Every stack is guarded. Each is two kernel mappings and the process may hold at most
// vm.max_map_count of them (65530 by default): when the budget is spent, Allocate throws a
// UsageError naming the limit instead of handing out an unguarded stack.
#pragma once

#include <atomic>
#include <cstddef>
#include <vector>

#include <boost/context/stack_context.hpp>

namespace bubble::sim::detail {

inline constexpr std::size_t kGuardGap = 8 * 1024 * 1024;

struct Stack {
  void* top = nullptr;   // highest address (stacks grow down)
  std::size_t size = 0;  // usable bytes below top; the guard gap lies below top - size
};

class StackPool {
 public:
  // The calling thread's pool.
  static StackPool& ForThisThread();

  StackPool() = default;
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;
  ~StackPool();

  // A guarded stack of at least `size` usable bytes (rounded up to whole pages). Throws
  // UsageError when the process's memory-map budget for stacks is spent.
  Stack Allocate(std::size_t size);
  void Release(const Stack& stack) noexcept;

  static std::size_t PageSize() noexcept;

  // How many stacks the whole process may have mapped at once, from vm.max_map_count (two
  // mappings per stack, with room left for everything else the process maps).
  static std::size_t MaxMappedStacks() noexcept;

 private:
  void Unmap(const Stack& stack) noexcept;
  void UnmapCached() noexcept;

  std::vector<Stack> free_;  // LIFO: the most recently used stack is warm in cache
};

// Models Boost.Context's StackAllocator concept over the pool.
class PoolStackAllocator {
 public:
  PoolStackAllocator(std::size_t size, Stack* out) noexcept : size_(size), out_(out) {}

  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& sctx) noexcept;

 private:
  std::size_t size_;
  Stack* out_;  // where the allocated stack is reported (the fiber record)
};

}  // namespace bubble::sim::detail
