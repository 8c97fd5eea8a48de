// tools/src/cli.cc
#include "bubble/cli/cli.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <bubble/scenarios/convergence.h>
#include <bubble/scenarios/registry.h>
#include <bubble/scenarios/run.h>
#include <bubble/sim/shell_word.h>
#include <bubble/sim/trace_file.h>

#include "apiserver_command.h"
#include "convergence_tally.h"
#include "cut_text.h"
#include "fingerprints.h"
#include "hunt.h"
#include "interrupt.h"
#include "junit.h"
#include "order_coverage.h"
#include "ordered_results.h"
#include "progress.h"
#include "seed_range.h"
#include "serve_run.h"
#include "shard_env.h"
#include "shrink_command.h"
#include "sweep.h"
#include "sweep_tally.h"
#include <sys/resource.h>
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

constexpr std::string_view kCommands[] = {"list", "run",    "sweep",    "replay",
                                          "hunt", "shrink", "apiserver"};

// PCT draws depth-1 change points among the first pct_horizon (100) scheduling decisions: past a
// depth of about 100 more change points only pile up on the same decisions, and each costs the
// run memory and time up front. 1000 leaves room for a longer horizon; 2^31 would allocate 16 GB.
constexpr int kMaxPctDepth = 1000;
// Worker processes. Each costs memory, a process slot and an open file (checked against the
// open-file limit separately); beyond a few thousand a sweep only thrashes.
constexpr int kMaxJobs = 4096;

// Everything written to stdout goes through Print, which never throws: fmt::print throws on a
// full disk or a closed pipe and the process aborted. Errors are checked once at the end
// (CheckStdout), and reported as one line with exit 2.
// The errno of the first failed write to stdout, or 0.
int& StdoutError() {
  static int error = 0;
  return error;
}

template <typename... Args>
void Print(fmt::format_string<Args...> format, Args&&... args) {
  const std::string text = fmt::format(format, std::forward<Args>(args)...);
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() && StdoutError() == 0) {
    StdoutError() = errno;
  }
}

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
      return ParseSmallInt(v, 1, kMaxPctDepth)
                 ? ""
                 : fmt::format("\"{}\" is not a depth: use 1..{} (PCT's limit here)", v,
                               kMaxPctDepth);
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
      return ParseSmallInt(v, 0, kMaxJobs)
                 ? ""
                 : fmt::format("\"{}\" is not a number of workers: use 1..{} (0: one per CPU)", v,
                               kMaxJobs);
    },
    "J");

const CLI::Validator kSaturation = Check(
    [](const std::string& v) {
      const auto n = ParseSeed(v);
      return n && *n > 0 ? "" : fmt::format("\"{}\" is not a number of seeds: use 1 or more", v);
    },
    "N");

const CLI::Validator kStepLimit = Check(
    [](const std::string& v) {
      const auto n = ParseSeed(v);
      return n && *n > 0 ? "" : fmt::format("\"{}\" is not a step limit: use 1 or more", v);
    },
    "STEPS");

constexpr int kMaxHuntCount = 100000;

const CLI::Validator kHuntCount = Check(
    [](const std::string& v) {
      return ParseSmallInt(v, 1, kMaxHuntCount)
                 ? ""
                 : fmt::format("\"{}\" is not a count: use 1 to {}", v, kMaxHuntCount);
    },
    "N");

const CLI::Validator kPreempt = Check(
    [](const std::string& v) {
      return sim::ParsePreemptSet(v)
                 ? ""
                 : fmt::format(
                       "\"{}\" is not a set of preemption points: use a comma-separated "
                       "list of api, cache, locks, queue, or all, or none",
                       v);
    },
    "KINDS");

const CLI::Validator kPctHorizon = Check(
    [](const std::string& v) {
      const auto n = ParseSeed(v);
      return n && *n > 0 ? ""
                         : fmt::format(
                               "\"{}\" is not a pct horizon: use 1 or more decisions "
                               "(leave it out to measure it)",
                               v);
    },
    "DECISIONS");

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

