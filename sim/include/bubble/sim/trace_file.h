// sim/include/bubble/sim/trace_file.h
//
// File: the trace file that records one run with everything needed to replay it: Chrome trace
// JSON (opens in Perfetto) whose "bubble" key holds the run's metadata. `bubble run --trace`
// writes one for a scenario, the Catch2 helper (BUBBLE_TRACE=FILE) for a failing test run;
// `bubble replay FILE` reads them.
//
// The "bubble" object: format ("bubble-trace"), version, kind ("scenario" or "test"), program
// (argv[0] or the test binary), replay (the command that reruns the run), scenario, options and
// bugs (kind "scenario"), test (kind "test"), seed, strategy, pct_depth, step_limit, time_limit,
// decisions, fingerprint, result ("pass"/"fail"), failure, fiber_names and every trace record as
// [time_ns, fiber, kind, arg, detail].
//
// Hostile input: a reader refuses, with a TraceFileError naming the problem, a file over
// kTraceFileMaxBytes (ReadTraceText stops reading there: /dev/zero, a FIFO), JSON nested deeper
// than kTraceFileMaxDepth (a bubble trace nests 4 levels), a field of the wrong type, a number out
// of its range and control characters in the fields that error messages and commands echo.
//
// The JSON library stays in the .cc: including this header costs no JSON parsing code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <bubble/sim/clock.h>
#include <bubble/sim/options.h>
#include <bubble/sim/preempt.h>
#include <bubble/sim/strategy.h>
#include <bubble/sim/trace.h>

namespace bubble::sim {

class Bubble;
struct RunResult;

inline constexpr int kTraceFileVersion = 1;

// The most a reader takes: traces of bubble's scenarios are well under 1 MiB.
inline constexpr std::size_t kTraceFileMaxBytes = std::size_t{64} << 20;
// The deepest nesting of JSON arrays and objects a reader takes.
inline constexpr int kTraceFileMaxDepth = 16;

// Who wrote a trace and how to rerun it (empty when an older trace does not say).
struct TraceOrigin {
  std::string kind;      // "scenario" (bubble run --trace) or "test" (the Catch2 helper)
  std::string program;   // argv[0] of the writer, or the test binary
  std::string scenario;  // kind "scenario"
  std::string test;      // kind "test": the test's name
  std::string replay;    // the command that reruns it
};

// A trace file's contents. Writers fill the origin and the run's identity; WriteTraceFile adds
// the outcome from the finished bubble.
struct TraceFile {
  TraceOrigin origin;
  // Kind "scenario": what configures the scenario.
  std::map<std::string, std::string> options{};
  std::vector<std::string> bugs{};
  // The run's identity.
  std::uint64_t seed = 1;
  StrategyKind strategy = StrategyKind::kRandom;
  int pct_depth = 3;
  // Unset in traces written before limits were recorded (those ran with the defaults).
  std::optional<std::uint64_t> step_limit{};
  std::optional<Duration> time_limit{};
  // Unset in traces written before they were recorded: every kind, and the default horizon.
  std::optional<PreemptSet> preempt{};
  std::optional<std::uint64_t> pct_horizon{};
  // The outcome.
  std::vector<Decision> decisions{};
  std::uint64_t fingerprint = 0;
  bool passed = true;
  std::string failure{};
  std::vector<std::string> fiber_names{};
  std::vector<TraceEvent> records{};
};

// Fills `file`'s run identity from the options the run had: seed, strategy, PCT depth (and horizon,
// for PCT), step and time limits, preemption points.
void SetRunIdentity(TraceFile& file, const Options& options);

// A file that is not a trace bubble can read: the message names what is missing or malformed.
// Origin() is what the file said about its writer before the problem, if anything (so a
// reader can still point at the program that replays it).
class TraceFileError : public std::runtime_error {
 public:
  TraceFileError(const std::string& message, TraceOrigin origin = {})
      : std::runtime_error(message), origin_(std::move(origin)) {}

  const TraceOrigin& Origin() const noexcept { return origin_; }

 private:
  TraceOrigin origin_;
};

// Writes `file` with the outcome of a finished run taken from `bubble` (its trace must have been
// kept in TraceMode::kFull for the records) and `result`.
void WriteTraceFile(std::ostream& out, TraceFile file, Bubble& bubble, const RunResult& result);

// Reads the text of a trace from `in`, stopping after `max_bytes`: TraceFileError if there is
// more (a huge file, /dev/zero, an endless FIFO) or reading fails.
std::string ReadTraceText(std::istream& in, std::size_t max_bytes = kTraceFileMaxBytes);

// Reads a trace file. TraceFileError if it is not JSON, is over kTraceFileMaxBytes or nested
// deeper than kTraceFileMaxDepth, is not a bubble trace, is of an unknown kind or another format
// version, or if a field is missing or malformed. A missing "kind" is "scenario" (older traces).
TraceFile ParseTraceFile(std::string_view json_text);

}  // namespace bubble::sim
