// scenarios/include/bubble/scenarios/registry.h
//
// File: the scenario registry. A scenario is a named, self-checking program for a bubble: it sets
// up the fake API server and the code under test, acts, and checks invariants, failing the run
// (sim::Fail) with a message that names the broken invariant. Each scenario declares
//  - options (--set KEY=VALUE): variants of the same program, each with a default and either a
//    list of allowed values or an integer range;
//  - planted bugs (--bug NAME): known-wrong variants, each with a seed budget: a sweep under the
//    default strategy portfolio (run.h) from seed 1 must find the bug within that many seeds;
//  - optionally its own step and time limits (the command line's --step-limit/--time-limit win).
//
//   const scenarios::Scenario& s = scenarios::GetScenario("conflicting-writers");
//   scenarios::RunConfig config{.seed = 7, .bugs = {"no-conflict-check"}};
//   sim::RunResult r = scenarios::RunScenario(s, config);
//
// Adding a scenario to YOUR program (docs/cli.md, "Use bubble's CLI in your own binary"): write
// one designated-initializer literal and register it, then link bubble::cli_main:
//
//   scenarios::Scenario MirrorScenario() {
//     return {.name = "mirror", .description = "the mirror controller copies every ConfigMap",
//             .options = {{.key = "objects", .default_value = "3", .description = "ConfigMaps",
//                          .int_range = std::pair<std::int64_t, std::int64_t>{1, 20}}},
//             .bugs = {{.name = "no-requeue", .description = "drops errors", .seed_budget = 50}},
//             .body = MirrorBody};
//   }
//   BUBBLE_REGISTER_SCENARIO(MirrorScenario());
//
// (or pass the scenarios to bubble::cli::Main yourself, <bubble/cli/cli.h>).
//
// Adding a scenario to bubble's built-in suite (docs/scenarios.md): write
// scenarios/src/<name>.cc with a function `Scenario MyScenario()`, declare it in
// scenarios/src/catalogue.h, add it to the list in scenarios/src/catalogue.cc, and add the file
// to scenarios/CMakeLists.txt. The built-in list is explicit (no static registrars: a static
// library drops object files nobody references); the `bubble` executable registers it.
//
// Lookup. The registry holds the scenarios registered in this process (Register) and bubble's
// built-in suite (BuiltinScenarios). FindScenario/GetScenario look in the registered ones first,
// then in the built-ins: a registered scenario hides a built-in of the same name, so a user may
// reuse a name like "leader-election" for their own. Two registered scenarios may not share a
// name.
//
// Threading: register before running anything (static initializers, or the start of main); the
// registry is read-only afterwards. Pointers to scenarios stay valid for the whole process.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/fake/liveness.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/settle_phase.h>
#include <bubble/sim/task.h>

namespace bubble::scenarios {

// A scenario name, option or bug that does not exist, or a value an option does not allow. The
// message names the scenario and lists the valid choices; the CLI prints it as a usage error.
class ConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// One option of a scenario (--set KEY=VALUE).
struct OptionSpec {
  std::string key{};
  std::string default_value{};
  std::string description{};
  // The values allowed, when the option is a choice ("real", "delta"). Empty: see int_range.
  std::vector<std::string> allowed{};
  // For an integer option: the inclusive range of values allowed.
  std::optional<std::pair<std::int64_t, std::int64_t>> int_range{};

  // Empty when `value` is allowed; otherwise why not (for ConfigError messages).
  std::string Check(std::string_view value) const;
  // "real|delta" or "2..8".
  std::string AllowedText() const;
};

// One planted bug of a scenario (--bug NAME).
struct BugSpec {
  std::string name{};
  std::string description{};
  // A sweep from seed 1 under the default portfolio finds the bug within this many seeds (a
  // documented, tested promise; `bubble sweep --all --with-bugs` enforces it).
  std::uint64_t seed_budget = 100;
};

// What a scenario's body sees: the bubble it runs in, and its resolved options and bugs.
class ScenarioContext {
 public:
  ScenarioContext(sim::Bubble& bubble, std::map<std::string, std::string> options,
                  std::vector<std::string> bugs)
      : bubble_(&bubble), options_(std::move(options)), bugs_(std::move(bugs)) {}

  sim::Bubble& GetBubble() const noexcept { return *bubble_; }

  // Every option with its value (defaults filled in), by key.
  const std::map<std::string, std::string>& Options() const noexcept { return options_; }

  // The value of a declared option. UsageError if the scenario did not declare `key`.
  const std::string& Option(std::string_view key) const;
  // The value of a declared integer option.
  std::int64_t IntOption(std::string_view key) const;

  // The planted bugs enabled for this run, sorted.
  const std::vector<std::string>& Bugs() const noexcept { return bugs_; }

  // Whether planted bug `name` is enabled.
  bool Bug(std::string_view name) const;

