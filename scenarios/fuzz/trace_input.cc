// scenarios/fuzz/trace_input.cc
#include "trace_input.h"

#include <algorithm>
#include <exception>
#include <sstream>

#include <fmt/format.h>

#include <bubble/scenarios/run.h>
#include <bubble/sim/trace_file.h>

namespace bubble::scenarios::fuzz {

namespace {

// Replay prints an error as "bubble: error: FILE: MESSAGE", one line.
std::optional<std::string> NotOneLine(std::string_view where, std::string_view message) {
  if (!message.empty() && message.find('\n') == std::string_view::npos) {
    return std::nullopt;
  }
  return fmt::format("{} refused the input with a message that is not one line: {:?}", where,
                     message.substr(0, 200));
}

}  // namespace

std::optional<std::string> TraceInputProblem(std::string_view bytes) {
  std::string text;
  try {
    std::istringstream in{std::string(bytes)};
    text = sim::ReadTraceText(in);
  } catch (const sim::TraceFileError& e) {
    return NotOneLine("ReadTraceText", e.what());
  } catch (const std::exception& e) {
    return fmt::format("ReadTraceText threw an unexpected exception: {}", e.what());
  }
  RecordedRun run;
  try {
    run = ParseTrace(text);
  } catch (const ConfigError& e) {  // and ForeignTraceError
    return NotOneLine("ParseTrace", e.what());
  } catch (const std::exception& e) {
    return fmt::format("ParseTrace threw an unexpected exception: {}", e.what());
  }
  // What replay prints from an accepted trace: the recorded command, and on a mismatch the
  // first differing record, which may be any of them.
  try {
    const std::string command = ResolveRun(*run.scenario, run.config).Command();
    if (command.find('\n') != std::string::npos) {
      return fmt::format("the recorded command is not one line: {:?}", command);
    }
    const std::size_t shown = std::min<std::size_t>(run.records.size(), 2000);
    for (std::size_t i = 0; i < shown; ++i) {
      sim::FormatEvent(run.records[i], run.fiber_names);
    }
    FirstDivergence(run.records, run.fiber_names, {}, {});
    sim::FormatFingerprint(run.fingerprint);
  } catch (const std::exception& e) {
    return fmt::format("an accepted trace made replay throw: {}", e.what());
  }
  return std::nullopt;
}

}  // namespace bubble::scenarios::fuzz
