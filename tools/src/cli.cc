// tools/src/cli.cc
#include "bubble/cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/run.h>
#include <bubble/sim/shell_word.h>
#include <bubble/sim/trace_file.h>

#include "junit.h"
#include "progress.h"
#include "seed_range.h"
#include "shard_env.h"
#include "sweep.h"
#include <sys/stat.h>

#ifndef BUBBLE_VERSION
#error "BUBBLE_VERSION must be defined (the CMake project version)"
#endif

namespace bubble::cli {

namespace {

namespace sc = bubble::scenarios;

// A usage error: printed as "bubble: error: <message>", exit 2.
struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr int kPass = 0;
constexpr int kFail = 1;
constexpr int kUsage = 2;

constexpr std::string_view kCommands[] = {"list", "run", "sweep", "replay"};

// ---- argument checks (CLI11 validators: a bad value is a usage error before any work) -------

std::optional<int> ParseSmallInt(std::string_view text, int lo, int hi) {
  const auto v = ParseSeed(text);
  if (!v || *v < static_cast<std::uint64_t>(lo) || *v > static_cast<std::uint64_t>(hi)) {
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

CLI::Validator Check(std::function<std::string(const std::string&)> why, std::string name) {
  return CLI::Validator([why = std::move(why)](std::string& value) { return why(value); }, "",
                        std::move(name));
}

const CLI::Validator kSeed = Check(
    [](const std::string& v) {
      return ParseSeed(v) ? "" : fmt::format("\"{}\" is not a seed: use a non-negative integer", v);
    },
    "SEED");

const CLI::Validator kSeedRange = Check(
    [](const std::string& v) {
      return ParseSeedRange(v) ? ""
                               : fmt::format("\"{}\" is not a seed range: use A..B with A <= B", v);
    },
    "SEEDS");

const CLI::Validator kStrategy = Check(
    [](const std::string& v) {
      const auto kind = sim::ParseStrategy(v);
      return kind && *kind != sim::StrategyKind::kReplay
                 ? ""
                 : fmt::format("\"{}\" is not a strategy: use fifo, random or pct", v);
    },
    "STRATEGY");

const CLI::Validator kPctDepth = Check(
    [](const std::string& v) {
      return ParseSmallInt(v, 1, 1000) ? "" : fmt::format("\"{}\" is not a depth: use 1..1000", v);
    },
    "DEPTH");

const CLI::Validator kShard = Check(
    [](const std::string& v) {
      return v == "auto" || ParseShard(v)
                 ? ""
                 : fmt::format("\"{}\" is not a shard: use I/N with 0 <= I < N, or auto", v);
    },
    "SHARD");

const CLI::Validator kLogLevel = Check(
    [](const std::string& v) {
      return sim::ParseLogLevel(v) ? ""
                                   : fmt::format(
                                         "\"{}\" is not a level: use trace, debug, info, warn, "
                                         "error or off",
                                         v);
    },
    "LEVEL");

const CLI::Validator kPercent = Check(
    [](const std::string& v) {
      return ParseSmallInt(v, 0, 100) ? ""
                                      : fmt::format("\"{}\" is not a percentage: use 0..100", v);
    },
    "PERCENT");

const CLI::Validator kJobs = Check(
    [](const std::string& v) {
      return ParseSmallInt(v, 0, 4096)
                 ? ""
                 : fmt::format("\"{}\" is not a number of workers: use 1 or more (0: one per CPU)",
                               v);
    },
    "J");

const CLI::Validator kStepLimit = Check(
    [](const std::string& v) {
      const auto n = ParseSeed(v);
      return n && *n > 0 ? "" : fmt::format("\"{}\" is not a step limit: use 1 or more", v);
    },
    "STEPS");

const CLI::Validator kTimeLimit = Check(
    [](const std::string& v) {
      return sc::ParseDuration(v)
                 ? ""
                 : fmt::format(
                       "\"{}\" is not a duration: use a positive number with a unit "
                       "(ns, us, ms, s, m, h), e.g. 90s",
                       v);
    },
    "DURATION");

const CLI::Validator kSeconds = Check(
    [](const std::string& v) {
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      return !v.empty() && end == v.c_str() + v.size() && d >= 0
                 ? ""
                 : fmt::format("\"{}\" is not a number of seconds: use 0 or more", v);
    },
    "SECONDS");

// An output file: its directory exists and is writable, and the file, if it exists, is a
// writable regular file. Checked before any work so a bad path never costs a sweep.
const CLI::Validator kWritableFile = Check(
    [](const std::string& path) -> std::string {
      if (path.empty()) {
        return "the path is empty";
      }
      const auto slash = path.rfind('/');
      const std::string dir =
          slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
      struct stat st {};
      if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return fmt::format("cannot write \"{}\": directory \"{}\" does not exist", path, dir);
      }
      if (::access(dir.c_str(), W_OK) != 0) {
        return fmt::format("cannot write \"{}\": directory \"{}\" is not writable", path, dir);
      }
      if (::stat(path.c_str(), &st) == 0 &&
          (S_ISDIR(st.st_mode) || ::access(path.c_str(), W_OK) != 0)) {
        return fmt::format("cannot write \"{}\": it is a directory or not writable", path);
      }
      return "";
    },
    "FILE");

std::vector<std::pair<std::string, std::string>> SettingsArg(
    const std::vector<std::string>& texts) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& t : texts) {
    out.push_back(sc::ParseSetting(t));
  }
  return out;
}

std::string_view Basename(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// ---- the program's scenarios ---------------------------------------------------------------

class Scenarios {
 public:
  explicit Scenarios(const Program& program) {
    for (const sc::Scenario& s : program.scenarios) {
      all_.push_back(&s);
    }
    std::sort(all_.begin(), all_.end(),
              [](const sc::Scenario* a, const sc::Scenario* b) { return a->name < b->name; });
    for (std::size_t i = 0; i < all_.size(); ++i) {
      if (std::string why = sc::CheckScenario(*all_[i]); !why.empty()) {
        throw Usage(fmt::format("the program's scenarios: {}", why));
      }
      if (i > 0 && all_[i - 1]->name == all_[i]->name) {
        throw Usage(fmt::format("the program has two scenarios named \"{}\"", all_[i]->name));
      }
    }
  }

  const std::vector<const sc::Scenario*>& All() const { return all_; }

  const sc::Scenario* Find(std::string_view name) const {
    for (const sc::Scenario* s : all_) {
      if (s->name == name) {
        return s;
      }
    }
    return nullptr;
  }

  const sc::Scenario& Get(std::string_view name) const {
    if (const sc::Scenario* s = Find(name)) {
      return *s;
    }
    std::vector<std::string> names;
    for (const sc::Scenario* s : all_) {
      names.push_back(s->name);
    }
    throw Usage(fmt::format(
        "unknown scenario \"{}\"; known scenarios: {}", name,
        names.empty() ? std::string("(none)") : fmt::format("{}", fmt::join(names, ", "))));
  }

 private:
  std::vector<const sc::Scenario*> all_;
};

// The arguments every running command shares.
struct LimitArgs {
  std::string step_limit;
  std::string time_limit;

  void Add(CLI::App* cmd) {
    cmd->add_option("--step-limit", step_limit,
                    "Scheduling steps allowed at one virtual instant (livelock bound; default: "
                    "the scenario's, else 10000000)")
        ->check(kStepLimit)
        ->type_name("N");
    cmd->add_option("--time-limit", time_limit,
                    "Virtual time a run may last, e.g. 90s, 10m, 2h (default: the scenario's, "
                    "else 365 days)")
        ->check(kTimeLimit)
        ->type_name("DURATION");
  }

  void Apply(sc::RunConfig& c) const {
    if (!step_limit.empty()) {
      c.step_limit = ParseSeed(step_limit);
    }
    if (!time_limit.empty()) {
      c.time_limit = sc::ParseDuration(time_limit);
    }
  }
};

// ---- list ---------------------------------------------------------------------------------

int List(const Scenarios& scenarios) {
  for (const sc::Scenario* sp : scenarios.All()) {
    const sc::Scenario& s = *sp;
    fmt::print("{}{}\n  {}\n", s.name, s.catalogue.empty() ? "" : fmt::format(" ({})", s.catalogue),
               s.description);
    if (!s.options.empty()) {
      fmt::print("  options (--set KEY=VALUE):\n");
      for (const sc::OptionSpec& o : s.options) {
        fmt::print("    {}={} [{}]  {}\n", o.key, o.default_value, o.AllowedText(), o.description);
      }
    }
    if (!s.bugs.empty()) {
      fmt::print("  planted bugs (--bug NAME):\n");
      for (const sc::BugSpec& b : s.bugs) {
        fmt::print("    {}  found within {} seeds: {}\n", b.name, b.seed_budget, b.description);
      }
    }
  }
  return kPass;
}

// ---- run ----------------------------------------------------------------------------------

struct RunArgs {
  std::string scenario;
  std::string seed = "1";
  std::string strategy = "random";
  std::string pct_depth = "3";
  std::vector<std::string> bugs;
  std::vector<std::string> set;
  std::string trace;
  std::string log_level = "info";
  LimitArgs limits;
};

int Run(const Scenarios& scenarios, const std::string& program, const RunArgs& a) {
  const sc::Scenario& s = scenarios.Get(a.scenario);
  sc::RunConfig c;
  c.seed = *ParseSeed(a.seed);
  c.strategy = *sim::ParseStrategy(a.strategy);
  c.pct_depth = *ParseSmallInt(a.pct_depth, 1, 1000);
  c.bugs = a.bugs;
  c.set = SettingsArg(a.set);
  c.log_level = *sim::ParseLogLevel(a.log_level);
  c.program = program;
  a.limits.Apply(c);
  const sc::ResolvedRun run = sc::ResolveRun(s, c);  // usage errors before anything runs
  fmt::print("{}\n", run.Command());
  std::fflush(stdout);
  sim::RunResult r;
  if (!a.trace.empty()) {
    std::ostringstream json;
    r = sc::RunAndWriteTrace(run, json);
    std::ofstream out(a.trace, std::ios::binary | std::ios::trunc);
    out << json.str();
    out.close();
    if (!out) {
      std::fflush(stderr);
      if (!r.Passed()) {
        fmt::print("{}", r.report);
      }
      fmt::print("fingerprint: {}\nresult: {}\n", r.FingerprintHex(), r.Passed() ? "pass" : "fail");
      std::fflush(stdout);
      throw Usage(fmt::format("cannot write the trace to \"{}\"", a.trace));
    }
  } else {
    r = sc::RunScenario(run);
  }
  std::fflush(stderr);
  if (!r.Passed()) {
    fmt::print("{}", r.report);
  }
  if (!a.trace.empty()) {
    fmt::print("trace: {} (open in https://ui.perfetto.dev; replay with: {} replay {})\n", a.trace,
               sim::ShellWord(program), sim::ShellWord(a.trace));
  }
  fmt::print("fingerprint: {}\nresult: {}\n", r.FingerprintHex(), r.Passed() ? "pass" : "fail");
  return r.Passed() ? kPass : kFail;
}

// ---- replay -------------------------------------------------------------------------------

std::string ForeignMessage(const std::string& file, const sc::TraceOrigin& origin,
                           const std::string& what) {
  if (origin.program.empty()) {
    return fmt::format("{} {}", file, what);
  }
  const std::string writer = sim::ShellWord(origin.program);
  if (origin.kind == "test") {
    return fmt::format("{} was written by {} (test \"{}\"); replay it with: {}", file, writer,
                       origin.test, origin.replay.empty() ? writer : origin.replay);
  }
  return fmt::format("{} was written by {} (scenario \"{}\"); replay it with: {} replay {}", file,
                     writer, origin.scenario, writer, sim::ShellWord(file));
}

int Replay(const Scenarios& scenarios, const std::string& program, const std::string& file,
           const std::string& log_level) {
  std::ifstream in(file, std::ios::binary);
  if (!in || std::filesystem::is_directory(file)) {
    throw Usage(fmt::format("cannot read trace file \"{}\"", file));
  }
  // Read at most sim::kTraceFileMaxBytes: /dev/zero or an endless FIFO must not exhaust memory.
  std::string text;
  try {
    text = sim::ReadTraceText(in);
  } catch (const sim::TraceFileError& e) {
    throw Usage(fmt::format("{}: {}", file, e.what()));
  }
  sc::RecordedRun rec;
  try {
    rec =
        sc::ParseTrace(text, [&scenarios](std::string_view name) { return scenarios.Find(name); });
  } catch (const sc::ForeignTraceError& e) {
    throw Usage(ForeignMessage(file, e.Origin(), e.what()));
  } catch (const sc::ConfigError& e) {
    throw Usage(fmt::format("{}: {}", file, e.what()));
  }
  // Another program may have a different scenario under the same name: only its writer
  // replays it. Programs are compared by file name, so a path or a PATH lookup still matches.
  if (!rec.origin.program.empty() && Basename(rec.origin.program) != Basename(program)) {
    throw Usage(ForeignMessage(file, rec.origin, ""));
  }
  sc::RunConfig c = rec.config;
  c.program = program;
  const std::string original = sc::ResolveRun(*rec.scenario, c).Command();
  c.strategy = sim::StrategyKind::kReplay;
  c.trace = sim::TraceMode::kFull;
  c.log_level = *sim::ParseLogLevel(log_level);
  c.replay_command = sim::ShellWord(program) + " replay " + sim::ShellWord(file);
  fmt::print("replaying {} decisions of: {}\n", rec.config.replay.size(), original);
  std::fflush(stdout);
  std::vector<sim::TraceEvent> events;
  std::vector<std::string> names;
  const sim::RunResult r =
      sc::RunScenario(*rec.scenario, c, [&](sim::Bubble& b, const sim::RunResult&) {
        events = b.GetTrace().Events();
        const auto n = b.GetTrace().FiberNames();
        names.assign(n.begin(), n.end());
      });
  std::fflush(stderr);
  if (!r.Passed()) {
    fmt::print("{}", r.report);
  }
  const bool matches = r.fingerprint == rec.fingerprint;
  if (matches) {
    fmt::print("fingerprint: {} (matches)\n", r.FingerprintHex());
  } else {
    fmt::print("fingerprint: {} (recorded {}: MISMATCH)\n", r.FingerprintHex(),
               sim::FormatFingerprint(rec.fingerprint));
    fmt::print("{}\n", sc::FirstDivergence(rec.records, rec.fiber_names, events, names)
                           .value_or("the trace records are identical"));
  }
  fmt::print("result: {}\n", r.Passed() ? "pass" : "fail");
  return matches ? kPass : kFail;
}

// ---- sweep --------------------------------------------------------------------------------

struct SweepArgs {
  std::string scenario;
  bool all = false;
  bool with_bugs = false;
  std::string seeds = "1..100";
  std::string strategy;
  std::string pct_depth = "3";
  std::vector<std::string> bugs;
  std::vector<std::string> set;
  std::string jobs = "0";
  std::string shard;
  std::string junit;
  std::string check_determinism = "0";
  std::string progress_interval = "10";
  LimitArgs limits;
};

std::string StrategyLabel(const SweepItem& item) {
  return item.strategy == sim::StrategyKind::kPct ? fmt::format("pct d={}", item.pct_depth)
                                                  : std::string(sim::StrategyName(item.strategy));
}

std::vector<JUnitSuite> JUnitFor(const SweepPlan& plan, const std::vector<ItemResult>& results,
                                 const std::vector<GroupOutcome>& outcomes) {
  std::vector<JUnitSuite> suites;
  for (std::size_t g = 0; g < plan.groups.size(); ++g) {
    const SweepGroup& group = plan.groups[g];
    JUnitSuite suite{
        .name = group.hunt ? group.scenario->name + " --bug " + *group.hunt : group.Label(),
        .cases = {}};
    const std::string classname = "bubble." + group.scenario->name;
    if (group.hunt) {
      JUnitCase c{
          .classname = classname,
          .name = fmt::format("finds planted bug {} within {} seeds", *group.hunt, group.budget)};
      for (std::size_t i = 0; i < plan.items.size(); ++i) {
        if (plan.items[i].group == g) {
          c.time_seconds += results[i].seconds;
        }
      }
      if (!outcomes[g].found_at) {
        c.failure_message =
            fmt::format("planted bug {} was not found within its budget of {} seeds", *group.hunt,
                        group.budget);
      }
      suite.cases.push_back(std::move(c));
    } else {
      for (std::size_t i = 0; i < plan.items.size(); ++i) {
        if (plan.items[i].group != g || results[i].state == ItemState::kSkipped) {
          continue;
        }
        JUnitCase c{
            .classname = classname,
            .name = fmt::format("seed {} ({})", plan.items[i].seed, StrategyLabel(plan.items[i])),
            .time_seconds = results[i].seconds};
        if (results[i].state == ItemState::kFailed) {
          c.failure_message = results[i].message;
          c.failure_text = results[i].report + "replay: " + RunCommandFor(plan, plan.items[i]);
        }
        suite.cases.push_back(std::move(c));
      }
    }
    suites.push_back(std::move(suite));
  }
  return suites;
}

int Sweep(const Scenarios& scenarios, const std::string& program, const SweepArgs& a) {
  SweepSpec spec;
  if (a.all == !a.scenario.empty()) {
    throw Usage("sweep needs a SCENARIO or --all (not both)");
  }
  if (a.with_bugs && !a.all) {
    throw Usage("--with-bugs goes with --all (for one scenario, use --bug NAME)");
  }
  if (a.all) {
    spec.scenarios = scenarios.All();
    if (!a.bugs.empty()) {
      throw Usage("--bug needs a SCENARIO (with --all, use --with-bugs)");
    }
  } else {
    spec.scenarios.push_back(&scenarios.Get(a.scenario));
  }
  spec.seeds = *ParseSeedRange(a.seeds);
  if (!a.strategy.empty()) {
    spec.strategy = *sim::ParseStrategy(a.strategy);
  }
  spec.pct_depth = *ParseSmallInt(a.pct_depth, 1, 1000);
  std::string shard_text = a.shard;
  if (a.shard == "auto") {
    const EnvShard env = ShardFromEnvironment([](const char* name) { return std::getenv(name); });
    if (!env.error.empty()) {
      throw Usage(env.error);
    }
    spec.shard = env.shard;
    shard_text = fmt::format("{}/{} from {}", env.shard.index, env.shard.count, env.source);
  } else if (!a.shard.empty()) {
    spec.shard = *ParseShard(a.shard);
  }
  const int check_determinism = *ParseSmallInt(a.check_determinism, 0, 100);
  spec.check_determinism_percent = check_determinism;
  spec.bugs = a.bugs;
  spec.set = SettingsArg(a.set);
  spec.with_bugs = a.with_bugs;
  spec.program = program;
  sc::RunConfig limits;
  a.limits.Apply(limits);
  spec.step_limit = limits.step_limit;
  spec.time_limit = limits.time_limit;
  const int requested_jobs = *ParseSmallInt(a.jobs, 0, 4096);
  const int jobs = requested_jobs > 0
                       ? requested_jobs
                       : std::max(1, static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)));
  const SweepPlan plan = PlanSweep(spec);  // ConfigError for bad bugs, options or limits

