// sim/src/exception_state.h
//
// The C++ runtime keeps, per thread, the exceptions being handled (the stack of active catch
// blocks) and the count of exceptions in flight (std::uncaught_exceptions). Fibers share their
// thread, so without care a fiber that parks inside a catch block or a destructor leaves its
// entries for the next fiber to find: that fiber's `throw;` could rethrow the wrong exception,
// ending a catch could release another fiber's exception, and std::uncaught_exceptions()
// would count exceptions of fibers that are not running. The scheduler gives each fiber its
// own copy, swapped at the one place fibers are switched (Scheduler::SwitchIn).
#pragma once

#include <cxxabi.h>

namespace bubble::sim::detail {

// The layout of __cxa_eh_globals shared by libstdc++ and libc++abi (Itanium C++ ABI) on the
// platforms bubble supports (Boost.Context's x86_64 and aarch64; ARM EH ABI has one more field).
struct ExceptionState {
  void* caught_exceptions = nullptr;
  unsigned int uncaught_exceptions = 0;
};

inline ExceptionState* ThreadExceptionState() noexcept {
  return reinterpret_cast<ExceptionState*>(abi::__cxa_get_globals());
}

}  // namespace bubble::sim::detail
