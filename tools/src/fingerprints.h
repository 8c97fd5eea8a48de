// tools/src/fingerprints.h
//
// `sweep --fingerprints FILE`: the fingerprint of every run of the sweep's scenario variants (not
// of --with-bugs hunts, whose runs depend on where they stop), one line per run in plan order
// (variants as listed, seeds ascending) whatever order the workers finish in, so the file is the
// same for any --jobs:
//
//   conflicting-writers -- 1 012833968ebe305a
//   conflicting-writers no-retry 7 2e834b7226b26e15
//
// SCENARIO BUGS SEED FINGERPRINT; BUGS is "--" or the planted bugs joined with ","; a run that
// crashed its worker has "crashed". The lines do not carry --set options or limits: a golden file
// records one configuration (scripts/check-golden). Results that arrive early wait in memory;
// HoldingTooMany() tells the executor to start no new batch until the gap closes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <utility>

#include "sweep.h"

namespace bubble::cli {

class FingerprintFile {
 public:
  // Results held back waiting for an earlier one, at most (about 60 bytes each).
  static constexpr std::size_t kMaxHeld = 100'000;

  FingerprintFile(const SweepPlan& plan, std::ostream& out) : plan_(plan), out_(out) { Flush(); }

  void Add(const SweepItem& item, const std::string& fingerprint);

  bool HoldingTooMany() const noexcept { return held_.size() >= kMaxHeld; }

  // After an interrupted sweep: a last line saying so (a golden diff then fails visibly).
  void MarkIncomplete(const std::string& why);

 private:
  void Flush();
  std::string Line(std::size_t group, std::uint64_t index, const std::string& fingerprint) const;

  const SweepPlan& plan_;
  std::ostream& out_;
  std::size_t next_group_ = 0;  // the next line to write
  std::uint64_t next_index_ = 0;
  std::map<std::pair<std::size_t, std::uint64_t>, std::string> held_;
};

}  // namespace bubble::cli