  fmt::print("sweep: {} group(s), {} runs, seeds {}..{}{}, strategy {}, {} job(s){}\n",
             plan.groups.size(), plan.items.size(), spec.seeds.first, spec.seeds.last,
             shard_text.empty() ? "" : fmt::format(" (shard {})", shard_text),
             spec.strategy ? std::string(sim::StrategyName(*spec.strategy))
                           : fmt::format("portfolio ({})", sc::PortfolioDescription()),
             jobs,
             check_determinism > 0
                 ? fmt::format(", determinism check on {}% of seeds", check_determinism)
                 : "");
  std::fflush(stdout);
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  // Wall time paces the progress output only (the CLI; never a simulated run).
  using Seconds = ProgressMeter::Seconds;
  auto now = [] {
    return std::chrono::duration_cast<Seconds>(std::chrono::steady_clock::now().time_since_epoch());
  };
  ProgressMeter meter(plan.items.size(), tty,
                      Seconds(std::strtod(a.progress_interval.c_str(), nullptr)), now());
  ExecuteOptions eo;
  eo.jobs = jobs;
  eo.progress = [&meter, &now](std::size_t done, std::size_t failed) {
    if (const auto line = meter.Update(done, failed, now())) {
      std::fputs(line->c_str(), stderr);
      std::fflush(stderr);
    }
  };
  const std::vector<ItemResult> results = ExecuteSweep(plan, RunItem, eo);
  if (tty) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  const std::vector<GroupOutcome> outcomes = Summarize(plan, results);

