// sim/src/shell_word.cc
#include "bubble/sim/shell_word.h"

namespace bubble::sim {

std::string ShellWord(std::string_view s) {
  const bool plain = !s.empty() && s.find_first_not_of(
                                       "abcdefghijklmnopqrstuvwxyz"
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                       "-_=.,/:+@%") == std::string_view::npos;
  if (plain) {
    return std::string(s);
  }
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace bubble::sim
