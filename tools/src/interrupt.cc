// tools/src/interrupt.cc
#include "interrupt.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace bubble::cli {

namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM};

volatile sig_atomic_t received = 0;
int wake_pipe[2] = {-1, -1};
struct sigaction previous[2];
bool installed[2] = {false, false};

void OnSignal(int sig) {
  if (received == 0) {
    received = sig;
  }
  const int saved = errno;
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_pipe[1], &byte, 1);  // non-blocking
  errno = saved;
}

}  // namespace

InterruptWatch::InterruptWatch() {
  received = 0;
  if (::pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  for (int i = 0; i < 2; ++i) {
    struct sigaction old {};

    ::sigaction(kSignals[i], nullptr, &old);
    previous[i] = old;
    installed[i] = old.sa_handler != SIG_IGN;
    if (installed[i]) {
      struct sigaction sa {};

      sa.sa_handler = OnSignal;
      ::sigemptyset(&sa.sa_mask);
      sa.sa_flags = 0;  // no SA_RESTART: poll and waitpid return EINTR
      ::sigaction(kSignals[i], &sa, nullptr);
    }
  }
}

InterruptWatch::~InterruptWatch() {
  for (int i = 0; i < 2; ++i) {
    if (installed[i]) {
      ::sigaction(kSignals[i], &previous[i], nullptr);
      installed[i] = false;
    }
  }
  ::close(wake_pipe[0]);
  ::close(wake_pipe[1]);
  wake_pipe[0] = wake_pipe[1] = -1;
}

int InterruptWatch::Signal() const noexcept {
  return received;
}

int InterruptWatch::Fd() const noexcept {
  return wake_pipe[0];
}

void InterruptWatch::RestoreInChild() const noexcept {
  for (int i = 0; i < 2; ++i) {
    if (installed[i]) {
      ::sigaction(kSignals[i], &previous[i], nullptr);
    }
  }
  ::close(wake_pipe[0]);
  ::close(wake_pipe[1]);
}

}  // namespace bubble::cli