  // The run's liveness oracle (<bubble/fake/liveness.h>), one per run. Track the fake
  // clientsets and queues here — one line, `ctx.Liveness().Track(cs);` — and the harness reaches
  // them too: `bubble sweep --check-convergence` compares the tracked servers' final states, and
  // the tracked clientsets are the API servers `bubble run --serve` shows. Tracking records
  // nothing and draws nothing, but it keeps the clientset alive until the harness is done with
  // the run: one whose last reference the root fiber drops as it exits would otherwise stop its
  // open watches then, waking their readers, which a failing run's fingerprint sees (so tracking
  // a clientset in an existing scenario changes its golden fingerprints).
  // Settle() runs the scenario's settle phase (Scenario::settle).
  fake::Liveness& Liveness() const noexcept { return *liveness_; }

 private:
  sim::Bubble* bubble_;
  std::map<std::string, std::string> options_;
  std::vector<std::string> bugs_;
  std::shared_ptr<fake::Liveness> liveness_ = std::make_shared<fake::Liveness>();
};

// Builds one run: called before Run(), outside the bubble, so it may create shared state (the
// fake clientset, counters) and capture it; the returned task runs as the root fiber "main".
using ScenarioBody = std::function<sim::Task(const ScenarioContext&)>;

struct Scenario {
  std::string name{};         // "conflicting-writers": lower-case words joined by '-'
  std::string catalogue{};    // "S09": its entry in the race catalogue, or empty
  std::string description{};  // one line
  std::vector<OptionSpec> options{};
  std::vector<BugSpec> bugs{};
  // This scenario's limits (sim::Options::step_limit, time_limit); unset: the kernel's defaults.
  // `--step-limit` and `--time-limit` on the command line override them.
  std::optional<std::uint64_t> step_limit{};
  std::optional<sim::Duration> time_limit{};
  // The settle phase (docs/concepts.md, "Liveness and convergence"): faults stop at
  // settle->faults_stop and the system must be quiescent within settle->within. The run gets it
  // as sim::Options::settle; the body enforces it by calling ctx.Liveness().Settle().
  std::optional<sim::SettlePhase> settle{};
  // The inputs do not depend on the schedule, so every seed must end in the same server state
  // (the clientsets tracked with ctx.Liveness().Track): `bubble sweep --check-convergence`
  // checks it; on a scenario that is not convergent the flag is a usage error.
  bool convergent = false;
  ScenarioBody body{};

  // The option or bug named `name`, or null.
  const OptionSpec* FindOption(std::string_view key) const;
  const BugSpec* FindBug(std::string_view name) const;
};

// bubble's own scenario suite (the S-numbered races of docs/scenarios.md), sorted by name. A
// user's program may hand them to bubble::cli::Main next to its own.
const std::vector<Scenario>& BuiltinScenarios();

// Adds `scenario` to this process's registry and returns true (so it can initialize a static).
// ConfigError if it is malformed (empty name, no body, a default its option does not allow) or
// another registered scenario has the same name.
bool Register(Scenario scenario);

// Every scenario registered with Register, sorted by name (bubble's built-ins only when they were
// registered, as the `bubble` executable does).
std::vector<const Scenario*> RegisteredScenarios();

// Registered and built-in scenarios together, sorted by name (a registered one hides a built-in
// of the same name).
std::vector<const Scenario*> AllScenarios();
// The scenario named `name` (registered first, then built-in), or null.
const Scenario* FindScenario(std::string_view name);
// The scenario named `name`; ConfigError listing the known scenarios if there is none.
const Scenario& GetScenario(std::string_view name);

// Empty when `scenario` is well formed; otherwise what is wrong with it (Register's check).
std::string CheckScenario(const Scenario& scenario);

namespace detail {
// BUBBLE_REGISTER_SCENARIO's registration: on a ConfigError prints "bubble: error: ..." and exits
// with status 2 (an exception cannot leave a static initializer with a readable message).
bool RegisterOrExit(Scenario scenario) noexcept;
}  // namespace detail

// A scenario's options and bugs after validation: every option present (defaults filled in),
// bugs sorted and unique.
struct ResolvedConfig {
  std::map<std::string, std::string> options;
  std::vector<std::string> bugs;
};

// Validates `bugs` and `set` (KEY=VALUE pairs, later ones win) against the scenario. Throws
// ConfigError naming the scenario and listing the valid names or values.
ResolvedConfig Resolve(const Scenario& scenario, const std::vector<std::string>& bugs,
                       const std::vector<std::pair<std::string, std::string>>& set);

// Splits "KEY=VALUE"; ConfigError if there is no '=' or the key is empty.
std::pair<std::string, std::string> ParseSetting(std::string_view text);

}  // namespace bubble::scenarios

#define BUBBLE_SCENARIO_CONCAT_INNER(a, b) a##b
#define BUBBLE_SCENARIO_CONCAT(a, b) BUBBLE_SCENARIO_CONCAT_INNER(a, b)

// Registers a scenario from a static initializer in your own .cc file (at namespace scope):
//   BUBBLE_REGISTER_SCENARIO(MirrorScenario());
// A duplicate name or a malformed scenario stops the program before main with
// "bubble: error: ..." and exit status 2.
#define BUBBLE_REGISTER_SCENARIO(...)                                                       \
  [[maybe_unused]] static const bool BUBBLE_SCENARIO_CONCAT(bubble_registered_, __LINE__) = \
      ::bubble::scenarios::detail::RegisterOrExit(__VA_ARGS__)
