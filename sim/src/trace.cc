// sim/src/trace.cc
#include "bubble/sim/trace.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <ostream>

#include <fmt/format.h>

#include <bubble/sim/rng.h>

namespace bubble::sim {

namespace {

constexpr std::uint64_t kSeed = 0x6a09e667f3bcc908ULL;
constexpr std::uint64_t kK1 = kGoldenGamma;
constexpr std::uint64_t kK2 = 0xbf58476d1ce4e5b9ULL;

constexpr std::uint64_t Rotl(std::uint64_t x, int k) noexcept {
  return (x << k) | (x >> (64 - k));
}

// Appends `s` to `out` as the body of a JSON string (without quotes).
void AppendJsonEscaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
}

std::string Json(std::string_view s) {
  std::string out = "\"";
  AppendJsonEscaped(out, s);
  out += '"';
  return out;
}

std::string_view NameOf(std::span<const std::string> names, std::uint64_t fiber) {
  return fiber < names.size() ? std::string_view(names[fiber]) : std::string_view("?");
}

// Microseconds with nanosecond precision, as Chrome's "ts" expects.
std::string Micros(std::int64_t ns) {
  return fmt::format("{}.{:03}", ns / 1000, ns % 1000);
}

}  // namespace

std::string_view EventKindName(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::kSpawn:
      return "spawn";
    case EventKind::kBlock:
      return "block";
    case EventKind::kWake:
      return "wake";
    case EventKind::kYield:
      return "yield";
    case EventKind::kExit:
      return "exit";
    case EventKind::kTimerFire:
      return "timer";
    case EventKind::kClockJump:
      return "clock";
    case EventKind::kDecision:
      return "decision";
    case EventKind::kLog:
      return "log";
    case EventKind::kInstant:
      return "instant";
    case EventKind::kSliceBegin:
      return "begin";
    case EventKind::kSliceEnd:
      return "end";
    case EventKind::kFailure:
      return "failure";
  }
  return "?";
}

std::string FormatEvent(const TraceEvent& e, std::span<const std::string> fiber_names) {
  const TimePoint t = Clock::Epoch() + Duration(e.time_ns);
  std::string out = fmt::format("{} [{} {}] {}", FormatKlogTime(t).substr(5), e.fiber,
                                NameOf(fiber_names, e.fiber), EventKindName(e.kind));
  switch (e.kind) {
    case EventKind::kSpawn:
    case EventKind::kWake:
      out += fmt::format(" {} \"{}\"", e.arg, NameOf(fiber_names, e.arg));
      break;
    case EventKind::kClockJump:
      out += " +" + FormatDuration(Duration(static_cast<Duration::rep>(e.arg)));
      break;
    case EventKind::kDecision:
      out += fmt::format(" {} {}", e.detail, e.arg);
      return out;
    case EventKind::kTimerFire:
      out += fmt::format(" {}", e.arg);
      break;
    default:
      break;
  }
  if (!e.detail.empty() && e.kind != EventKind::kSpawn) {
    out += " ";
    out += e.detail;
  }
  return out;
}

std::string FormatFingerprint(std::uint64_t fingerprint) {
  return fmt::format("{:016x}", fingerprint);
}

Trace::Trace(TraceMode mode, std::size_t tail) : mode_(mode), hash_(kSeed), tail_(tail) {
  if (mode_ != TraceMode::kOff && tail > 0) {
    std::size_t slots = 1;  // a power of two, so the ring index is a mask, not a division
    while (slots < tail) {
      slots *= 2;
    }
    ring_.resize(slots);
  }
}

void Trace::Mix(std::uint64_t word) noexcept {
  hash_ = Rotl(hash_ ^ (word * kK1), 31) * kK2;
}

void Trace::MixString(std::string_view s) noexcept {
  Mix(s.size());
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);  // little-endian hosts only (x86-64, aarch64)
    Mix(w);
  }
  if (i < s.size()) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    Mix(w);
  }
}

