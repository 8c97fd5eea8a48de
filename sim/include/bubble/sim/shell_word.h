// sim/include/bubble/sim/shell_word.h
//
// File: quoting for the commands bubble prints (replay commands of failing runs and tests), so a
// user can paste them into a POSIX shell whatever the test name, option value or path holds.
#pragma once

#include <string>
#include <string_view>

namespace bubble::sim {

// `s` as one POSIX shell word: unchanged when it holds only characters no shell treats
// specially (letters, digits and -_=.,/:+@%), otherwise in single quotes with each ' written as
// '\''. The empty string becomes ''. Newlines stay inside the quotes (still one word).
std::string ShellWord(std::string_view s);

}  // namespace bubble::sim
