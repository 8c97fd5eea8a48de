// fake/src/write_log.cc
#include "bubble/fake/write_log.h"

#include <algorithm>
#include <array>
#include <chrono>

#include <fmt/format.h>

#include <bubble/fake/action.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/duration_text.h>
#include <bubble/sim/error.h>

namespace bubble::fake {

namespace {

constexpr std::array<std::string_view, 6> kVerbs = {"?",        kVerbCreate, kVerbUpdate,
                                                    kVerbPatch, kVerbDelete, kVerbDeleteCollection};

std::uint8_t WriteVerb(std::string_view verb) noexcept {
  for (std::size_t i = 1; i < kVerbs.size(); ++i) {
    if (kVerbs[i] == verb) {
      return static_cast<std::uint8_t>(i);
    }
  }
  return 0;
}

double PerSecond(std::size_t n, sim::Duration window) {
  const double seconds = std::chrono::duration<double>(window).count();
  return seconds > 0 ? static_cast<double>(n) / seconds : 0;
}

std::string Rate(std::size_t n, sim::Duration window) {
  if (window <= sim::Duration::zero()) {
    return "at one instant";
  }
  return fmt::format("{:.1f}/s", PerSecond(n, window));
}

}  // namespace

std::string_view WriteLog::VerbName(std::uint8_t verb) noexcept {
  return verb < kVerbs.size() ? kVerbs[verb] : kVerbs[0];
}

std::uint32_t WriteLog::Intern(std::map<std::string, std::uint32_t, std::less<>>& ids,
                               std::vector<std::string>& names, std::string_view name) {
  if (const auto it = ids.find(name); it != ids.end()) {
    return it->second;
  }
  const auto id = static_cast<std::uint32_t>(names.size());
  names.emplace_back(name);
  ids.emplace(std::string(name), id);
  return id;
}

void WriteLog::Note(const Action& action, bool ok, std::size_t per_instant_budget) {
  const std::uint8_t verb = WriteVerb(action.verb);
  if (verb == 0) {
    return;
  }
  key_ = action.resource.resource;
  if (!action.resource.group.empty()) {
    key_ += "." + action.resource.group;
  }
  if (!action.subresource.empty()) {
    key_ += "/" + action.subresource;
  }
  key_ += ' ';
  if (!action.namespace_.empty()) {
    key_ += action.namespace_ + "/";
  }
  key_ += action.name.empty() ? std::string("*") : action.name;
  const bool in_bubble = sim::Bubble::Current() != nullptr;
  WriteRecord r;
  r.time = in_bubble ? sim::Now() : sim::Clock::Epoch();
  r.object = Intern(object_ids_, objects_, key_);
  r.fiber = Intern(fiber_ids_, fibers_,
                   in_bubble ? sim::CurrentFiberName() : std::string_view("(outside the bubble)"));
  r.verb = verb;
  r.ok = ok;
  records_.push_back(r);
  if (!in_bubble) {
    return;
  }
  if (r.time != instant_ || at_instant_ == 0) {
    instant_ = r.time;
    at_instant_ = 0;
  }
  ++at_instant_;
  if (per_instant_budget > 0 && at_instant_ > per_instant_budget) {
    sim::FailNotConverged(fmt::format(
        "invariant writes-per-instant violated: {} API writes at one virtual instant ({}) and "
        "time never moved: writes that never stop (controllers fighting at zero latency, or a loop "
        "that writes on its own events?); raise "
        "fake::Options::writes_per_instant ({}) only if one instant really needs more\n{}",
        at_instant_, sim::FormatIsoTime(r.time), per_instant_budget,
        Describe(Since(r.time), sim::Duration::zero())));
  }
}

std::span<const WriteRecord> WriteLog::Since(sim::TimePoint t) const noexcept {
  const auto it = std::partition_point(records_.begin(), records_.end(),
                                       [t](const WriteRecord& r) { return r.time < t; });
  return {it, records_.end()};
}

std::string WriteLog::Describe(std::span<const WriteRecord> records, sim::Duration window,
                               std::size_t max_rows) const {
  struct Tally {
    std::size_t writes = 0;
    std::size_t failed = 0;
    std::uint32_t verbs = 0;  // bit per verb
  };

  std::map<std::uint32_t, Tally> by_object;
  std::map<std::uint32_t, Tally> by_fiber;
  std::size_t failed = 0;
  for (const WriteRecord& r : records) {
    for (Tally* t : {&by_object[r.object], &by_fiber[r.fiber]}) {
      ++t->writes;
      t->failed += r.ok ? 0 : 1;
      t->verbs |= 1U << r.verb;
    }
    failed += r.ok ? 0 : 1;
  }
  std::string out = fmt::format(
      "  {} writes ({}){}{}\n", records.size(), Rate(records.size(), window),
      window > sim::Duration::zero() ? " over " + sim::FormatDuration(window) : std::string(),
      failed > 0 ? fmt::format(", {} of them refused (409 and other errors)", failed) : "");
  auto section = [&](std::string_view title, const std::map<std::uint32_t, Tally>& tallies,
                     const std::vector<std::string>& names) {
    std::vector<std::pair<std::uint32_t, Tally>> rows(tallies.begin(), tallies.end());
    // Most writes first; ties by name, so the report never depends on interning order.
    std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
      if (a.second.writes != b.second.writes) {
        return a.second.writes > b.second.writes;
      }
      return names[a.first] < names[b.first];
    });
    out += fmt::format("  by {}:\n", title);
    for (std::size_t i = 0; i < rows.size() && i < max_rows; ++i) {
      const Tally& t = rows[i].second;
      std::string verbs;
      for (std::uint8_t v = 1; v < kVerbs.size(); ++v) {
        if ((t.verbs & (1U << v)) != 0) {
          verbs += (verbs.empty() ? "" : ",") + std::string(kVerbs[v]);
        }
      }
      out += fmt::format("    {:>7} writes ({})  {}  [{}]\n", t.writes, Rate(t.writes, window),
                         names[rows[i].first], verbs);
    }
    if (rows.size() > max_rows) {
      out += fmt::format("    ... and {} more\n", rows.size() - max_rows);
    }
  };
  section("object", by_object, objects_);
  section("fiber", by_fiber, fibers_);
  return out;
}

}  // namespace bubble::fake