void Trace::Record(std::int64_t time_ns, std::uint64_t fiber, EventKind kind, std::uint64_t arg,
                   std::string_view a, std::string_view b) {
  if (mode_ == TraceMode::kOff) {
    return;
  }
  ++count_;
  Mix(static_cast<std::uint64_t>(time_ns));
  Mix(fiber);
  Mix(static_cast<std::uint64_t>(kind));
  Mix(arg);
  // The record is built in the ring's oldest slot, reusing its string's capacity: in
  // fingerprint mode recording allocates nothing once the ring is warm.
  TraceEvent& e = ring_.empty() ? scratch_ : ring_[ring_next_];
  if (!ring_.empty()) {
    ring_next_ = (ring_next_ + 1) & (ring_.size() - 1);
  }
  e.time_ns = time_ns;
  e.fiber = fiber;
  e.kind = kind;
  e.arg = arg;
  if (a.empty() && b.empty()) {
    e.detail.clear();
    Mix(0);  // MixString("") without touching memory: the common case of yields and wakes
  } else {
    e.detail.assign(a);
    if (!b.empty()) {
      e.detail += ' ';
      e.detail += b;
    }
    MixString(e.detail);
  }
  if (mode_ == TraceMode::kFull) {
    events_.push_back(e);
  }
}

void Trace::NameFiber(std::uint64_t fiber, std::string_view name) {
  if (mode_ == TraceMode::kOff) {
    return;  // nothing to show names in: a run without a trace keeps no table of its fibers
  }
  if (fiber_names_.size() <= fiber) {
    fiber_names_.resize(fiber + 1);
  }
  fiber_names_[fiber] = name;
}

std::uint64_t Trace::Fingerprint() const noexcept {
  return mode_ == TraceMode::kOff ? 0 : Mix64(hash_ ^ count_);
}

std::string Trace::FingerprintHex() const {
  return FormatFingerprint(Fingerprint());
}

std::vector<TraceEvent> Trace::Tail() const {
  std::vector<TraceEvent> out;
  if (ring_.empty()) {
    return out;
  }
  const std::size_t n = std::min<std::uint64_t>(count_, tail_);
  const std::size_t mask = ring_.size() - 1;
  const std::size_t start = (ring_next_ + ring_.size() - n) & mask;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(ring_[(start + i) & mask]);
  }
  return out;
}

void Trace::WriteJsonLines(std::ostream& out) const {
  std::string line;
  for (const TraceEvent& e : events_) {
    line.clear();
    line += fmt::format(
        "{{\"ns\":{},\"time\":\"{}\",\"fiber\":{},\"name\":{},\"kind\":\"{}\",\"arg\":{},"
        "\"detail\":",
        e.time_ns, FormatIsoTime(Clock::Epoch() + Duration(e.time_ns)), e.fiber,
        Json(NameOf(fiber_names_, e.fiber)), EventKindName(e.kind), e.arg);
    line += Json(e.detail);
    line += "}\n";
    out << line;
  }
}