// --real-time-budget: a duration, or 0 / off for none.
std::optional<std::chrono::milliseconds> ParseRealTimeBudget(const std::string& v) {
  if (v == "0" || v == "off") {
    return std::chrono::milliseconds::zero();
  }
  const std::optional<sim::Duration> d = sc::ParseDuration(v);
  if (!d || *d < std::chrono::milliseconds(1)) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

const CLI::Validator kRealTimeBudget = Check(
    [](const std::string& v) {
      return ParseRealTimeBudget(v)
                 ? ""
                 : fmt::format(
                       "\"{}\" is not a real-time budget: use a duration of at least 1ms "
                       "(e.g. 30s, 10m) or 0 for none",
                       v);
    },
    "DURATION");

const CLI::Validator kAttempts = Check(
    [](const std::string& v) {
      const auto n = ParseSeed(v);
      return n && *n > 0 ? "" : fmt::format("\"{}\" is not a number of attempts: use 1 or more", v);
    },
    "N");

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

// The arguments every running command shares: how runs explore and their limits.
struct LimitArgs {
  std::string preempt;
  std::string pct_horizon;
  std::string step_limit;
  std::string time_limit;
  std::string real_time_budget;

  void Add(CLI::App* cmd) {
    cmd->add_option("--preempt", preempt,
                    "Where a running fiber may be preempted: a comma-separated list of api "
                    "(requests), cache (informer cache reads), locks (mutexes, notifies), queue "
                    "(workqueue calls); all or none (default all)")
        ->check(kPreempt)
        ->type_name("KINDS");
    cmd->add_option("--pct-horizon", pct_horizon,
                    "Decisions among which PCT draws its change points (default: measured, the "
                    "decisions of a fifo run of seed 1)")
        ->check(kPctHorizon)
        ->type_name("N");
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
    cmd->add_option("--real-time-budget", real_time_budget,
                    "Real time one run may take before it fails with what kept it going, e.g. "
                    "30s, 10m; 0: none (default 120s)")
        ->check(kRealTimeBudget)
        ->type_name("DURATION");
  }

  void Apply(sc::RunConfig& c) const {
    if (!preempt.empty()) {
      c.preempt = sim::ParsePreemptSet(preempt);
    }
    if (!pct_horizon.empty()) {
      c.pct_horizon = ParseSeed(pct_horizon);
    }
    if (!step_limit.empty()) {
      c.step_limit = ParseSeed(step_limit);
    }
    if (!time_limit.empty()) {
      c.time_limit = sc::ParseDuration(time_limit);
    }
    if (!real_time_budget.empty()) {
      c.real_time_budget = ParseRealTimeBudget(real_time_budget);
    }
  }
};

// ---- list ---------------------------------------------------------------------------------

int List(const Scenarios& scenarios) {
  for (const sc::Scenario* sp : scenarios.All()) {
    const sc::Scenario& s = *sp;
    Print("{}{}\n  {}\n", s.name, s.catalogue.empty() ? "" : fmt::format(" ({})", s.catalogue),
          s.description);
    if (!s.options.empty()) {
      Print("  options (--set KEY=VALUE):\n");
      for (const sc::OptionSpec& o : s.options) {
        Print("    {}={} [{}]  {}\n", o.key, o.default_value, o.AllowedText(), o.description);
      }
    }
    if (!s.bugs.empty()) {
      Print("  planted bugs (--bug NAME):\n");
      for (const sc::BugSpec& b : s.bugs) {
        Print("    {}  found within {} seeds: {}\n", b.name, b.seed_budget, b.description);
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
  ServeRunArgs serve;
};

int Run(const Scenarios& scenarios, const std::string& program, const RunArgs& a,
        const NetworkCommands* network) {
  const sc::Scenario& s = scenarios.Get(a.scenario);
  sc::RunConfig c;
  c.seed = *ParseSeed(a.seed);
  c.strategy = *sim::ParseStrategy(a.strategy);
  c.pct_depth = *ParseSmallInt(a.pct_depth, 1, kMaxPctDepth);
  c.bugs = a.bugs;
  c.set = SettingsArg(a.set);
  c.log_level = *sim::ParseLogLevel(a.log_level);
  c.program = program;
  a.limits.Apply(c);
  const sc::ResolvedRun run = sc::ResolveRun(s, c);  // usage errors before anything runs
  std::optional<RunServer> server;
  if (a.serve.Wanted()) {
    server.emplace(a.serve, network);
  }
  Print("{}\n", run.Command());
  std::fflush(stdout);
  sim::RunResult r;
  if (!a.trace.empty()) {
    std::ostringstream json;
    r = server ? server->Run(run, &json) : sc::RunAndWriteTrace(run, json);
    std::ofstream out(a.trace, std::ios::binary | std::ios::trunc);
    out << json.str();
    out.close();
    if (!out) {
      std::fflush(stderr);
      if (!r.Passed()) {
        Print("{}", r.report);
      }
      Print("fingerprint: {}\nresult: {}\n", r.FingerprintHex(), r.Passed() ? "pass" : "fail");
      std::fflush(stdout);
      throw Usage(fmt::format("cannot write the trace to \"{}\"", a.trace));
    }
  } else {
    r = server ? server->Run(run, nullptr) : sc::RunScenario(run);
  }
  std::fflush(stderr);
  if (!r.Passed()) {
    Print("{}", r.report);
  }
  if (!a.trace.empty()) {
    Print("trace: {} (open in https://ui.perfetto.dev; replay with: {} replay {})\n", a.trace,
          sim::ShellWord(program), sim::ShellWord(a.trace));
  }
  Print("fingerprint: {}\nresult: {}\n", r.FingerprintHex(), r.Passed() ? "pass" : "fail");
  if (server) {
    std::fflush(stdout);
    if (const std::optional<int> failed = server->Serve(r)) {
      return *failed;
    }
  }
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

// Reads the trace `file` of a run this program can rerun (replay, shrink).
sc::RecordedRun ReadTrace(const Scenarios& scenarios, const std::string& program,
                          const std::string& file) {
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
  return rec;
}

int Replay(const Scenarios& scenarios, const std::string& program, const std::string& file,
           const std::string& log_level) {
  const sc::RecordedRun rec = ReadTrace(scenarios, program, file);
  sc::RunConfig c = rec.config;
  c.program = program;
  const std::string original = sc::ResolveRun(*rec.scenario, c).Command();
  c.strategy = sim::StrategyKind::kReplay;
  c.trace = sim::TraceMode::kFull;
  c.log_level = *sim::ParseLogLevel(log_level);
  c.replay_command = sim::ShellWord(program) + " replay " + sim::ShellWord(file);
  // A shrunk trace records strategy "replay": its decisions, not a seed, make its order.
  Print("replaying {} decisions {}of: {}\n", rec.config.replay.size(),
        rec.config.strategy == sim::StrategyKind::kReplay ? "(a schedule no seed reruns) " : "",
        original);
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
    Print("{}", r.report);
  }
  const bool matches = r.fingerprint == rec.fingerprint;
  if (matches) {
    Print("fingerprint: {} (matches)\n", r.FingerprintHex());
  } else {
    Print("fingerprint: {} (recorded {}: MISMATCH)\n", r.FingerprintHex(),
          sim::FormatFingerprint(rec.fingerprint));
    Print("{}\n", sc::FirstDivergence(rec.records, rec.fiber_names, events, names)
                      .value_or("the trace records are identical"));
  }
  Print("result: {}\n", r.Passed() ? "pass" : "fail");
  return matches ? kPass : kFail;
}

// ---- shrink -------------------------------------------------------------------------------

struct ShrinkArgs {
  std::string file;
  std::string out;  // empty: ShrunkTracePath(file)
  std::string time_budget = "60s";
  std::string max_attempts = "5000";
};

int Shrink(const Scenarios& scenarios, const std::string& program, const ShrinkArgs& a) {
  ShrinkRequest request;
  request.trace_file = a.file;
  request.out_file = a.out.empty() ? sim::ShrunkTracePath(a.file) : a.out;
  if (std::string why = kWritableFile(request.out_file); !why.empty()) {
    throw Usage(why);
  }
  request.program = program;
  request.options.time_budget = *ParseRealTimeBudget(a.time_budget);
  request.options.max_attempts = *ParseSeed(a.max_attempts);
  const sc::RecordedRun rec = ReadTrace(scenarios, program, a.file);
  try {
    return RunShrink(rec, request, [](std::string_view text) {
      Print("{}", text);
      std::fflush(stdout);
    });
  } catch (const sc::ConfigError& e) {
    throw Usage(fmt::format("{}: {}", a.file, e.what()));
  }
}

// ---- hunt ---------------------------------------------------------------------------------

struct HuntArgs {
  std::string scenario;
  bool all = false;
  std::vector<std::string> bugs;
  std::vector<std::string> set;
  std::string windows = "10";
  std::string window_size = "100";
  std::string jobs = "0";
  bool markdown = false;
  std::vector<std::string> pct_depths;
  LimitArgs limits;
};

int RunHunt(const Scenarios& scenarios, const HuntArgs& a) {
  if (a.all == !a.scenario.empty()) {
    throw Usage("hunt needs a SCENARIO or --all (not both)");
  }
  HuntSpec spec;
  const std::vector<const sc::Scenario*> chosen =
      a.all ? scenarios.All() : std::vector<const sc::Scenario*>{&scenarios.Get(a.scenario)};
  for (const sc::Scenario* s : chosen) {
    if (a.all || a.bugs.empty()) {
      for (const sc::BugSpec& b : s->bugs) {
        spec.bugs.emplace_back(s, b.name);
      }
    } else {
      for (const std::string& b : a.bugs) {
        spec.bugs.emplace_back(s, b);
      }
    }
  }
  if (spec.bugs.empty()) {
    throw Usage(
        fmt::format("{} has no planted bugs to hunt: pick a scenario that `list` shows "
                    "with planted bugs",
                    a.all ? std::string("the program") : a.scenario));
  }
  spec.windows = *ParseSmallInt(a.windows, 1, kMaxHuntCount);
  spec.window_size = *ParseSmallInt(a.window_size, 1, kMaxHuntCount);
  const int jobs = *ParseSmallInt(a.jobs, 0, kMaxJobs);
  spec.jobs = jobs > 0 ? jobs : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  spec.markdown = a.markdown;
  for (const std::string& d : a.pct_depths) {
    spec.pct_depths.push_back(*ParseSmallInt(d, 1, kMaxPctDepth));
  }
  spec.base.set = SettingsArg(a.set);
  a.limits.Apply(spec.base);
  for (const auto& [s, bug] : spec.bugs) {  // usage errors before anything runs
    sc::RunConfig c = spec.base;
    c.bugs = {bug};
    sc::ResolveRun(*s, c);
  }
  return Hunt(spec);
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
  std::string fingerprints;
  std::string check_determinism = "0";
  std::string progress_interval = "10";
  bool coverage = false;
  std::string coverage_json;
  std::string until_saturated;
  bool check_convergence = false;
  LimitArgs limits;
};

// --jobs against the open-file limit: each worker costs the sweep one descriptor (its result
// pipe; two while it starts), on top of what the sweep holds itself (stdio, the files it
// writes, the interrupt pipe). Raises the soft limit toward the hard one when that is enough.
struct FileBudget {
  std::uint64_t limit = 0;    // RLIMIT_NOFILE's soft limit (after raising it), or 0: unlimited
  std::uint64_t reserve = 0;  // descriptors the sweep needs besides its workers
};

std::uint64_t OpenDescriptors() {
  std::uint64_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (const dirent* e = ::readdir(d)) {
      n += e->d_name[0] != '.' ? 1 : 0;
    }
    ::closedir(d);
    return n > 0 ? n - 1 : 3;  // not the directory's own descriptor
  }
  return 3;
}

FileBudget BudgetFor(int jobs) {
  // Besides what is open now: the interrupt pipe (2), --fingerprints and --junit (2), and a
  // starting worker's write end (1).
  FileBudget b{.limit = 0, .reserve = OpenDescriptors() + 5};
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) {
    return b;
  }
  const std::uint64_t want = b.reserve + static_cast<std::uint64_t>(jobs) + 1;
  if (rl.rlim_cur < want && (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > rl.rlim_cur)) {
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? want : std::min<rlim_t>(want, rl.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
  }
  b.limit = rl.rlim_cur;
  return b;
}

int JobsWithinFileLimit(int requested, int cpus) {
  const int jobs = requested > 0 ? requested : cpus;
  const FileBudget b = BudgetFor(jobs);
  if (b.limit == 0 || b.reserve + static_cast<std::uint64_t>(jobs) + 1 <= b.limit) {
    return jobs;
  }
  const std::uint64_t fit = b.limit > b.reserve + 1 ? b.limit - b.reserve - 1 : 0;
  if (fit == 0) {
    throw Usage(fmt::format(
        "the open-file limit is {}, too low for a sweep (one worker needs {}): raise it "
        "(ulimit -n {})",
        b.limit, b.reserve + 2, b.reserve + 2 + static_cast<std::uint64_t>(jobs) - 1));
  }
  if (requested > 0) {
    throw Usage(fmt::format(
        "--jobs {} needs {} open files but the open-file limit is {}: use --jobs {} or fewer, "
        "or raise the limit (ulimit -n {})",
        jobs, b.reserve + static_cast<std::uint64_t>(jobs) + 1, b.limit, fit,
        b.reserve + static_cast<std::uint64_t>(jobs) + 1));
  }
  // One per CPU was only a default: fit it to the limit, and say so.
  std::fprintf(stderr,
               "bubble: note: %d job(s) instead of one per CPU (%d): the open-file limit is %llu "
               "(ulimit -n)\n",
               static_cast<int>(fit), cpus, static_cast<unsigned long long>(b.limit));
  return static_cast<int>(fit);
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

void PrintSweepResults(const SweepPlan& plan, const SweepTally& tally, bool interrupted) {
  std::uint64_t passed = 0;
  std::uint64_t failed = 0;
  for (std::size_t g = 0; g < plan.groups.size(); ++g) {
    const SweepGroup& group = plan.groups[g];
    const GroupTally& t = tally.Group(g);
    if (group.hunt) {
      if (t.found_at) {
        Print("  {} --bug {}: found at seed {} (budget {})\n", group.scenario->name, *group.hunt,
              *t.found_at, group.budget);
      } else if (interrupted && t.passed + t.failed < group.budget) {
        Print("  {} --bug {}: not found in the {} of {} seeds run before the interrupt\n",
              group.scenario->name, *group.hunt, t.passed + t.failed, group.budget);
      } else {
        Print("  {} --bug {}: NOT FOUND within {} seeds\n", group.scenario->name, *group.hunt,
              group.budget);
      }
      continue;
    }
    Print("  {}: {} passed, {} failed\n", group.Label(), t.passed, t.failed);
    passed += t.passed;
    failed += t.failed;
  }
  Print("{} passed, {} failed\n", passed, failed);
  const std::vector<TalliedRun> first = tally.FirstFailures();
  if (!first.empty()) {
    Print("first failing seeds:\n");
    for (const TalliedRun& run : first) {
      Print("  seed {} ({}): {}\n    {}\n", run.item.seed, StrategyLabel(run.item),
            FirstLine(run.message), RunCommandFor(plan, run.item));
    }
  }
}

// On stderr: informational, and never part of what a script reads.
void PrintSlowest(const SweepPlan& plan, const SweepTally& tally) {
  const std::vector<TalliedRun> slowest = tally.Slowest();
  if (slowest.empty()) {
    return;
  }
  std::string text = "slowest runs (wall time):\n";
  for (const TalliedRun& run : slowest) {
    text += fmt::format("  {:.3f}s  {}\n", run.seconds, RunCommandFor(plan, run.item));
  }
  std::fputs(text.c_str(), stderr);
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
    if (a.check_convergence) {
      if (const std::string why = sc::ConvergenceUsage(*spec.scenarios.back()); !why.empty()) {
        throw Usage(why);
      }
    }
  }
  // With --all, --check-convergence checks the convergent scenarios (Scenario::convergent).
  spec.check_convergence = a.check_convergence;
  spec.seeds = *ParseSeedRange(a.seeds);
  if (!a.strategy.empty()) {
    spec.strategy = *sim::ParseStrategy(a.strategy);
  }
  spec.pct_depth = *ParseSmallInt(a.pct_depth, 1, kMaxPctDepth);
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
  spec.real_time_budget = limits.real_time_budget;
  spec.preempt = limits.preempt;
  spec.pct_horizon = limits.pct_horizon;
  if (!a.fingerprints.empty() && !a.junit.empty() && a.fingerprints == a.junit) {
    throw Usage("--fingerprints and --junit name the same file: give each its own");
  }
  const std::uint64_t until_saturated =
      a.until_saturated.empty() ? 0 : *ParseSeed(a.until_saturated);
  spec.coverage = a.coverage || !a.coverage_json.empty() || until_saturated > 0;
  if (!a.coverage_json.empty() &&
      (a.coverage_json == a.junit || a.coverage_json == a.fingerprints)) {
    throw Usage(
        "--coverage-json names the same file as --junit or --fingerprints: give each its "
        "own");
  }
  if (until_saturated > 0 && !a.fingerprints.empty()) {
    throw Usage(
        "--until-saturated stops a sweep at a seed it finds, --fingerprints records every seed of "
        "the range: use one of them");
  }
  const SweepPlan plan = PlanSweep(spec);  // ConfigError for bad bugs, options or limits
  const int jobs = JobsWithinFileLimit(
      *ParseSmallInt(a.jobs, 0, kMaxJobs),
      std::clamp(static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)), 1, kMaxJobs));

  // Every argument is checked: from here on, files are written.
  std::ofstream fingerprint_out;
  std::optional<FingerprintFile> fingerprints;
  if (!a.fingerprints.empty()) {
    fingerprint_out.open(a.fingerprints, std::ios::binary | std::ios::trunc);
    if (!fingerprint_out) {
      throw Usage(fmt::format("cannot write fingerprints to {}", sim::ShellWord(a.fingerprints)));
    }
    fingerprints.emplace(plan, fingerprint_out);
  }

  Print("sweep: {} group(s), {} runs, seeds {}..{}{}, strategy {}, {} job(s){}\n",
        plan.groups.size(), plan.runs, spec.seeds.first, spec.seeds.last,
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
  ProgressMeter meter(plan.runs, tty, Seconds(std::strtod(a.progress_interval.c_str(), nullptr)),
                      now());
  SweepTally tally(plan);
  InterruptWatch interrupt;
  ExecuteOptions eo;
  eo.jobs = jobs;
  eo.interrupt = &interrupt;
  // With --coverage, results are taken in seed order (OrderedResults): --until-saturated stops
  // a variant at a seed that depends on the seeds only, and what it ran is the same for any
  // --jobs.
  std::optional<OrderCoverage> coverage;
  std::optional<OrderedResults> ordered;
  ConvergenceTally convergence(plan);
  auto take = [&](const SweepItem& item, ItemResult&& r) {
    if (fingerprints) {
      fingerprints->Add(item, r.fingerprint);
    }
    convergence.Add(item, r.state_hash);
    if (coverage && !plan.groups[item.group].hunt && coverage->Add(item, r.orders)) {
      ordered->Stop(item.group);
    }
    tally.Add(item, std::move(r));
  };
  if (until_saturated > 0) {
    // A stop takes effect between batches: batches as long as the saturation window bound the
    // seeds run past the stopping one to about --jobs windows (not up to 16k seeds per worker).
    eo.batch_size = until_saturated;
  }
  if (spec.coverage) {
    coverage.emplace(plan, until_saturated);
    ordered.emplace(plan, take);
    eo.on_result = [&ordered](const SweepItem& item, ItemResult&& r) {
      ordered->Add(item, std::move(r));
    };
    eo.skip_group = [&ordered](std::size_t g) { return ordered->Stopped(g); };
  } else {
    eo.on_result = take;
  }
  eo.may_start = [&fingerprints, &ordered] {
    return !(fingerprints && fingerprints->HoldingTooMany()) &&
           !(ordered && ordered->HoldingTooMany());
  };
  eo.progress = [&meter, &now](std::uint64_t done, std::uint64_t failed) {
    if (const auto line = meter.Update(done, failed, now())) {
      std::fputs(line->c_str(), stderr);
      std::fflush(stderr);
    }
  };
  const ExecuteSummary summary = ExecuteSweep(plan, RunItem, eo);
  if (ordered && summary.interrupted_by != 0) {
    ordered->Flush();
  }
  if (tty) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }

  std::string incomplete;
  if (summary.interrupted_by != 0) {
    incomplete = fmt::format("interrupted by {} after {} of {} runs",
                             SignalName(summary.interrupted_by), summary.done, plan.runs);
  }
  PrintSweepResults(plan, tally, summary.interrupted_by != 0);
  if (coverage) {
    Print("{}", CoverageText(plan, *coverage, until_saturated));
  }
  if (spec.check_convergence) {
    Print("{}", convergence.Text());
  }
  PrintSlowest(plan, tally);

  int code = kPass;
  for (std::size_t g = 0; g < plan.groups.size(); ++g) {
    code = tally.Ok(g) && convergence.Ok(g) ? code : kFail;
  }
  if (fingerprints) {
    if (!incomplete.empty()) {
      fingerprints->MarkIncomplete(incomplete);
    }
    fingerprint_out.close();
    if (!fingerprint_out) {
      std::fprintf(stderr, "bubble: error: cannot write fingerprints to %s\n",
                   sim::ShellWord(a.fingerprints).c_str());
      code = kUsage;
    }
  }
  if (!a.junit.empty()) {
    std::ofstream out(a.junit, std::ios::binary | std::ios::trunc);
    std::vector<JUnitSuite> suites = SweepJUnit(plan, tally, incomplete);
    for (std::size_t g = 0; coverage && g < plan.groups.size(); ++g) {
      if (!plan.groups[g].hunt) {
        for (auto& property : CoverageProperties(*coverage, g)) {
          suites[g].properties.push_back(std::move(property));
        }
      }
    }
    WriteJUnit(out, suites);
    out.close();
    if (!out) {
      // Checked before the sweep; this is a disk that filled up or a path that vanished since.
      std::fprintf(stderr, "bubble: error: cannot write JUnit XML to %s\n",
                   sim::ShellWord(a.junit).c_str());
      code = kUsage;
    }
  }
  if (coverage && !a.coverage_json.empty()) {
    std::ofstream out(a.coverage_json, std::ios::binary | std::ios::trunc);
    WriteCoverageJson(out, plan, *coverage, until_saturated);
    out.close();
    if (!out) {
      std::fprintf(stderr, "bubble: error: cannot write the order coverage to %s\n",
                   sim::ShellWord(a.coverage_json).c_str());
      code = kUsage;
    }
  }
  if (summary.interrupted_by != 0) {
    std::fprintf(stderr, "bubble: sweep %s; its workers are stopped%s\n", incomplete.c_str(),
                 a.junit.empty() ? "" : ", the JUnit file says it is incomplete");
    return 128 + summary.interrupted_by;
  }
  return code;
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
  const std::string help = sim::ShellWord(self) + " --help";
  if (argc <= 1) {
    throw Usage(fmt::format(
        "a command is required: list, run, sweep, replay, hunt, shrink or apiserver ({})", help));
  }
  const std::string_view first = argv[1];
  if (!first.starts_with('-') &&
      std::find(std::begin(kCommands), std::end(kCommands), first) == std::end(kCommands)) {
    throw Usage(fmt::format(
        "unknown command \"{}\": use list, run, sweep, replay, hunt, shrink or apiserver ({})",
        first, help));
  }
  constexpr std::string_view kGlobalFlags[] = {"-h", "--help", "--help-all", "--version"};
  if (first.starts_with('-') && std::find(std::begin(kGlobalFlags), std::end(kGlobalFlags),
                                          first) == std::end(kGlobalFlags)) {
    throw Usage(fmt::format(
        "unknown option \"{}\" before the command: put a command first (list, run, sweep, replay, "
        "hunt, shrink or apiserver), its options after it ({} COMMAND --help)",
        first, sim::ShellWord(self)));
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
  run.serve.Add(run_cmd);

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
      ->add_option("--fingerprints", sweep.fingerprints,
                   "Write each run's fingerprint, one line per run in seed order (golden files)")
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
  sweep_cmd->add_flag("--coverage", sweep.coverage,
                      "Report order coverage: which conflicting operations ran in both orders");
  sweep_cmd
      ->add_option("--coverage-json", sweep.coverage_json,
                   "Write the order coverage as JSON (implies --coverage)")
      ->check(kWritableFile)
      ->type_name("FILE");
  sweep_cmd
      ->add_option("--until-saturated", sweep.until_saturated,
                   "Stop each scenario variant after N seeds in a row without a new order "
                   "(implies --coverage)")
      ->check(kSaturation)
      ->type_name("N");
  sweep_cmd->add_flag("--check-convergence", sweep.check_convergence,
                      "Every passing seed of a convergent scenario must end in the same server "
                      "state (a diff of two seeds' states otherwise)");
  sweep.limits.Add(sweep_cmd);

  HuntArgs hunt;
  CLI::App* hunt_cmd =
      app.add_subcommand("hunt", "Measure how many seeds each strategy needs to find planted bugs");
  hunt_cmd->add_option("scenario", hunt.scenario, "Scenario name");
  hunt_cmd->add_flag("--all", hunt.all, "Every planted bug of every scenario");
  hunt_cmd->add_option("--bug", hunt.bugs, "A planted bug of SCENARIO (repeatable; default: all)")
      ->type_name("NAME");
  hunt_cmd->add_option("--set", hunt.set, "Set an option KEY=VALUE (repeatable)")
      ->type_name("KEY=VALUE");
  hunt_cmd->add_option("--windows", hunt.windows, "Disjoint seed windows (default 10)")
      ->check(kHuntCount)
      ->type_name("N");
  hunt_cmd->add_option("--window-size", hunt.window_size, "Seeds per window (default 100)")
      ->check(kHuntCount)
      ->type_name("N");
  hunt_cmd->add_option("--jobs,-j", hunt.jobs, "Threads (default: one per CPU)")
      ->check(kJobs)
      ->type_name("J");
  hunt_cmd->add_flag("--markdown", hunt.markdown, "Print one markdown table");
  hunt_cmd
      ->add_option("--pct-depths", hunt.pct_depths,
                   "PCT depths to measure on their own, comma-separated (default: the "
                   "portfolio's)")
      ->delimiter(',')
      ->check(kPctDepth)
      ->type_name("D,...");
  hunt.limits.Add(hunt_cmd);

  std::string replay_file;
  std::string replay_log_level = "info";
  CLI::App* replay_cmd =
      app.add_subcommand("replay", "Rerun a trace written by run --trace from its decisions");
  replay_cmd->add_option("file", replay_file, "Trace file")->required();
  replay_cmd->add_option("--log-level", replay_log_level, "Log lines shown (default info)")
      ->check(kLogLevel)
      ->type_name("LEVEL");

  ShrinkArgs shrink;
  CLI::App* shrink_cmd = app.add_subcommand(
      "shrink", "Shrink a failing trace to the fewest preemptions that fail the same way");
  shrink_cmd->add_option("file", shrink.file, "Trace file of a failing run (run --trace)")
      ->required();
  shrink_cmd
      ->add_option("--out", shrink.out, "Where the shrunk trace goes (default: FILE.shrunk.json)")
      ->check(kWritableFile)
      ->type_name("FILE");
  shrink_cmd
      ->add_option("--time-budget", shrink.time_budget,
                   "Real time the search may take, e.g. 30s, 5m; 0: none (default 60s)")
      ->check(kRealTimeBudget)
      ->type_name("DURATION");
  shrink_cmd
      ->add_option("--max-attempts", shrink.max_attempts,
                   "Reruns the search may make (default 5000)")
      ->check(kAttempts)
      ->type_name("N");

  ApiServerArgs apiserver;
  CLI::App* apiserver_cmd = app.add_subcommand(
      "apiserver", "Serve a fake API server over the Kubernetes API, live, for kubectl and tools");
  AddApiServerOptions(apiserver_cmd, apiserver);

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
    return Run(scenarios, self, run, program.network);
  }
  if (app.got_subcommand(sweep_cmd)) {
    return Sweep(scenarios, self, sweep);
  }
  if (app.got_subcommand(hunt_cmd)) {
    return RunHunt(scenarios, hunt);
  }
  if (app.got_subcommand(shrink_cmd)) {
    return Shrink(scenarios, self, shrink);
  }
  if (app.got_subcommand(apiserver_cmd)) {
    return ApiServer(program.network, apiserver);
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

// Whether everything written to stdout (Print, CLI11's help on std::cout) reached it; exit 2 with
// one line on stderr when not (a full disk, `> /dev/full`, a closed pipe).
int CheckStdout(int code) {
  std::cout.flush();
  errno = 0;
  const bool failed = std::fflush(stdout) != 0 || std::ferror(stdout) != 0 || !std::cout;
  if (!failed) {
    return code;
  }
  const int err = StdoutError() != 0 ? StdoutError() : errno;
  std::fprintf(stderr, "bubble: error: cannot write to standard output%s%s\n", err != 0 ? ": " : "",
               err != 0 ? std::strerror(err) : "");
  return kUsage;
}

}  // namespace

int Main(int argc, char** argv, const Program& program) {
  int code = kUsage;
  try {
    code = MainOrThrow(argc, argv, program);
  } catch (const Usage& e) {
    std::fprintf(stderr, "bubble: error: %s\n", e.what());
  } catch (const sc::ConfigError& e) {
    std::fprintf(stderr, "bubble: error: %s\n", e.what());
  } catch (const std::exception& e) {
    // The environment failed under the command (no process or file left to start a worker,
    // ...): one line, not an abort.
    std::fprintf(stderr, "bubble: error: %s\n", e.what());
  }
  return CheckStdout(code);
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
