// fake/include/bubble/fake/write_log.h
//
// WriteLog: every write request (create, update, patch, delete, delete-collection) that reached
// a fake API server, as fake::Liveness judges them (docs/concepts.md, "Liveness and
// convergence"): when, which verb, which object, and which fiber sent it. A Clientset keeps one
// (Clientset::Writes()).
//
//   const fake::WriteLog& w = cs->Writes();
//   w.Count();                                  // writes so far
//   w.Describe(w.Since(t), sim::Now() - t);     // per object, per fiber, with writes per second
//
// Cheap: a record is 24 bytes (time, verb, interned object and fiber ids); object keys and fiber
// names are interned in ordered maps (a lookup per write).
//
// Writes at one instant. Writes that never stop at one virtual instant (two controllers fighting
// at zero latency) never let time move, so no settle phase ever ends; the log fails the run as
// not converged (sim::FailNotConverged) at the write that exceeds
// fake::Options::writes_per_instant at one instant, with the same breakdown.
//
// Threading: the fibers of one bubble (plain code outside any bubble too: those writes are
// recorded with the fiber name "(outside the bubble)" and never count against the budget).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/sim/clock.h>

namespace bubble::fake {

struct Action;

struct WriteRecord {
  sim::TimePoint time{};
  std::uint32_t object = 0;  // WriteLog::ObjectName(object)
  std::uint32_t fiber = 0;   // WriteLog::FiberName(fiber)
  std::uint8_t verb = 0;     // WriteLog::VerbName(verb)
  bool ok = false;           // the server accepted it (false: an error such as 409 Conflict)
};

class WriteLog {
 public:
  // Records `action` when its verb writes; `ok`: whether the server accepted it. Fails the run
  // as not converged when the writes at the current instant exceed `per_instant_budget`
  // (0: no budget).
  void Note(const Action& action, bool ok, std::size_t per_instant_budget);

  std::span<const WriteRecord> Records() const noexcept { return records_; }

  std::size_t Count() const noexcept { return records_.size(); }

  // The records at or after `t` (a suffix of Records()).
  std::span<const WriteRecord> Since(sim::TimePoint t) const noexcept;

  // "configmaps default/widget" (resource[.group][/subresource] namespace/name).
  const std::string& ObjectName(std::uint32_t id) const { return objects_[id]; }

  const std::string& FiberName(std::uint32_t id) const { return fibers_[id]; }

  static std::string_view VerbName(std::uint8_t verb) noexcept;

  // What kept writing in `records`, over a window of `window` virtual time: the total and its
  // rate, then the objects and the fibers by writes (most first, at most `max_rows` each), each
  // with its writes per virtual second.
  std::string Describe(std::span<const WriteRecord> records, sim::Duration window,
                       std::size_t max_rows = 10) const;

 private:
  std::uint32_t Intern(std::map<std::string, std::uint32_t, std::less<>>& ids,
                       std::vector<std::string>& names, std::string_view name);

  std::vector<WriteRecord> records_;
  std::map<std::string, std::uint32_t, std::less<>> object_ids_;
  std::vector<std::string> objects_;
  std::map<std::string, std::uint32_t, std::less<>> fiber_ids_;
  std::vector<std::string> fibers_;
  std::string key_;  // scratch for the object key
  sim::TimePoint instant_{};
  std::size_t at_instant_ = 0;
};

}  // namespace bubble::fake