void Trace::WriteChromeJson(std::ostream& out, std::string_view metadata) const {
  // One process ("bubble"), one track (tid) per fiber; tid 0 is the scheduler itself.
  std::string buf = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  bool first = true;
  auto emit = [&](const std::string& event) {
    if (!first) {
      buf += ",\n";
    }
    first = false;
    buf += event;
  };
  emit(R"({"ph":"M","pid":1,"tid":0,"name":"process_name","args":{"name":"bubble"}})");
  for (std::size_t id = 0; id < fiber_names_.size(); ++id) {
    emit(fmt::format(R"({{"ph":"M","pid":1,"tid":{},"name":"thread_name","args":{{"name":{}}}}})",
                     id, Json(fmt::format("{} {}", id, fiber_names_[id]))));
    emit(fmt::format(
        R"({{"ph":"M","pid":1,"tid":{},"name":"thread_sort_index","args":{{"sort_index":{}}}}})",
        id, id));
  }
  // Display times: a record's virtual time, except that records sharing an instant are drawn
  // 1 ns apart in trace order. Much of a controller's life happens at one virtual instant (no
  // time passes while nothing sleeps); without this every slice of it would stack at one point
  // and the timeline would hide the order the run took. Monotonic, so later instants that are
  // closer than that never swap.
  std::vector<std::int64_t> display(events_.size());
  for (std::size_t i = 0; i < events_.size(); ++i) {
    display[i] = i == 0 ? events_[i].time_ns : std::max(events_[i].time_ns, display[i - 1] + 1);
  }
  auto shown = [&](const TraceEvent& e) {
    return display[static_cast<std::size_t>(&e - events_.data())];
  };
  // Blocked spans: from a fiber's block record to the wake that releases it (or the end).
  std::map<std::uint64_t, const TraceEvent*> blocked;  // fiber -> its open block record
  std::map<std::uint64_t, const TraceEvent*> spans;    // span id -> its begin record
  const std::int64_t end_ns = events_.empty() ? 0 : display.back();
  auto close_block = [&](std::uint64_t fiber, std::int64_t at) {
    auto it = blocked.find(fiber);
    if (it == blocked.end()) {
      return;
    }
    const TraceEvent& b = *it->second;
    emit(fmt::format(
        R"({{"ph":"X","pid":1,"tid":{},"ts":{},"dur":{},"name":{},"cat":"blocked","args":{{}}}})",
        fiber, Micros(shown(b)), Micros(at - shown(b)), Json("blocked: " + b.detail)));
    blocked.erase(it);
  };
  for (const TraceEvent& e : events_) {
    const std::string ts = Micros(shown(e));
    switch (e.kind) {
      case EventKind::kBlock:
        blocked[e.fiber] = &e;
        break;
      case EventKind::kWake:
        close_block(e.arg, shown(e));
        break;
      case EventKind::kExit:
        close_block(e.fiber, shown(e));
        emit(fmt::format(R"({{"ph":"i","s":"t","pid":1,"tid":{},"ts":{},"name":{},"cat":"exit"}})",
                         e.fiber, ts, Json("exit: " + e.detail)));
        break;
      case EventKind::kLog:
      case EventKind::kInstant:
      case EventKind::kFailure:
      case EventKind::kSpawn:
      case EventKind::kTimerFire: {
        std::string name = e.kind == EventKind::kSpawn
                               ? fmt::format("spawn {} {}", e.arg, NameOf(fiber_names_, e.arg))
                           : e.kind == EventKind::kTimerFire ? "timer " + e.detail
                                                             : e.detail;
        emit(fmt::format(R"({{"ph":"i","s":"t","pid":1,"tid":{},"ts":{},"name":{},"cat":"{}"}})",
                         e.fiber, ts, Json(name), EventKindName(e.kind)));
        break;
      }
      case EventKind::kSliceBegin:
        spans[e.arg] = &e;
        break;
      case EventKind::kSliceEnd: {
        auto it = spans.find(e.arg);
        if (it != spans.end()) {
          const TraceEvent& b = *it->second;
          const auto colon = b.detail.find(": ");
          const std::string cat = colon == std::string::npos ? "span" : b.detail.substr(0, colon);
          emit(fmt::format(
              R"({{"ph":"X","pid":1,"tid":{},"ts":{},"dur":{},"name":{},"cat":{},"args":{{"result":{}}}}})",
              b.fiber, Micros(shown(b)), Micros(shown(e) - shown(b)), Json(b.detail), Json(cat),
              Json(e.detail)));
          spans.erase(it);
        }
        break;
      }
      case EventKind::kYield:
      case EventKind::kClockJump:
      case EventKind::kDecision:
        break;
    }
  }
  std::vector<std::uint64_t> still_blocked;
  for (const auto& [fiber, event] : blocked) {
    still_blocked.push_back(fiber);
  }
  for (std::uint64_t fiber : still_blocked) {
    close_block(fiber, end_ns);
  }
  buf += "\n]";
  if (!metadata.empty()) {
    buf += ",\"bubble\":";
    buf += metadata;
  }
  buf += ",\"otherData\":{\"fingerprint\":\"" + FingerprintHex() + "\"}}\n";
  out << buf;
}

}  // namespace bubble::sim
