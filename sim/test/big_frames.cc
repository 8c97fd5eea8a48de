// sim/test/big_frames.cc: frames larger than a page, compiled without -fstack-clash-protection
// (sim/CMakeLists.txt), the way Debian's gcc builds a user's code by default: the stack pointer
// moves by a whole frame at once, with no probe of the pages in between.
#include "big_frames.h"

namespace bubble::sim::test {

int TouchBigLocal() {
  volatile char big[256 * 1024];
  big[0] = 1;  // the lowest address first: a whole frame below the stack pointer's last page
  big[sizeof(big) - 1] = 2;
  return big[0] + big[sizeof(big) - 1];
}

int RecurseWith16KiBFrames(int depth) {
  volatile char frame[16 * 1024];
  frame[0] = static_cast<char>(depth);
  frame[sizeof(frame) - 1] = static_cast<char>(depth);
  if (depth > 1'000'000) {
    return frame[0];
  }
  return RecurseWith16KiBFrames(depth + 1) + frame[sizeof(frame) - 1];
}

}  // namespace bubble::sim::test
