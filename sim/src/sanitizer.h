// sim/src/sanitizer.h
//
// AddressSanitizer fiber-switch annotations. Debian's Boost.Context is built without ASan
// support, so the scheduler annotates its two switch sites itself (loop -> fiber in
// Scheduler::SwitchIn, fiber -> loop in Scheduler::SwitchOut) and fiber construction
// (AsanSwitchWindow in Scheduler::Spawn), following ASan's protocol in
// <sanitizer/common_interface_defs.h>. Without ASan these compile to nothing.
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define BUBBLE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BUBBLE_ASAN 1
#endif
#endif

#if defined(BUBBLE_ASAN)
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif

namespace bubble::sim::detail {

#if defined(BUBBLE_ASAN)
inline constexpr bool kAsan = true;

inline void AsanStartSwitch(void** fake_stack_save, const void* bottom, std::size_t size) noexcept {
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
}

inline void AsanFinishSwitch(void* fake_stack_save, const void** bottom_old,
                             std::size_t* size_old) noexcept {
  __sanitizer_finish_switch_fiber(fake_stack_save, bottom_old, size_old);
}

// A stack that stays mapped with live objects that will never be destroyed (an abandoned
// fiber's): LeakSanitizer scans it, so what it points to is not reported as leaked.
inline void LsanScanForever(const void* bottom, std::size_t size) noexcept {
  __lsan_register_root_region(bottom, size);
}

// Allocations made during a failed run's teardown are not leak-checked: a fiber abandoned there
// keeps what it allocated (with detect_stack_use_after_return its frames live on ASan's fake
// stack, which no root region covers).
inline void LsanPause() noexcept {
  __lsan_disable();
}

inline void LsanResume() noexcept {
  __lsan_enable();
}
#else
inline constexpr bool kAsan = false;

inline void AsanStartSwitch(void**, const void*, std::size_t) noexcept {}

inline void AsanFinishSwitch(void*, const void**, std::size_t*) noexcept {}

inline void LsanScanForever(const void*, std::size_t) noexcept {}

inline void LsanPause() noexcept {}

inline void LsanResume() noexcept {}
#endif

// Brackets code that visits another stack without annotating the visit: constructing a
// Boost.Context fiber runs its entry function (fiber_entry) on the new stack up to its first
// switch back. Inside a switch window ASan gives new frames real stack slots; outside one, with
// detect_stack_use_after_return, fiber_entry's frame would be carved from the current stack's
// fake stack, which reclaims it later while the fiber still runs in it.
class AsanSwitchWindow {
 public:
  AsanSwitchWindow() noexcept { AsanStartSwitch(&fake_stack_, nullptr, 0); }

  ~AsanSwitchWindow() {
    // Finishing leaves ASan believing we are on the (unnamed) stack announced above; a second,
    // empty switch back to the bounds it reports restores the truth.
    const void* bottom = nullptr;
    std::size_t size = 0;
    AsanFinishSwitch(fake_stack_, &bottom, &size);
    AsanStartSwitch(&fake_stack_, bottom, size);
    AsanFinishSwitch(fake_stack_, nullptr, nullptr);
  }

  AsanSwitchWindow(const AsanSwitchWindow&) = delete;
  AsanSwitchWindow& operator=(const AsanSwitchWindow&) = delete;

 private:
  void* fake_stack_ = nullptr;
};

}  // namespace bubble::sim::detail
