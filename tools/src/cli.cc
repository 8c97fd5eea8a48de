// tools/src/cli.cc
#include "cli.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/run.h>

#include "junit.h"
#include "seed_range.h"
#include "sweep.h"

namespace bubble::tools {

namespace {

namespace sc = bubble::scenarios;

// A usage error: printed as "bubble: error: <message>", exit 2.
struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr int kPass = 0;
constexpr int kFail = 1;
constexpr int kUsage = 2;

std::uint64_t SeedArg(const std::string& text) {
  const auto seed = ParseSeed(text);
  if (!seed) {
    throw Usage(fmt::format("--seed \"{}\" is not a seed: use a non-negative integer", text));
  }
  return *seed;
}

sim::StrategyKind StrategyArg(const std::string& text) {
  const auto kind = sim::ParseStrategy(text);
  if (!kind || *kind == sim::StrategyKind::kReplay) {
    throw Usage(fmt::format("--strategy \"{}\" is not a strategy: use fifo, random or pct", text));
  }
  return *kind;
}

sim::LogLevel LogLevelArg(const std::string& text) {
  const auto level = sim::ParseLogLevel(text);
  if (!level) {
    throw Usage(
        fmt::format("--log-level \"{}\" is not a level: use {}", text, sim::LogLevelChoices()));
  }
  return *level;
}

std::vector<std::pair<std::string, std::string>> SettingsArg(
    const std::vector<std::string>& texts) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& t : texts) {
    out.push_back(sc::ParseSetting(t));
  }
  return out;
}

// ---- list ---------------------------------------------------------------------------------

int List() {
  for (const sc::Scenario& s : sc::AllScenarios()) {
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
  int pct_depth = 3;
  std::vector<std::string> bugs;
  std::vector<std::string> set;
  std::string trace;
  std::string log_level = "info";
};

int Run(const RunArgs& a) {
  const sc::Scenario& s = sc::GetScenario(a.scenario);
  sc::RunConfig c;
  c.seed = SeedArg(a.seed);
  c.strategy = StrategyArg(a.strategy);
  if (a.pct_depth < 1) {
    throw Usage(fmt::format("--pct-depth {} is not a depth: use 1 or more", a.pct_depth));
  }
  c.pct_depth = a.pct_depth;
  c.bugs = a.bugs;
  c.set = SettingsArg(a.set);
  c.log_level = LogLevelArg(a.log_level);
  sc::Resolve(s, c.bugs, c.set);  // usage errors before anything runs or is written
  const std::string command = sc::ReplayCommand(s, c);
  fmt::print("{}\n", command);
  std::fflush(stdout);
  sim::RunResult r;
  if (!a.trace.empty()) {
    std::ostringstream json;
    r = sc::RunAndWriteTrace(s, c, json);
    std::ofstream out(a.trace, std::ios::binary | std::ios::trunc);
    out << json.str();
    out.close();
    if (!out) {
      throw Usage(fmt::format("cannot write the trace to \"{}\"", a.trace));
    }
  } else {
    r = sc::RunScenario(s, c);
  }
  std::fflush(stderr);
  if (!r.Passed()) {
    fmt::print("{}", r.report);
  }
  if (!a.trace.empty()) {
    fmt::print("trace: {} (open in https://ui.perfetto.dev; replay with: bubble replay {})\n",
               a.trace, a.trace);
  }
  fmt::print("fingerprint: {}\nresult: {}\n", r.FingerprintHex(), r.Passed() ? "pass" : "fail");
  return r.Passed() ? kPass : kFail;
}

// ---- replay -------------------------------------------------------------------------------

int Replay(const std::string& file, const std::string& log_level) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Usage(fmt::format("cannot read trace file \"{}\"", file));
  }
  std::stringstream text;
  text << in.rdbuf();
  sc::RecordedRun rec;
  try {
    rec = sc::ParseTrace(text.str());
  } catch (const sc::ConfigError& e) {
    throw Usage(fmt::format("{}: {}", file, e.what()));
  }
  sc::RunConfig c = rec.config;
  const std::string original = sc::ReplayCommand(*rec.scenario, c);
  c.strategy = sim::StrategyKind::kReplay;
  c.trace = sim::TraceMode::kFull;
  c.log_level = LogLevelArg(log_level);
  c.replay_command = "bubble replay " + file;
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
  int pct_depth = 3;
  std::vector<std::string> bugs;
  std::vector<std::string> set;
  int jobs = 0;
  std::string shard;
  std::string junit;
  int check_determinism = 0;
};

