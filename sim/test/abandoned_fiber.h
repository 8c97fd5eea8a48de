// sim/test/abandoned_fiber.h: a scope for tests whose runs abandon a fiber (teardown_test.cc,
// process_test.cc).
#pragma once

#include "sanitizer_build.h"

#if defined(BUBBLE_TEST_ASAN)
#include <sanitizer/lsan_interface.h>
#endif

// An abandoned fiber keeps what it allocated, by design. The kernel pauses leak checking for
// teardown and keeps the fiber's stack scanned, but with detect_stack_use_after_return its frames
// live on ASan's fake stack, so what it allocated before the teardown would be reported.
class AbandonedFiberKeepsItsObjects {
 public:
#if defined(BUBBLE_TEST_ASAN)
  AbandonedFiberKeepsItsObjects() {
    __lsan_disable();
  }

  ~AbandonedFiberKeepsItsObjects() {
    __lsan_enable();
  }
#else
  AbandonedFiberKeepsItsObjects() {}  // NOLINT(modernize-use-equals-default): a const local
#endif
  AbandonedFiberKeepsItsObjects(const AbandonedFiberKeepsItsObjects&) = delete;
  AbandonedFiberKeepsItsObjects& operator=(const AbandonedFiberKeepsItsObjects&) = delete;
};
