// sim/src/stack_guard.cc
#include "stack_guard.h"

#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>

#include "scheduler.h"
#include <sys/mman.h>

namespace bubble::sim::detail {

namespace {

struct sigaction g_previous {};

// Async-signal-safe output: write(2) of literal text and decimal numbers only.
void Put(const char* s) noexcept {
  const std::size_t n = std::strlen(s);
  ssize_t ignored = ::write(STDERR_FILENO, s, n);
  (void)ignored;
}

void PutView(std::string_view s) noexcept {
  ssize_t ignored = ::write(STDERR_FILENO, s.data(), s.size());
  (void)ignored;
}

void PutNumber(std::uint64_t v) noexcept {
  char buf[24];
  int i = sizeof(buf);
  do {
    buf[--i] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && i > 0);
  ssize_t ignored = ::write(STDERR_FILENO, buf + i, sizeof(buf) - static_cast<std::size_t>(i));
  (void)ignored;
}

// The stack pointer of the interrupted code, or null where bubble does not know the layout.
const char* InterruptedStackPointer(void* uctx) noexcept {
  const auto* uc = static_cast<const ucontext_t*>(uctx);
#if defined(__x86_64__)
  return reinterpret_cast<const char*>(uc->uc_mcontext.gregs[REG_RSP]);
#elif defined(__aarch64__)
  return reinterpret_cast<const char*>(uc->uc_mcontext.sp);
#else
  (void)uc;
  return nullptr;
#endif
}

// Whether `p` lies in the guard gap under a stack whose usable part starts at `bottom`.
bool InGuardGap(const char* p, const char* bottom) noexcept {
  return p != nullptr && p < bottom && static_cast<std::size_t>(bottom - p) <= kGuardGap;
}

void OnSegv(int sig, siginfo_t* info, void* uctx) {
  // The running fiber is the one the scheduler switched into; its record knows its stack. The
  // fault is an overflow if it touched the gap under that stack, or if the stack pointer itself
  // has left the stack for the gap (a frame larger than the gap faults elsewhere first).
  const auto* addr = static_cast<const char*>(info->si_addr);
  const Scheduler* s = Scheduler::Current();
  const FiberRecord* rec = s != nullptr ? s->Running() : nullptr;
  const char* bottom =
      rec != nullptr ? static_cast<const char*>(rec->stack.top) - rec->stack.size : nullptr;
  if (rec != nullptr &&
      (InGuardGap(addr, bottom) || InGuardGap(InterruptedStackPointer(uctx), bottom))) {
    Put("bubble: stack overflow in fiber \"");
    PutView(rec->name);
    Put("\": its frames outgrew its ");
    PutNumber(rec->stack.size / 1024);
    Put(" KiB stack and ran into the guard gap below it");
    {
      Put("\n  seed ");
      PutNumber(s->GetOptions().seed);
      Put(", strategy ");
      PutView(StrategyName(s->GetOptions().strategy));
      Put(", virtual time +");
      PutNumber(static_cast<std::uint64_t>((s->Now() - Clock::Epoch()).count()));
      Put("ns");
      if (!s->GetOptions().replay_command.empty()) {
        Put("\n  replay: ");
        PutView(s->GetOptions().replay_command);
      }
    }
    Put("\n  fix: raise Options::stack_size, or move large locals to the heap\n");
    // Let the fault kill the process the usual way: restore the default action and return, so
    // the faulting instruction runs again.
    ::signal(SIGSEGV, SIG_DFL);
    return;
  }
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(sig, info, uctx);
    return;
  }
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN &&
      g_previous.sa_handler != nullptr) {
    g_previous.sa_handler(sig);
    return;
  }
  ::signal(SIGSEGV, SIG_DFL);
}

void InstallAltStackForThisThread() {
  stack_t current{};
  if (::sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE) == 0) {
    return;  // the thread has one (ours from an earlier run, ASan's, the test runner's)
  }
  constexpr std::size_t kAltSize = 64 * 1024;
  thread_local void* mem = nullptr;  // kept for the thread's life, like glibc's own
  if (mem == nullptr) {
    mem = ::mmap(nullptr, kAltSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
      mem = nullptr;
      return;
    }
  }
  stack_t alt{};
  alt.ss_sp = mem;
  alt.ss_size = kAltSize;
  alt.ss_flags = 0;
  ::sigaltstack(&alt, nullptr);
}

// Whether this thread has installed the handler and its alternate stack. Checking costs two
// system calls (sigaction, sigaltstack), a microsecond each on a VM, more than a whole empty run
// otherwise: so it is done once per thread, not at every run. fork() keeps the flag, and the
// child inherits the handler and the alternate stack with it.
thread_local bool t_installed = false;

}  // namespace

void InstallStackGuardHandler() {
  if (t_installed) {
    return;
  }
  t_installed = true;
  {
    static std::mutex mu;  // bubbles may start on several threads at once
    std::lock_guard lock(mu);

    struct sigaction current {};

    ::sigaction(SIGSEGV, nullptr, &current);
    if ((current.sa_flags & SA_SIGINFO) == 0 || current.sa_sigaction != OnSegv) {
      struct sigaction sa {};

      sa.sa_sigaction = OnSegv;
      sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
      sigemptyset(&sa.sa_mask);
      ::sigaction(SIGSEGV, &sa, &g_previous);
    }
  }
  InstallAltStackForThisThread();
}

void ReinstallStackGuardHandler() {
  t_installed = false;
  InstallStackGuardHandler();
}

}  // namespace bubble::sim::detail
