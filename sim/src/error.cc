// sim/src/error.cc
#include "bubble/sim/error.h"

#include <cstdio>
#include <cstdlib>

#include "scheduler.h"

namespace bubble {

namespace sim {

void Fail(const std::string& message) {
  throw InvariantFailure(message);
}

void FailNotConverged(const std::string& message) {
  throw NotConvergedFailure(message);
}

}  // namespace sim

namespace detail {

void ThrowUsageError(const char* /*file*/, int /*line*/, const std::string& message) {
  throw UsageError(message);
}

void AssertFailed(const char* file, int line, const char* condition,
                  const std::string& message) noexcept {
  const sim::detail::Scheduler* s = sim::detail::Scheduler::Current();
  std::fprintf(stderr, "bubble: internal invariant broken at %s:%d: %s: %s\n", file, line,
               condition, message.c_str());
  if (s != nullptr) {
    std::fprintf(stderr, "  seed %llu, strategy %.*s, virtual time %s, fiber \"%.*s\"\n",
                 static_cast<unsigned long long>(s->GetOptions().seed),
                 static_cast<int>(sim::StrategyName(s->GetOptions().strategy).size()),
                 sim::StrategyName(s->GetOptions().strategy).data(),
                 sim::FormatIsoTime(s->Now()).c_str(), static_cast<int>(s->RunningName().size()),
                 s->RunningName().data());
    if (!s->GetOptions().replay_command.empty()) {
      std::fprintf(stderr, "  replay: %s\n", s->GetOptions().replay_command.c_str());
    }
  }
  std::fflush(stderr);
  std::abort();
}

}  // namespace detail

}  // namespace bubble
