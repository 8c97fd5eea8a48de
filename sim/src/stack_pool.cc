// sim/src/stack_pool.cc
#include "stack_pool.h"

#include <unistd.h>

#include <cstdint>
#include <new>

#include <bubble/sim/error.h>

#include <sys/mman.h>

namespace bubble::sim::detail {

namespace {

// Stacks kept for reuse per thread; more are unmapped on release.
constexpr std::size_t kMaxCached = 8192;

std::size_t RoundUp(std::size_t n, std::size_t page) {
  return (n + page - 1) / page * page;
}

}  // namespace

std::size_t StackPool::PageSize() noexcept {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

StackPool& StackPool::ForThisThread() {
  thread_local StackPool pool;
  return pool;
}

StackPool::~StackPool() {
  for (const Stack& s : free_) {
    Unmap(s);
  }
}

Stack StackPool::Allocate(std::size_t size, std::size_t max_guarded) {
  const std::size_t page = PageSize();
  size = RoundUp(size, page);
  // Reuse the most recent cached stack of this size.
  for (std::size_t i = free_.size(); i-- > 0;) {
    if (free_[i].size == size) {
      Stack s = free_[i];
      free_[i] = free_.back();
      free_.pop_back();
      return s;
    }
  }
  const bool guard = guarded_live_ < max_guarded;
  const std::size_t mapped = size + (guard ? page : 0);
  void* base = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) {
    throw std::bad_alloc();
  }
  if (guard) {
    if (::mprotect(base, page, PROT_NONE) != 0) {
      ::munmap(base, mapped);
      throw std::bad_alloc();
    }
    ++guarded_live_;
  }
  return Stack{static_cast<char*>(base) + mapped, size, guard};
}

void StackPool::Release(const Stack& stack) noexcept {
  if (free_.size() < kMaxCached) {
    free_.push_back(stack);
  } else {
    Unmap(stack);
  }
}

void StackPool::Unmap(const Stack& stack) noexcept {
  const std::size_t page = PageSize();
  const std::size_t mapped = stack.size + (stack.guarded ? page : 0);
  ::munmap(static_cast<char*>(stack.top) - mapped, mapped);
  if (stack.guarded) {
    --guarded_live_;
  }
}

boost::context::stack_context PoolStackAllocator::allocate() {
  Stack s = StackPool::ForThisThread().Allocate(size_, max_guarded_);
  *out_ = s;
  boost::context::stack_context sctx;
  sctx.sp = s.top;
  sctx.size = s.size;
  return sctx;
}

void PoolStackAllocator::deallocate(boost::context::stack_context& sctx) noexcept {
  // Boost hands back only (sp, size); the guard bit is recovered from the record it reported to.
  StackPool::ForThisThread().Release(Stack{sctx.sp, sctx.size, out_->guarded});
}

}  // namespace bubble::sim::detail