  // Per group lines, then the totals and the first failures.
  std::size_t passed = 0;
  std::size_t failed = 0;
  bool ok = true;
  std::vector<std::size_t> first_failures;
  for (std::size_t g = 0; g < plan.groups.size(); ++g) {
    const SweepGroup& group = plan.groups[g];
    const GroupOutcome& o = outcomes[g];
    ok = ok && o.ok;
    if (group.hunt) {
      if (o.found_at) {
        fmt::print("  {} --bug {}: found at seed {} (budget {})\n", group.scenario->name,
                   *group.hunt, *o.found_at, group.budget);
      } else {
        fmt::print("  {} --bug {}: NOT FOUND within {} seeds\n", group.scenario->name, *group.hunt,
                   group.budget);
      }
      continue;
    }
    fmt::print("  {}: {} passed, {} failed\n", group.Label(), o.passed, o.failed);
    passed += o.passed;
    failed += o.failed;
  }
  for (std::size_t i = 0; i < plan.items.size() && first_failures.size() < 5; ++i) {
    if (results[i].state == ItemState::kFailed && !plan.groups[plan.items[i].group].hunt) {
      first_failures.push_back(i);
    }
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
  if (!first_failures.empty()) {
    fmt::print("first failing seeds:\n");
    for (std::size_t i : first_failures) {
      fmt::print("  seed {} ({}): {}\n    {}\n", plan.items[i].seed, StrategyLabel(plan.items[i]),
                 results[i].message, RunCommandFor(plan, plan.items[i]));
    }
  }

  if (!a.junit.empty()) {
    std::ofstream out(a.junit, std::ios::binary | std::ios::trunc);
    WriteJUnit(out, JUnitFor(plan, results, outcomes));
    out.close();
    if (!out) {
      // Checked before the sweep; this is a disk that filled up or a path that vanished since.
      std::fprintf(stderr, "bubble: error: cannot write JUnit XML to \"%s\"\n", a.junit.c_str());
      return kUsage;
    }
  }
  return ok ? kPass : kFail;
}

// What --version prints.
std::string VersionLine(const std::string& program, const Program& p) {
  const std::string_view name = Basename(program);
  if (p.version.empty()) {
    return name == "bubble" ? fmt::format("bubble {}", Version())
                            : fmt::format("{} (bubble {})", name, Version());
  }
  return fmt::format("{} {} (bubble {})", name, p.version, Version());
}

int MainOrThrow(int argc, char** argv, const Program& program) {
  const std::string self = argc > 0 && argv[0] != nullptr && *argv[0] != '\0' ? argv[0] : "bubble";
  const Scenarios scenarios(program);
  const std::string description =
      program.description.empty()
          ? std::string("deterministic simulation scenarios (bubble's command line)")
          : program.description;
  CLI::App app{description, std::string(Basename(self))};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Every command's help");
  app.set_version_flag("--version", VersionLine(self, program), "Print the version and exit");

  // CLI11 would say "A subcommand is required" or "The following arguments were not expected":
  // name the commands instead.
  if (argc <= 1) {
    throw Usage("a command is required: list, run, sweep or replay (--help)");
  }
  if (argc > 1 && argv[1][0] != '-' &&
      std::find(std::begin(kCommands), std::end(kCommands), argv[1]) == std::end(kCommands)) {
    throw Usage(
        fmt::format("unknown command \"{}\": use list, run, sweep or replay (--help)", argv[1]));
  }

  app.add_subcommand("list", "List scenarios, their options and planted bugs (with seed budgets)");

  RunArgs run;
  CLI::App* run_cmd = app.add_subcommand("run", "Run one scenario once, with its log");
  run_cmd->add_option("scenario", run.scenario, "Scenario name (see list)")->required();
  run_cmd->add_option("--seed", run.seed, "Seed (default 1)")->check(kSeed)->type_name("N");
  run_cmd->add_option("--strategy", run.strategy, "fifo|random|pct (default random)")
      ->check(kStrategy)
      ->type_name("S");
  run_cmd->add_option("--pct-depth", run.pct_depth, "PCT depth d (default 3)")
      ->check(kPctDepth)
      ->type_name("D");
  run_cmd->add_option("--bug", run.bugs, "Plant a bug (repeatable)")->type_name("NAME");
  run_cmd->add_option("--set", run.set, "Set an option KEY=VALUE (repeatable)")
      ->type_name("KEY=VALUE");
  run_cmd->add_option("--trace", run.trace, "Write the run as Chrome trace JSON (replayable)")
      ->check(kWritableFile)
      ->type_name("FILE");
  run_cmd
      ->add_option("--log-level", run.log_level,
                   "Log lines shown: trace|debug|info|warn|error|off (default info)")
      ->check(kLogLevel)
      ->type_name("LEVEL");
  run.limits.Add(run_cmd);

  SweepArgs sweep;
  CLI::App* sweep_cmd = app.add_subcommand("sweep", "Run a scenario over many seeds, in parallel");
  sweep_cmd->add_option("scenario", sweep.scenario, "Scenario name");
  sweep_cmd->add_flag("--all", sweep.all, "Sweep every scenario (correct variants)");
  sweep_cmd->add_flag("--with-bugs", sweep.with_bugs,
                      "With --all: also hunt each planted bug within its seed budget");
  sweep_cmd->add_option("--seeds", sweep.seeds, "Seed range A..B (default 1..100)")
      ->check(kSeedRange)
      ->type_name("A..B");
  sweep_cmd
      ->add_option("--strategy", sweep.strategy,
                   "fifo|random|pct (default: the random/pct portfolio)")
      ->check(kStrategy)
      ->type_name("S");
  sweep_cmd->add_option("--pct-depth", sweep.pct_depth, "PCT depth with --strategy pct")
      ->check(kPctDepth)
      ->type_name("D");
  sweep_cmd->add_option("--bug", sweep.bugs, "Plant a bug (repeatable)")->type_name("NAME");
  sweep_cmd->add_option("--set", sweep.set, "Set an option KEY=VALUE (repeatable)")
      ->type_name("KEY=VALUE");
  sweep_cmd->add_option("--jobs,-j", sweep.jobs, "Worker processes (default: one per CPU)")
      ->check(kJobs)
      ->type_name("J");
  sweep_cmd
      ->add_option("--shard", sweep.shard,
                   "Run shard I/N: seeds s with s % N == I; auto: from the CI environment")
      ->check(kShard)
      ->type_name("I/N|auto");
  sweep_cmd->add_option("--junit", sweep.junit, "Write JUnit XML")
      ->check(kWritableFile)
      ->type_name("FILE");
  sweep_cmd
      ->add_option("--check-determinism", sweep.check_determinism,
                   "Rerun P% of seeds and compare fingerprints")
      ->check(kPercent)
      ->type_name("P");
  sweep_cmd
      ->add_option("--progress-interval", sweep.progress_interval,
                   "Off a terminal: seconds between progress lines on stderr (default 10)")
      ->check(kSeconds)
      ->type_name("S");
  sweep.limits.Add(sweep_cmd);

  std::string replay_file;
  std::string replay_log_level = "info";
  CLI::App* replay_cmd =
      app.add_subcommand("replay", "Rerun a trace written by run --trace from its decisions");
  replay_cmd->add_option("file", replay_file, "Trace file")->required();
  replay_cmd->add_option("--log-level", replay_log_level, "Log lines shown (default info)")
      ->check(kLogLevel)
      ->type_name("LEVEL");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      return app.exit(e);
    }
    throw Usage(e.what());
  }
  if (app.got_subcommand("list")) {
    return List(scenarios);
  }
  if (app.got_subcommand(run_cmd)) {
    return Run(scenarios, self, run);
  }
  if (app.got_subcommand(sweep_cmd)) {
    return Sweep(scenarios, self, sweep);
  }
  return Replay(scenarios, self, replay_file, replay_log_level);
}

struct Described {
  std::string description;
  std::string version;
};

Described& MainDescription() {
  static Described d;
  return d;
}

}  // namespace

int Main(int argc, char** argv, const Program& program) {
  try {
    return MainOrThrow(argc, argv, program);
  } catch (const Usage& e) {
    std::fprintf(stderr, "bubble: error: %s\n", e.what());
    return kUsage;
  } catch (const sc::ConfigError& e) {
    std::fprintf(stderr, "bubble: error: %s\n", e.what());
    return kUsage;
  }
}

std::string_view Version() noexcept {
  return BUBBLE_VERSION;
}

bool DescribeProgram(std::string description, std::string version) {
  MainDescription() = {std::move(description), std::move(version)};
  return true;
}

Program RegisteredProgram() {
  Program p{.description = MainDescription().description,
            .version = MainDescription().version,
            .scenarios = {}};
  for (const sc::Scenario* s : sc::RegisteredScenarios()) {
    p.scenarios.push_back(*s);
  }
  return p;
}

}  // namespace bubble::cli
