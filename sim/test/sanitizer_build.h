// sim/test/sanitizer_build.h: whether this test binary is built with AddressSanitizer (gcc
// defines __SANITIZE_ADDRESS__, clang answers __has_feature). The library's own copy is
// sim/src/sanitizer.h, which tests do not see.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define BUBBLE_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BUBBLE_TEST_ASAN 1
#endif
#endif

#if defined(BUBBLE_TEST_ASAN)
inline constexpr bool kUnderAsan = true;
#else
inline constexpr bool kUnderAsan = false;
#endif
