// tools/src/interrupt.h
//
// SIGINT and SIGTERM while a sweep runs. The sweep must not die with its workers still running
// (they would be orphans) or without writing what it gathered: while an InterruptWatch lives, the
// two signals only record themselves and wake the executor (a byte on a pipe it polls), which
// kills and reaps its workers and returns; the CLI writes the JUnit so far, marked incomplete,
// and exits 128 + the signal (130, 143).
//
// A signal that was ignored when the watch began (a background job of a non-interactive shell
// ignores SIGINT) stays ignored. One watch at a time per process.
#pragma once

namespace bubble::cli {

class InterruptWatch {
 public:
  InterruptWatch();
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

  // The first signal received since the watch began, or 0.
  int Signal() const noexcept;
  // Readable once a signal arrived (never read: it stays readable).
  int Fd() const noexcept;
  // In a forked worker: the dispositions from before the watch, and the pipe closed, so the
  // worker dies of the signal as any process would.
  void RestoreInChild() const noexcept;
};

}  // namespace bubble::cli
