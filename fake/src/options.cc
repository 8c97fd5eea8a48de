// fake/src/options.cc
#include "bubble/fake/options.h"

#include <array>
#include <charconv>

#include <fmt/format.h>

namespace bubble::fake {

namespace {

struct Switch {
  std::string_view name;
  bool Fidelity::*field;
};

constexpr std::array<Switch, 12> kSwitches = {{
    {"stamp-rv", &Fidelity::stamp_resource_version},
    {"conflicts", &Fidelity::conflicts},
    {"tombstones", &Fidelity::tombstones},
    {"bookmarks", &Fidelity::bookmarks},
    {"selectors", &Fidelity::selectors},
    {"generate-name", &Fidelity::generate_name},
    {"finalizers", &Fidelity::finalizers},
    {"uid-timestamps", &Fidelity::uid_and_timestamps},
    {"status-subresource", &Fidelity::status_subresource},
    {"delete-collection", &Fidelity::delete_collection},
    {"watch-timeouts", &Fidelity::watch_timeouts},
    {"watch-list", &Fidelity::watch_list},
}};

constexpr std::array<std::string_view, 4> kBugNames = {
    "finalizer-delete-new-state", "gc-trusts-graph", "legacy-watch", "seed-empty-rv"};

// Every switch set to `on`; history_limit (a number, not a switch) unbounded.
Fidelity WithEverySwitch(bool on) {
  Fidelity f;
  for (const Switch& s : kSwitches) {
    f.*s.field = on;
  }
  return f;
}

std::string KnownSwitches() {
  std::string known;
  for (const Switch& s : kSwitches) {
    known += std::string(s.name) + ", ";
  }
  return known;
}

}  // namespace

Fidelity Fidelity::All() {
  return WithEverySwitch(true);
}

Fidelity Fidelity::None() {
  return WithEverySwitch(false);
}

runtime::Result<void> Fidelity::Enable(std::string_view name) {
  if (name == "all" || name == "none" || name == "client-go") {
    const std::size_t limit = history_limit;
    *this = WithEverySwitch(name == "all");
    history_limit = limit;
    return {};
  }
  const bool on = !name.starts_with("no-");
  const std::string_view bare = on ? name : name.substr(3);
  for (const Switch& s : kSwitches) {
    if (s.name == bare) {
      this->*s.field = on;
      return {};
    }
  }
  if (on && name.starts_with("history=")) {
    const std::string_view n = name.substr(8);
    std::size_t value = 0;
    const auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), value);
    if (ec == std::errc() && p == n.data() + n.size() && value > 0) {
      history_limit = value;
      return {};
    }
  }
  return runtime::Err(runtime::NewBadRequest(
      fmt::format("unknown fidelity switch \"{}\": known switches are {}history=N, each of them "
                  "as no-<name> to turn it off, all, and none (or client-go)",
                  name, KnownSwitches())));
}

std::vector<std::string> Fidelity::EnabledNames() const {
  std::vector<std::string> out;
  for (const Switch& s : kSwitches) {
    if (this->*s.field) {
      out.emplace_back(s.name);
    }
  }
  if (history_limit > 0) {
    out.push_back(fmt::format("history={}", history_limit));
  }
  return out;
}

Options Options::ClientGoFake() {
  Options options;
  options.fidelity = Fidelity::None();
  return options;
}

std::span<const std::string_view> PlantedBugs::Names() noexcept {
  return kBugNames;
}

runtime::Result<void> PlantedBugs::Enable(std::string_view name) {
  if (name == "finalizer-delete-new-state") {
    finalizer_delete_new_state = true;
    return {};
  }
  if (name == "gc-trusts-graph") {
    gc_trusts_graph = true;
    return {};
  }
  if (name == "legacy-watch") {
    legacy_watch = true;
    return {};
  }
  if (name == "seed-empty-rv") {
    seed_empty_rv = true;
    return {};
  }
  return runtime::Err(runtime::NewBadRequest(fmt::format(
      "unknown planted bug \"{}\": the fake knows {}", name, fmt::join(kBugNames, ", "))));
}

std::vector<std::string> PlantedBugs::EnabledNames() const {
  std::vector<std::string> out;
  if (finalizer_delete_new_state) {
    out.emplace_back("finalizer-delete-new-state");
  }
  if (gc_trusts_graph) {
    out.emplace_back("gc-trusts-graph");
  }
  if (legacy_watch) {
    out.emplace_back("legacy-watch");
  }
  if (seed_empty_rv) {
    out.emplace_back("seed-empty-rv");
  }
  return out;
}

}  // namespace bubble::fake
