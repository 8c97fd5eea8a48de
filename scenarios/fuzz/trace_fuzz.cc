// scenarios/fuzz/trace_fuzz.cc: the libFuzzer entry point over TraceInputProblem. Built with
// clang when BUBBLE_FUZZ is on; run by scripts/fuzz-trace BUILD_DIR SECONDS.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "trace_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto problem =
      bubble::scenarios::fuzz::TraceInputProblem({reinterpret_cast<const char*>(data), size});
  if (problem) {
    std::fprintf(stderr, "trace reader: %s\n", problem->c_str());
    std::abort();
  }
  return 0;
}
