// sim/test/crash_test.cc: failures the process cannot survive — a fiber's stack overflow and a
// fiber that never returns to the scheduler — are reported before the process dies. Each runs
// in a forked child; the parent checks how the child died and what it printed.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include <catch2/catch.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>

#include "big_frames.h"
#include "sanitizer_build.h"
#include <sys/wait.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;
using Catch::Matchers::Contains;

namespace {

struct ChildExit {
  int status = 0;
  std::string output;  // the child's stderr and stdout
};

// Runs `body` in a forked child with stderr and stdout captured. The child gets the default
// disposition for the signal under test (the test runner's own handlers must not report it) and
// a real-time alarm as a safety net, so a broken kernel fails this test instead of hanging it.
ChildExit RunInChild(int expected_signal, const std::function<void()>& body) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], STDERR_FILENO);
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[1]);
    ::signal(expected_signal, SIG_DFL);
    // Runs install bubble's overflow reporter only on a thread's first run; this thread's earlier
    // runs (other test cases) did, and Catch2 and the line above have replaced it since.
    sim::ReinstallCrashHandlers();
    ::alarm(20);
    try {
      body();
    } catch (...) {  // NOLINT(bugprone-empty-catch): never return into the test runner
    }
    ::_exit(0);  // reaching here is a failure: the parent expects a signal
  }
  ::close(fds[1]);
  ChildExit out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof(buf));
    if (n <= 0) {
      break;
    }
    out.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  REQUIRE(::waitpid(pid, &out.status, 0) == pid);
  return out;
}

// Recurses with a large frame until the stack runs out. noinline and the use of the result
// after the call keep the compiler from turning it into a loop.
[[gnu::noinline]] int Recurse(int depth) {
  volatile char frame[4096];
  frame[0] = static_cast<char>(depth);
  frame[sizeof(frame) - 1] = static_cast<char>(depth);
  if (depth > 1'000'000) {
    return frame[0];
  }
  return Recurse(depth + 1) + frame[sizeof(frame) - 1];
}

}  // namespace

TEST_CASE("a fiber's stack overflow hits the guard gap and is reported by fiber name",
          "[sim][crash]") {
  if (kUnderAsan) {
    // ASan moves large frames to its fake stacks and has its own SIGSEGV handling: the guard
    // page is not where this overflow is guaranteed to land.
    SUCCEED("skipped under AddressSanitizer");
    return;
  }
  const ChildExit child = RunInChild(SIGSEGV, [] {
    // An earlier bubble installed the guard handler and perhaps an alternate signal stack; then
    // a test framework restored the handlers and the signal stack it had found (Catch2 does so
    // after every test case). Runs do not check again (two system calls each), so the test
    // installs them again, as bubble::testing's helpers do.
    sim::Bubble earlier;
    earlier.Run([] {});
    ::signal(SIGSEGV, SIG_DFL);
    stack_t no_alt_stack{};
    no_alt_stack.ss_flags = SS_DISABLE;
    ::sigaltstack(&no_alt_stack, nullptr);
    sim::ReinstallCrashHandlers();

    sim::Bubble b({.seed = 9});
    b.Run([] { sim::Spawn("deep recursion", [] { std::printf("%d\n", Recurse(0)); }); });
  });
  INFO(child.output);
  REQUIRE(WIFSIGNALED(child.status));
  CHECK(WTERMSIG(child.status) == SIGSEGV);
  CHECK_THAT(child.output, Contains("bubble: stack overflow in fiber \"deep recursion\""));
  CHECK_THAT(child.output, Contains("seed 9, strategy fifo"));
  CHECK_THAT(child.output, Contains("fix: raise Options::stack_size"));
}

TEST_CASE("frames that jump a one-page guard are caught, in code built without stack probes",
          "[sim][crash]") {
  if (kUnderAsan) {
    SUCCEED("skipped under AddressSanitizer (large frames live on its fake stacks)");
    return;
  }
  SECTION("a 256 KiB local") {
    const ChildExit child = RunInChild(SIGSEGV, [] {
      sim::Bubble b({.seed = 5});
      b.Run(
          [] { sim::Spawn("big local", [] { std::printf("%d\n", sim::test::TouchBigLocal()); }); });
    });
    INFO(child.output);
    REQUIRE(WIFSIGNALED(child.status));
    CHECK(WTERMSIG(child.status) == SIGSEGV);
    CHECK_THAT(child.output, Contains("bubble: stack overflow in fiber \"big local\""));
    CHECK_THAT(child.output, Contains("seed 5, strategy fifo"));
  }
  SECTION("16 KiB frames next to another fiber's stack") {
    // Before the gap, the overflow's writes landed in the neighbouring fiber's stack and the
    // run went on with a corrupted neighbour.
    const ChildExit child = RunInChild(SIGSEGV, [] {
      sim::Bubble b({.seed = 6});
      b.Run([] {
        sim::Channel<int> never(0, "never");
        for (int i = 0; i < 8; ++i) {
          sim::Spawn("neighbour", [&] { never.Recv(); });
        }
        sim::Spawn("recursion", [] { std::printf("%d\n", sim::test::RecurseWith16KiBFrames(0)); });
        for (int i = 0; i < 8; ++i) {
          sim::Spawn("neighbour", [&] { never.Recv(); });
        }
        never.Recv();
      });
    });
    INFO(child.output);
    REQUIRE(WIFSIGNALED(child.status));
    CHECK(WTERMSIG(child.status) == SIGSEGV);
    CHECK_THAT(child.output, Contains("bubble: stack overflow in fiber \"recursion\""));
  }
}

TEST_CASE("the watchdog aborts a fiber that spins without returning to the scheduler",
          "[sim][crash]") {
  const ChildExit child = RunInChild(SIGABRT, [] {
    sim::Bubble b({.seed = 4, .watchdog = 200ms});
    b.Run([] {
      sim::Spawn("spinner", [] {
        volatile bool spin = true;
        while (spin) {
        }
      });
    });
  });
  INFO(child.output);
  REQUIRE(WIFSIGNALED(child.status));
  CHECK(WTERMSIG(child.status) == SIGABRT);
  CHECK_THAT(child.output, Contains("bubble: watchdog: fiber 2 \"spinner\" has run for 200 ms"));
  CHECK_THAT(child.output, Contains("seed 4, strategy fifo"));
}
