// sim/src/decision_log.h
//
// The decisions of a run as they are made, compactly: each is one LEB128 varint of
// (id << 2 | kind), so a choice between the first 31 fibers costs one byte instead of a 16-byte
// Decision. A run's hot path appends to it at every choice; RunResult::decisions gets the
// decoded list once, at the end. (A long run makes millions of choices: growing a vector of
// Decisions, with its copies and page faults, used to cost half of a fingerprint-mode step.)
#pragma once

#include <cstdint>
#include <vector>

#include <bubble/sim/strategy.h>

namespace bubble::sim::detail {

class DecisionLog {
 public:
  void Add(Decision d) {
    std::uint64_t v = (d.id << 2) | static_cast<std::uint64_t>(d.kind);
    while (v >= 0x80) {
      bytes_.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    bytes_.push_back(static_cast<std::uint8_t>(v));
    ++count_;
  }

  std::size_t size() const noexcept { return count_; }

  std::vector<Decision> Decode() const {
    std::vector<Decision> out;
    out.reserve(count_);
    std::uint64_t v = 0;
    int shift = 0;
    for (const std::uint8_t b : bytes_) {
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) != 0) {
        shift += 7;
        continue;
      }
      out.push_back({static_cast<CandidateKind>(v & 3), v >> 2});
      v = 0;
      shift = 0;
    }
    return out;
  }

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t count_ = 0;
};

}  // namespace bubble::sim::detail
