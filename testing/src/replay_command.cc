// testing/src/replay_command.cc
#include "replay_command.h"

#include <unistd.h>

#include <fmt/format.h>

#include <bubble/sim/duration_text.h>
#include <bubble/sim/shell_word.h>

namespace bubble::testing::detail {

std::string CatchTestSpec(std::string_view name) {
  // Catch2 v2's TestSpecParser: in a quoted name only '"' ends it, ',' still separates specs,
  // and '\\' escapes the next character (any character) everywhere. Quoting keeps spaces and
  // leading '~' or '[' literal; brackets are escaped as well so the spec reads the same to a
  // person as to the parser.
  std::string spec = "\"";
  spec.reserve(name.size() + 2);
  for (char c : name) {
    if (c == '\\' || c == ',' || c == '"' || c == '[' || c == ']') {
      spec += '\\';
    }
    spec += c;
  }
  return spec + "\"";
}

std::string ReplayCommand(const ReplayTarget& target) {
  std::string cmd = target.replay_file.empty()
                        ? fmt::format("BUBBLE_SEED={} BUBBLE_STRATEGY={}", target.seed,
                                      sim::StrategyName(target.strategy))
                        : "BUBBLE_REPLAY=" + sim::ShellWord(target.replay_file);
  if (target.step_limit) {
    cmd += fmt::format(" BUBBLE_STEP_LIMIT={}", *target.step_limit);
  }
  if (target.time_limit) {
    cmd += " BUBBLE_TIME_LIMIT=" + sim::FormatExactDuration(*target.time_limit);
  }
  return cmd + " " + sim::ShellWord(target.binary) + " " +
         sim::ShellWord(CatchTestSpec(target.test_name));
}

std::string TestBinary() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("<test binary>");
}

}  // namespace bubble::testing::detail
