// tools/src/cut_text.h
//
// Bounding the text a sweep carries and writes (failure messages, reports, JUnit): keep the head,
// which holds what failed, where and when, and say how much was cut and how to see all of it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bubble::cli {

// `text` when it fits in `max` bytes; otherwise its first bytes (cut at a UTF-8 character
// boundary) and " [... N bytes cut: <how>]", the whole at most max + the note's length.
std::string CutText(std::string text, std::size_t max, std::string_view how);

// `text` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD:
// JUnit XML and JSON carry only valid UTF-8, and a failure message may quote anything.
std::string ValidUtf8(std::string text);

// The first line of `text` (all of it when it has one line). A sweep's per-seed lines are one
// line each: scripts read "  seed S (...): MESSAGE" and the command on the line after it.
std::string FirstLine(std::string_view text);

}  // namespace bubble::cli
