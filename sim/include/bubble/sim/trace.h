// sim/include/bubble/sim/trace.h
//
// The run's trace: structured records (virtual time, fiber id, kind, argument, detail) of every
// spawn, block with its reason, wake, yield, exit, timer fire, clock jump, decision, log line
// and user event. From them:
//  - the fingerprint: a 64-bit hash ("bubble-fp64 v1", below) over a canonical serialization of
//    the records. Same program + options + seed gives the same fingerprint on every run, build
//    type and compiler: nothing address- or hash-order-dependent reaches a record;
//  - exports: Chrome Trace Event JSON (opens in Perfetto / chrome://tracing: one track per
//    fiber, blocked spans, slices for user spans, instants for logs) and JSON Lines.
//
// Modes: kOff records nothing (fingerprint 0); kFingerprint hashes every record and keeps only
// the last few for failure reports (sweeps); kFull also keeps every record for export.
//
// bubble-fp64 v1: h starts at 0x6a09e667f3bcc908; each record contributes, in order, the words
// time_ns, fiber, kind, arg, then the detail's length and its bytes in little-endian 8-byte
// words (zero padded); each word w is mixed as h = rotl64(h ^ (w * K1), 31) * K2 with
// K1 = 0x9e3779b97f4a7c15, K2 = 0xbf58476d1ce4e5b9; the fingerprint is h after a final
// avalanche (splitmix64's finalizer).
//
// Threading: one trace per bubble, used from the bubble's thread.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/sim/clock.h>
#include <bubble/sim/strategy.h>

namespace bubble::sim {

enum class TraceMode { kOff, kFingerprint, kFull };

enum class EventKind : std::uint8_t {
  kSpawn,       // arg: new fiber id; detail: its name (recorded on the parent, 0 = bubble)
  kBlock,       // detail: reason ("chan recv events", "sleep", "mutex m")
  kWake,        // arg: woken fiber id (recorded on the waker)
  kYield,       //
  kExit,        // detail: "ok" or the exception's message
  kTimerFire,   // arg: timer id; detail: timer name
  kClockJump,   // arg: new time - old time in ns
  kDecision,    // arg: chosen id; detail: candidate kind and the candidates
  kLog,         // arg: level; detail: the message
  kInstant,     // user event; detail: "category: text"
  kSliceBegin,  // user span start; arg: span id; detail: "category: name"
  kSliceEnd,    // user span end; arg: span id; detail: optional result
  kFailure,     // detail: the failure message
};

std::string_view EventKindName(EventKind kind) noexcept;

struct TraceEvent {
  std::int64_t time_ns;  // since Clock::Epoch()
  std::uint64_t fiber;   // 0 is the bubble itself (timer callbacks, clock jumps)
  EventKind kind;
  std::uint64_t arg;
  std::string detail;
};

// "00:00:00.100000 [3 worker] block chan recv events" (names resolved through `fiber_names`).
std::string FormatEvent(const TraceEvent& event, std::span<const std::string> fiber_names);

class Trace {
 public:
  explicit Trace(TraceMode mode = TraceMode::kFingerprint, std::size_t tail = 32);

  TraceMode Mode() const noexcept { return mode_; }

  // Appends a record; `detail` is `a`, or `a` + " " + `b` when `b` is non-empty.
  void Record(std::int64_t time_ns, std::uint64_t fiber, EventKind kind, std::uint64_t arg,
              std::string_view a, std::string_view b = {});

  // Records a fiber's name, so exports and reports can show it (index = fiber id). Nothing in
  // kOff: there is nothing to show it in.
  void NameFiber(std::uint64_t fiber, std::string_view name);

  // The fingerprint of everything recorded so far.
  std::uint64_t Fingerprint() const noexcept;
  // The fingerprint as 16 lower-case hex digits.
  std::string FingerprintHex() const;

  std::uint64_t Count() const noexcept { return count_; }

  // Every record (kFull only; empty otherwise).
  const std::vector<TraceEvent>& Events() const noexcept { return events_; }

  // The last `tail` records, oldest first (kFingerprint and kFull).
  std::vector<TraceEvent> Tail() const;

  std::span<const std::string> FiberNames() const noexcept { return fiber_names_; }

  // Chrome Trace Event JSON (object form). `metadata` is a JSON object text merged under the
  // top-level "bubble" key (seed, strategy, decisions...), or empty.
  void WriteChromeJson(std::ostream& out, std::string_view metadata = {}) const;
  // One JSON object per line:
  // {"ns":..,"time":"..","fiber":..,"name":"..","kind":"..","arg":..,"detail":".."}
  void WriteJsonLines(std::ostream& out) const;

 private:
  void Mix(std::uint64_t word) noexcept;
  void MixString(std::string_view s) noexcept;

  TraceMode mode_;
  std::uint64_t hash_;
  std::size_t tail_;
  std::uint64_t count_ = 0;
  std::vector<TraceEvent> events_;
  std::vector<TraceEvent> ring_;
  TraceEvent scratch_{};
  std::size_t ring_next_ = 0;
  std::vector<std::string> fiber_names_;
};

// Formats a 64-bit fingerprint as 16 hex digits.
std::string FormatFingerprint(std::uint64_t fingerprint);

}  // namespace bubble::sim
