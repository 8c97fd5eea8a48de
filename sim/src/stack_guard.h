// sim/src/stack_guard.h
//
// Stack overflow reporting. Fiber stacks have a PROT_NONE guard page below them; a fiber that
// outgrows its stack faults there. A SIGSEGV handler, running on an alternate signal stack
// (the fiber's own stack is exhausted), recognises a fault in the running fiber's guard page and
// prints which fiber overflowed, the seed and the fix before letting the signal kill the
// process. Recovery is impossible (the fiber's frames are gone), so the report is the product:
// `bubble sweep` runs seeds in worker processes and reports the crash with it.
// Faults anywhere else go to whatever handler was installed before (ASan's, or the default).
#pragma once

namespace bubble::sim::detail {

// Installs the handler and the thread's alternate signal stack unless they are in place already.
// Called at every Run, it checks only at a thread's first: checking costs two system calls.
void InstallStackGuardHandler();

// Checks and installs them again (sim::ReinstallCrashHandlers): for after a test framework
// restored the handlers it found, which Catch2 does at the end of every test case.
void ReinstallStackGuardHandler();

}  // namespace bubble::sim::detail