std::string StrategyLabel(const SweepItem& item) {
  return item.strategy == sim::StrategyKind::kPct ? fmt::format("pct d={}", item.pct_depth)
                                                  : std::string(sim::StrategyName(item.strategy));
}

int Sweep(const SweepArgs& a) {
  SweepSpec spec;
  if (a.all == !a.scenario.empty()) {
    throw Usage("sweep needs a SCENARIO or --all (not both)");
  }
  if (a.with_bugs && !a.all) {
    throw Usage("--with-bugs goes with --all (for one scenario, use --bug NAME)");
  }
  if (a.all) {
    for (const sc::Scenario& s : sc::AllScenarios()) {
      spec.scenarios.push_back(&s);
    }
    if (!a.bugs.empty()) {
      throw Usage("--bug needs a SCENARIO (with --all, use --with-bugs)");
    }
  } else {
    spec.scenarios.push_back(&sc::GetScenario(a.scenario));
  }
  const auto range = ParseSeedRange(a.seeds);
  if (!range) {
    throw Usage(fmt::format("--seeds \"{}\" is not a seed range: use A..B with A <= B", a.seeds));
  }
  spec.seeds = *range;
  if (!a.strategy.empty()) {
    spec.strategy = StrategyArg(a.strategy);
  }
  if (a.pct_depth < 1) {
    throw Usage(fmt::format("--pct-depth {} is not a depth: use 1 or more", a.pct_depth));
  }
  spec.pct_depth = a.pct_depth;
  if (!a.shard.empty()) {
    const auto shard = ParseShard(a.shard);
    if (!shard) {
      throw Usage(fmt::format("--shard \"{}\" is not a shard: use I/N with 0 <= I < N", a.shard));
    }
    spec.shard = *shard;
  }
  if (a.check_determinism < 0 || a.check_determinism > 100) {
    throw Usage(
        fmt::format("--check-determinism {} is not a percentage: use 0..100", a.check_determinism));
  }
  spec.check_determinism_percent = a.check_determinism;
  spec.bugs = a.bugs;
  spec.set = SettingsArg(a.set);
  spec.with_bugs = a.with_bugs;
  if (a.jobs < 0) {
    throw Usage(fmt::format("--jobs {} is not a number of workers: use 1 or more (0: one per CPU)",
                            a.jobs));
  }
  const int jobs =
      a.jobs > 0 ? a.jobs : std::max(1, static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)));
  const SweepPlan plan = PlanSweep(spec);  // ConfigError for bad bugs / options

  fmt::print("sweep: {} group(s), {} runs, seeds {}..{}{}, strategy {}, {} job(s){}\n",
             plan.groups.size(), plan.items.size(), spec.seeds.first, spec.seeds.last,
             a.shard.empty() ? "" : fmt::format(" (shard {})", a.shard),
             spec.strategy ? std::string(sim::StrategyName(*spec.strategy))
                           : fmt::format("portfolio ({})", sc::PortfolioDescription()),
             jobs,
             a.check_determinism > 0
                 ? fmt::format(", determinism check on {}% of seeds", a.check_determinism)
                 : "");
  std::fflush(stdout);
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  ExecuteOptions eo;
  eo.jobs = jobs;
  const std::size_t total = plan.items.size();
  if (tty) {
    eo.progress = [total](std::size_t done, std::size_t failed) {
      std::fprintf(stderr, "\r[%zu/%zu] %zu failed", done, total, failed);
      std::fflush(stderr);
    };
  }
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
        if (!outcomes[g].found_at) {
          c.failure_message = fmt::format(
              "planted bug {} was not found within its budget of {} "
              "seeds",
              *group.hunt, group.budget);
        }
        suite.cases.push_back(std::move(c));
      } else {
        for (std::size_t i = 0; i < plan.items.size(); ++i) {
          if (plan.items[i].group != g || results[i].state == ItemState::kSkipped) {
            continue;
          }
          JUnitCase c{.classname = classname,
                      .name = fmt::format("seed {} ({})", plan.items[i].seed,
                                          StrategyLabel(plan.items[i]))};
          if (results[i].state == ItemState::kFailed) {
            c.failure_message = results[i].message;
            c.failure_text = results[i].report + "replay: " + RunCommandFor(plan, plan.items[i]);
          }
          suite.cases.push_back(std::move(c));
        }
      }
      suites.push_back(std::move(suite));
    }
    std::ofstream out(a.junit, std::ios::binary | std::ios::trunc);
    WriteJUnit(out, suites);
    out.close();
    if (!out) {
      std::fprintf(stderr, "bubble: error: cannot write JUnit XML to \"%s\"\n", a.junit.c_str());
      return kUsage;
    }
  }
  return ok ? kPass : kFail;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"bubble: deterministic simulation testing of Kubernetes-style controllers",
               "bubble"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Every command's help");

  app.add_subcommand("list", "List scenarios, their options and planted bugs (with seed budgets)");

  RunArgs run;
  CLI::App* run_cmd = app.add_subcommand("run", "Run one scenario once, with its log");
  run_cmd->add_option("scenario", run.scenario, "Scenario name (bubble list)")->required();
  run_cmd->add_option("--seed", run.seed, "Seed (default 1)");
  run_cmd->add_option("--strategy", run.strategy, "fifo|random|pct (default random)");
  run_cmd->add_option("--pct-depth", run.pct_depth, "PCT depth d (default 3)");
  run_cmd->add_option("--bug", run.bugs, "Plant a bug (repeatable)");
  run_cmd->add_option("--set", run.set, "Set an option KEY=VALUE (repeatable)");
  run_cmd->add_option("--trace", run.trace, "Write the run as Chrome trace JSON (replayable)");
  run_cmd->add_option("--log-level", run.log_level,
                      "Log lines shown: trace|debug|info|warn|error|off (default info)");

  SweepArgs sweep;
  CLI::App* sweep_cmd = app.add_subcommand("sweep", "Run a scenario over many seeds, in parallel");
  sweep_cmd->add_option("scenario", sweep.scenario, "Scenario name");
  sweep_cmd->add_flag("--all", sweep.all, "Sweep every scenario (correct variants)");
  sweep_cmd->add_flag("--with-bugs", sweep.with_bugs,
                      "With --all: also hunt each planted bug within its seed budget");
  sweep_cmd->add_option("--seeds", sweep.seeds, "Seed range A..B (default 1..100)");
  sweep_cmd->add_option("--strategy", sweep.strategy,
                        "fifo|random|pct (default: the random/pct portfolio)");
  sweep_cmd->add_option("--pct-depth", sweep.pct_depth, "PCT depth with --strategy pct");
  sweep_cmd->add_option("--bug", sweep.bugs, "Plant a bug (repeatable)");
  sweep_cmd->add_option("--set", sweep.set, "Set an option KEY=VALUE (repeatable)");
  sweep_cmd->add_option("--jobs,-j", sweep.jobs, "Worker processes (default: one per CPU)");
  sweep_cmd->add_option("--shard", sweep.shard, "Run shard I/N: seeds s with s % N == I");
  sweep_cmd->add_option("--junit", sweep.junit, "Write JUnit XML");
  sweep_cmd->add_option("--check-determinism", sweep.check_determinism,
                        "Rerun P% of seeds and compare fingerprints");

  std::string replay_file;
  std::string replay_log_level = "info";
  CLI::App* replay_cmd =
      app.add_subcommand("replay", "Rerun a trace written by run --trace from its decisions");
  replay_cmd->add_option("file", replay_file, "Trace file")->required();
  replay_cmd->add_option("--log-level", replay_log_level, "Log lines shown (default info)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      return app.exit(e);
    }
    std::fprintf(stderr, "bubble: error: %s\n", e.what());
    return kUsage;
  }
  try {
    if (app.got_subcommand("list")) {
      return List();
    }
    if (app.got_subcommand(run_cmd)) {
      return Run(run);
    }
    if (app.got_subcommand(sweep_cmd)) {
      return Sweep(sweep);
    }
    return Replay(replay_file, replay_log_level);
  } catch (const Usage& e) {
    std::fprintf(stderr, "bubble: error: %s\n", e.what());
    return kUsage;
  } catch (const sc::ConfigError& e) {
    std::fprintf(stderr, "bubble: error: %s\n", e.what());
    return kUsage;
  }
}

}  // namespace bubble::tools
