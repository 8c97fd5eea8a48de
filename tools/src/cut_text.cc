// tools/src/cut_text.cc
#include "cut_text.h"

#include <fmt/format.h>

namespace bubble::cli {

std::string CutText(std::string text, std::size_t max, std::string_view how) {
  if (text.size() <= max) {
    return text;
  }
  std::size_t keep = max;
  // Never split a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) {
    --keep;
  }
  const std::size_t cut = text.size() - keep;
  text.resize(keep);
  text += fmt::format(" [... {} bytes cut: {}]", cut, how);
  return text;
}

}  // namespace bubble::cli
