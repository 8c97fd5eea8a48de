// scenarios/src/registry.cc
#include "bubble/scenarios/registry.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bubble/sim/error.h>

namespace bubble::scenarios {

namespace detail {
std::vector<Scenario> Catalogue();
}  // namespace detail

namespace {

std::optional<std::int64_t> ParseInt(std::string_view s) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

std::vector<Scenario> BuildBuiltins() {
  std::vector<Scenario> all = detail::Catalogue();
  std::sort(all.begin(), all.end(),
            [](const Scenario& a, const Scenario& b) { return a.name < b.name; });
  for (std::size_t i = 1; i < all.size(); ++i) {
    BUBBLE_ASSERT(all[i - 1].name != all[i].name, "scenario {} is built in twice", all[i].name);
  }
  for (const Scenario& s : all) {
    const std::string why = CheckScenario(s);
    BUBBLE_ASSERT(why.empty(), "built-in scenario: {}", why);
  }
  return all;
}

// The registered scenarios by name: std::map keeps them sorted and their addresses stable.
std::map<std::string, Scenario, std::less<>>& Registered() {
  static std::map<std::string, Scenario, std::less<>> registered;
  return registered;
}

std::string Names(const std::vector<std::string>& names) {
  return names.empty() ? std::string("(none)") : fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

std::string OptionSpec::Check(std::string_view value) const {
  if (!allowed.empty()) {
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      return fmt::format("\"{}\" is not one of {}", value, AllowedText());
    }
    return {};
  }
  if (int_range) {
    const auto v = ParseInt(value);
    if (!v || *v < int_range->first || *v > int_range->second) {
      return fmt::format("\"{}\" is not an integer in {}", value, AllowedText());
    }
  }
  return {};
}

std::string OptionSpec::AllowedText() const {
  if (!allowed.empty()) {
    return fmt::format("{}", fmt::join(allowed, "|"));
  }
  if (int_range) {
    return fmt::format("{}..{}", int_range->first, int_range->second);
  }
  return "any value";
}

const std::string& ScenarioContext::Option(std::string_view key) const {
  auto it = options_.find(std::string(key));
  BUBBLE_EXPECT(it != options_.end(), "scenario option \"{}\" is not declared by the scenario",
                key);
  return it->second;
}

std::int64_t ScenarioContext::IntOption(std::string_view key) const {
  const std::string& v = Option(key);
  const auto parsed = ParseInt(v);
  BUBBLE_EXPECT(parsed.has_value(), "scenario option \"{}\" = \"{}\" is not an integer", key, v);
  return *parsed;
}

bool ScenarioContext::Bug(std::string_view name) const {
  return std::binary_search(bugs_.begin(), bugs_.end(), name);
}

const OptionSpec* Scenario::FindOption(std::string_view key) const {
  for (const OptionSpec& o : options) {
    if (o.key == key) {
      return &o;
    }
  }
  return nullptr;
}

const BugSpec* Scenario::FindBug(std::string_view bug) const {
  for (const BugSpec& b : bugs) {
    if (b.name == bug) {
      return &b;
    }
  }
  return nullptr;
}

std::string CheckScenario(const Scenario& s) {
  if (s.name.empty()) {
    return "a scenario has an empty name";
  }
  if (!s.body) {
    return fmt::format("scenario {} has no body", s.name);
  }
  for (const OptionSpec& o : s.options) {
    if (std::string why = o.Check(o.default_value); !why.empty()) {
      return fmt::format("scenario {}: option {}: default {}", s.name, o.key, why);
    }
  }
  return {};
}

const std::vector<Scenario>& BuiltinScenarios() {
  static const std::vector<Scenario> builtins = BuildBuiltins();
  return builtins;
}

bool Register(Scenario scenario) {
  if (std::string why = CheckScenario(scenario); !why.empty()) {
    throw ConfigError(fmt::format("cannot register: {}", why));
  }
  auto& registered = Registered();
  if (registered.count(scenario.name) != 0) {
    throw ConfigError(fmt::format(
        "scenario \"{}\" is registered twice (scenario names must be unique in a program)",
        scenario.name));
  }
  std::string name = scenario.name;
  registered.emplace(std::move(name), std::move(scenario));
  return true;
}

bool detail::RegisterOrExit(Scenario scenario) noexcept {
  try {
    return Register(std::move(scenario));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bubble: error: %s\n", e.what());
    std::exit(2);
  }
}

std::vector<const Scenario*> RegisteredScenarios() {
  std::vector<const Scenario*> out;
  for (const auto& [name, s] : Registered()) {
    out.push_back(&s);
  }
  return out;
}

std::vector<const Scenario*> AllScenarios() {
  std::vector<const Scenario*> out = RegisteredScenarios();
  for (const Scenario& s : BuiltinScenarios()) {
    if (Registered().count(s.name) == 0) {
      out.push_back(&s);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Scenario* a, const Scenario* b) { return a->name < b->name; });
  return out;
}

const Scenario* FindScenario(std::string_view name) {
  const auto& registered = Registered();
  if (auto it = registered.find(name); it != registered.end()) {
    return &it->second;
  }
  for (const Scenario& s : BuiltinScenarios()) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

const Scenario& GetScenario(std::string_view name) {
  if (const Scenario* s = FindScenario(name)) {
    return *s;
  }
  std::vector<std::string> known;
  for (const Scenario* s : AllScenarios()) {
    known.push_back(s->name);
  }
  throw ConfigError(
      fmt::format("unknown scenario \"{}\"; known scenarios: {}", name, Names(known)));
}

ResolvedConfig Resolve(const Scenario& scenario, const std::vector<std::string>& bugs,
                       const std::vector<std::pair<std::string, std::string>>& set) {
  ResolvedConfig out;
  for (const OptionSpec& o : scenario.options) {
    out.options[o.key] = o.default_value;
  }
  for (const auto& [key, value] : set) {
    const OptionSpec* spec = scenario.FindOption(key);
    if (spec == nullptr) {
      std::vector<std::string> keys;
      for (const OptionSpec& o : scenario.options) {
        keys.push_back(o.key);
      }
      throw ConfigError(fmt::format("scenario {} has no option \"{}\"; its options: {}",
                                    scenario.name, key, Names(keys)));
    }
    if (std::string why = spec->Check(value); !why.empty()) {
      throw ConfigError(fmt::format("scenario {}: option {}: {}", scenario.name, key, why));
    }
    out.options[key] = value;
  }
  std::set<std::string> unique;
  for (const std::string& bug : bugs) {
    if (scenario.FindBug(bug) == nullptr) {
      std::vector<std::string> names;
      for (const BugSpec& b : scenario.bugs) {
        names.push_back(b.name);
      }
      throw ConfigError(fmt::format("scenario {} has no planted bug \"{}\"; its bugs: {}",
                                    scenario.name, bug, Names(names)));
    }
    unique.insert(bug);
  }
  out.bugs.assign(unique.begin(), unique.end());
  return out;
}

std::pair<std::string, std::string> ParseSetting(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw ConfigError(fmt::format("\"{}\" is not a setting: use KEY=VALUE", text));
  }
  return {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

}  // namespace bubble::scenarios
