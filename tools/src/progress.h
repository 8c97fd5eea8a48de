// tools/src/progress.h
//
// The progress of a sweep, on stderr: on a terminal one line rewritten after every run
// ("\r[120/1000] 0 failed, 35.2 runs/s, ETA 25s"); off a terminal (CI logs) a plain line every
// `interval` of wall time ("progress: 120/1000 runs, 0 failed, 35.2 runs/s, ETA 25s"). Real time
// is allowed here: it only paces the output of the CLI, never a simulated run.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace bubble::cli {

class ProgressMeter {
 public:
  using Seconds = std::chrono::duration<double>;

  ProgressMeter(std::size_t total, bool terminal, Seconds interval, Seconds start)
      : total_(total), terminal_(terminal), interval_(interval), start_(start), last_(start) {}

  // The line to print after `done` runs (`failed` of them failed) at time `now`, or nullopt when
  // it is not time for one yet. Terminal lines start with '\r' and have no newline.
  std::optional<std::string> Update(std::size_t done, std::size_t failed, Seconds now);

  // "35.2 runs/s, ETA 25s" (rate over the whole sweep so far).
  std::string RateAndEta(std::size_t done, Seconds now) const;

 private:
  std::size_t total_;
  bool terminal_;
  Seconds interval_;
  Seconds start_;
  Seconds last_;
};

// "25s", "4m05s", "1h02m", "over a year".
std::string FormatEta(ProgressMeter::Seconds s);

}  // namespace bubble::cli
