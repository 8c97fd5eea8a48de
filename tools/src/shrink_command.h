// tools/src/shrink_command.h
//
// File: `bubble shrink TRACE`: shrinks the failing run a trace records to the fewest preemptions
// that fail the same way (scenarios/shrink.h), writes the shrunk trace and prints before/after and
// the shrunk run's story.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <bubble/scenarios/run.h>
#include <bubble/sim/shrink.h>

namespace bubble::cli {

struct ShrinkRequest {
  std::string trace_file;  // what was read (for messages)
  std::string out_file;    // where the shrunk trace goes
  std::string program;     // argv[0], for replay commands
  sim::ShrinkOptions options;
};

// Shrinks `recorded`, writes the shrunk trace to request.out_file and prints (through `print`)
// what it did. Returns the exit code (0). scenarios::ConfigError when there is nothing to shrink
// or the file cannot be written (nothing is written then).
int RunShrink(const scenarios::RecordedRun& recorded, const ShrinkRequest& request,
              const std::function<void(std::string_view)>& print);

}  // namespace bubble::cli
