// sim/src/stack_pool.cc
#include "stack_pool.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include <bubble/sim/error.h>

#include "sanitizer.h"
#include <sys/mman.h>

namespace bubble::sim::detail {

namespace {

// Stacks kept for reuse per thread; more are unmapped on release.
constexpr std::size_t kMaxCached = 8192;

// Mapped stacks of the whole process (bubbles may run on several threads).
std::atomic<std::size_t> g_mapped_stacks{0};

std::size_t RoundUp(std::size_t n, std::size_t page) {
  return (n + page - 1) / page * page;
}

std::size_t ReadMaxMapCount() noexcept {
  std::size_t value = 65530;  // the kernel's default, if /proc cannot be read
  if (std::FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r"); f != nullptr) {
    unsigned long long v = 0;
    if (std::fscanf(f, "%llu", &v) == 1 && v > 0) {
      value = static_cast<std::size_t>(v);
    }
    std::fclose(f);
  }
  return value;
}

}  // namespace

std::size_t StackPool::PageSize() noexcept {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

std::size_t StackPool::MaxMappedStacks() noexcept {
  // An eighth of the maps (at least 4096) stays for libraries, malloc arenas and the like; half
  // under AddressSanitizer, whose allocator maps memory in many small pieces as fibers allocate.
  static const std::size_t max = [] {
    const std::size_t maps = ReadMaxMapCount();
    const std::size_t reserve = std::max<std::size_t>(4096, maps / (kAsan ? 2 : 8));
    return maps > reserve ? (maps - reserve) / 2 : 1;
  }();
  return max;
}

StackPool& StackPool::ForThisThread() {
  thread_local StackPool pool;
  return pool;
}

StackPool::~StackPool() {
  UnmapCached();
}

void StackPool::UnmapCached() noexcept {
  for (const Stack& s : free_) {
    Unmap(s);
  }
  free_.clear();
}

Stack StackPool::Allocate(std::size_t size) {
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
  if (g_mapped_stacks.load(std::memory_order_relaxed) >= MaxMappedStacks()) {
    UnmapCached();  // cached stacks of other sizes count against the budget too
  }
  const std::size_t limit = MaxMappedStacks();
  if (g_mapped_stacks.fetch_add(1, std::memory_order_relaxed) >= limit) {
    g_mapped_stacks.fetch_sub(1, std::memory_order_relaxed);
    ::bubble::detail::ThrowUsageError(
        __FILE__, __LINE__,
        fmt::format("no guarded stack left for a new fiber: {} fiber stacks are mapped, "
                    "the most the kernel's memory-map limit allows (vm.max_map_count "
                    "= {}, two maps per stack); keep fewer fibers alive at once, or "
                    "raise the limit (sysctl -w vm.max_map_count=1048576)",
                    limit, ReadMaxMapCount()));
  }
  // The whole region starts inaccessible; only the usable top `size` bytes become writable.
  const std::size_t mapped = size + kGuardGap;
  void* base = ::mmap(nullptr, mapped, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) {
    const int err = errno;
    g_mapped_stacks.fetch_sub(1, std::memory_order_relaxed);
    ::bubble::detail::ThrowUsageError(
        __FILE__, __LINE__,
        fmt::format("cannot map a {} KiB fiber stack with its guard gap: {}; keep "
                    "fewer fibers alive at once",
                    size / 1024, std::strerror(err)));
  }
  char* usable = static_cast<char*>(base) + kGuardGap;
  if (::mprotect(usable, size, PROT_READ | PROT_WRITE) != 0) {
    const int err = errno;
    ::munmap(base, mapped);
    g_mapped_stacks.fetch_sub(1, std::memory_order_relaxed);
    ::bubble::detail::ThrowUsageError(
        __FILE__, __LINE__,
        fmt::format("cannot make a fiber stack writable: {} (the kernel's memory-map "
                    "limit vm.max_map_count = {}?); keep fewer fibers alive at once",
                    std::strerror(err), ReadMaxMapCount()));
  }
  return Stack{usable + size, size};
}

void StackPool::Release(const Stack& stack) noexcept {
  if (free_.size() < kMaxCached) {
    free_.push_back(stack);
  } else {
    Unmap(stack);
  }
}

void StackPool::Unmap(const Stack& stack) noexcept {
  const std::size_t mapped = stack.size + kGuardGap;
  ::munmap(static_cast<char*>(stack.top) - mapped, mapped);
  g_mapped_stacks.fetch_sub(1, std::memory_order_relaxed);
}

boost::context::stack_context PoolStackAllocator::allocate() {
  Stack s = StackPool::ForThisThread().Allocate(size_);
  *out_ = s;
  boost::context::stack_context sctx;
  sctx.sp = s.top;
  sctx.size = s.size;
  return sctx;
}

void PoolStackAllocator::deallocate(boost::context::stack_context& sctx) noexcept {
  StackPool::ForThisThread().Release(Stack{sctx.sp, sctx.size});
}

}  // namespace bubble::sim::detail
