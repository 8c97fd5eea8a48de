// sim/src/stack_guard.cc
#include "stack_guard.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>

#include "scheduler.h"

namespace bubble::sim::detail {

namespace {

struct RunningStack {
  const char* guard_lo = nullptr;
  const char* guard_hi = nullptr;
  const std::string* name = nullptr;
  std::size_t size = 0;
};

thread_local RunningStack tls_running;
struct sigaction g_previous{};

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

void OnSegv(int sig, siginfo_t* info, void* uctx) {
  const auto* addr = static_cast<const char*>(info->si_addr);
  const RunningStack& r = tls_running;
  if (r.name != nullptr && addr >= r.guard_lo && addr < r.guard_hi) {
    Put("bubble: stack overflow in fiber \"");
    PutView(*r.name);
    Put("\": its frames outgrew its ");
    PutNumber(r.size / 1024);
    Put(" KiB stack and hit the guard page");
    if (const Scheduler* s = Scheduler::Current()) {
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
  thread_local bool installed = false;
  if (installed) {
    return;
  }
  installed = true;
  stack_t current{};
  if (::sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE) == 0) {
    return;  // someone (ASan, the test runner) already gave this thread one
  }
  constexpr std::size_t kAltSize = 64 * 1024;
  void* mem = ::mmap(nullptr, kAltSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    return;
  }
  stack_t alt{};
  alt.ss_sp = mem;
  alt.ss_size = kAltSize;
  alt.ss_flags = 0;
  ::sigaltstack(&alt, nullptr);  // kept for the thread's life, like glibc's own
}

}  // namespace

void InstallStackGuardHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa{};
    sa.sa_sigaction = OnSegv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGSEGV, &sa, &g_previous);
  });
  InstallAltStackForThisThread();
}

void SetRunningStack(const Stack& stack, const std::string& name) noexcept {
  const char* bottom = static_cast<const char*>(stack.top) - stack.size;
  tls_running.guard_lo = stack.guarded ? bottom - StackPool::PageSize() : bottom;
  tls_running.guard_hi = stack.guarded ? bottom : bottom;
  tls_running.name = &name;
  tls_running.size = stack.size;
}

void ClearRunningStack() noexcept { tls_running.name = nullptr; }

}  // namespace bubble::sim::detail
