// tools/src/sweep.cc
#include "sweep.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <exception>
#include <stdexcept>

#include <fmt/format.h>

#include <bubble/scenarios/convergence.h>

#include "cut_text.h"
#include "interrupt.h"
#include "result_wire.h"
#include "site_table.h"
#include <sys/prctl.h>
#include <sys/wait.h>

namespace bubble::cli {

namespace {

// Consecutive items [begin, end) of one group.
struct Batch {
  std::size_t group = 0;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  bool isolated = false;  // re-running a suspected crasher alone
  // Sends each result as it finishes (after a crash in a batch that sent its results in
  // bunches: which seed crashed is then known exactly).
  bool careful = false;

  std::uint64_t Size() const noexcept { return end - begin; }
};

struct Worker {
  pid_t pid = -1;
  int fd = -1;
  Batch batch;
  std::uint64_t reported = 0;  // items of the batch finished so far
  ResultDecoder decoder{0};
};

// The running workers. Whatever way the executor leaves (a result, an interrupt, an exception),
// no worker outlives it: the destructor kills and reaps those still running.
class WorkerSet {
 public:
  WorkerSet() = default;
  WorkerSet(const WorkerSet&) = delete;
  WorkerSet& operator=(const WorkerSet&) = delete;

  ~WorkerSet() { KillAll(); }

  std::vector<Worker>& All() { return workers_; }

  void KillAll() noexcept {
    for (const Worker& w : workers_) {
      ::kill(w.pid, SIGKILL);
    }
    for (const Worker& w : workers_) {
      ::close(w.fd);
      while (::waitpid(w.pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    workers_.clear();
  }

 private:
  std::vector<Worker> workers_;
};

// A worker writes its results when this many bytes wait, when kFlushInterval of wall time has
// passed since its last write (so a slow scenario's progress still shows), and at the end of its
// batch. One write per result cost a sweep of short runs a third of its time. When the worker
// writes changes nothing a sweep reports: results are the same whenever they arrive.
constexpr std::size_t kFlushBytes = 32 * 1024;

// Seeds per batch, at most: each batch is a fork, and a fresh worker pays for its first runs
// (copy-on-write faults, its stack pool, lazily bound symbols). At 1,024 a sweep of the seed
// scenario spent a third of its CPU on that; past 16k it is lost in the noise, and a sweep
// still gets 8 batches per job to balance its end.
constexpr std::uint64_t kMaxBatch = 16 * 1024;
constexpr auto kFlushInterval = std::chrono::milliseconds(50);

void WriteAll(int fd, const std::string& text) {
  std::size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      ::_exit(3);
    }
    off += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void WorkerMain(int fd, const SweepPlan& plan, const ItemRunner& runner,
                             const Batch& batch, std::size_t known_sites) {
  ResultEncoder encoder(known_sites);
  std::string out;
  out.reserve(kFlushBytes + 4096);
  const std::string how = "rerun the seed alone for all of it";
  // Wall time only measures runs for the JUnit report and paces writes; it never reaches a
  // simulation.
  auto last_write = std::chrono::steady_clock::now();
  for (std::uint64_t index = batch.begin; index < batch.end; ++index) {
    ItemResult r;
    const auto start = std::chrono::steady_clock::now();
    try {
      r = runner(plan, plan.Item(batch.group, index));
    } catch (const std::exception& e) {
      r = {ItemState::kFailed, "", FailureLine("error", e.what()), "", 0};
    }
    const auto end = std::chrono::steady_clock::now();
    if (r.seconds == 0) {
      r.seconds = std::chrono::duration<double>(end - start).count();
    }
    r.message = ValidUtf8(CutText(std::move(r.message), kMaxMessageBytes, how));
    r.report = ValidUtf8(CutText(std::move(r.report), kMaxReportBytes, how));
    encoder.Add(index, r, out);
    if (batch.careful || out.size() >= kFlushBytes || end - last_write >= kFlushInterval) {
      WriteAll(fd, out);
      out.clear();
      last_write = end;
    }
  }
  WriteAll(fd, out);
  ::close(fd);
  ::_exit(0);
}

std::string DescribeStatus(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return fmt::format("worker killed by signal {} (SIG{}: {})", sig,
                       abbrev != nullptr ? abbrev : "?", strsignal(sig));
  }
  if (WIFEXITED(status)) {
    return fmt::format("worker exited with status {}", WEXITSTATUS(status));
  }
  return "worker ended abnormally";
}

// Forks a worker for `batch`; -1 when fork fails with EAGAIN (too many processes: the caller
// waits for a running worker). SIGINT and SIGTERM are blocked across fork so that a signal lands
// either in the parent's handler or, after the child restored the default, kills the child:
// never in a child still running the parent's handler.
pid_t ForkWorker(const SweepPlan& plan, const ItemRunner& runner, const Batch& batch, int fds[2],
                 const std::vector<Worker>& running, const InterruptWatch* interrupt) {
  sigset_t block;
  sigset_t old;
  ::sigemptyset(&block);
  ::sigaddset(&block, SIGINT);
  ::sigaddset(&block, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &block, &old);
  const pid_t parent = ::getpid();
  const std::size_t known_sites = Sites().Size();
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Die with the sweep: a worker whose parent is gone (killed with SIGKILL, crashed) must not
    // run on. getppid() catches a parent that died before prctl took effect.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(4);
    }
    if (interrupt != nullptr) {
      interrupt->RestoreInChild();
    }
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    ::close(fds[0]);
    for (const Worker& w : running) {
      ::close(w.fd);
    }
    WorkerMain(fds[1], plan, runner, batch, known_sites);
  }
  const int fork_errno = errno;
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    if (fork_errno == EAGAIN && !running.empty()) {
      return -1;
    }
    throw std::runtime_error(
        fmt::format("cannot start a sweep worker: fork: {}", std::strerror(fork_errno)));
  }
  return pid;
}

}  // namespace

std::string SweepGroup::Label() const {
  std::string out = scenario->name;
  for (const std::string& b : bugs) {
    out += " --bug " + b;
  }
  for (const auto& [k, v] : set) {
    out += " --set " + k + "=" + v;
  }
  return out;
}

SweepItem SweepPlan::Item(std::size_t group, std::uint64_t index) const {
  const SweepGroup& g = groups[group];
  SweepItem item{.group = group, .index = index, .seed = g.seeds.At(index)};
  if (strategy && !g.hunt) {
    item.strategy = *strategy;
    item.pct_depth = pct_depth;
  } else {
    const scenarios::PortfolioEntry e = scenarios::PortfolioFor(item.seed);
    item.strategy = e.strategy;
    item.pct_depth = e.pct_depth;
  }
  item.check_determinism =
      !g.hunt && SelectedForDeterminismCheck(item.seed, check_determinism_percent);
  return item;
}

SweepPlan PlanSweep(const SweepSpec& spec) {
  SweepPlan plan;
  plan.strategy = spec.strategy;
  plan.pct_depth = spec.pct_depth;
  plan.check_determinism_percent = spec.check_determinism_percent;
  plan.coverage = spec.coverage;
  plan.check_convergence = spec.check_convergence;
  // Each group is resolved once, here (ConfigError for bad bugs, options or limits).
  auto resolve = [&spec](const scenarios::Scenario& s, const std::vector<std::string>& bugs) {
    scenarios::RunConfig c;
    c.bugs = bugs;
    c.set = spec.set;
    c.program = spec.program;
    c.step_limit = spec.step_limit;
    c.time_limit = spec.time_limit;
    c.real_time_budget = spec.real_time_budget;
    c.preempt = spec.preempt;
    c.pct_horizon = spec.pct_horizon;
    c.pct_depth = spec.pct_depth;
    return scenarios::ResolveRun(s, c);
  };
  const ShardSeeds seeds = SeedsInShard(spec.seeds, spec.shard);
  for (const scenarios::Scenario* s : spec.scenarios) {
    plan.groups.push_back({.scenario = s,
                           .bugs = spec.bugs,
                           .set = spec.set,
                           .base = resolve(*s, spec.bugs),
                           .seeds = seeds,
                           .check_convergence = spec.check_convergence && s->convergent});
  }
  if (spec.with_bugs) {
    std::uint64_t hunt_index = 0;
    for (const scenarios::Scenario* s : spec.scenarios) {
      for (const scenarios::BugSpec& b : s->bugs) {
        if (spec.shard.Contains(hunt_index++)) {
          plan.groups.push_back({.scenario = s,
                                 .bugs = {b.name},
                                 .set = spec.set,
                                 .hunt = b.name,
                                 .budget = b.seed_budget,
                                 .base = resolve(*s, {b.name}),
                                 .seeds = {.first = 1, .step = 1, .count = b.seed_budget}});
        }
      }
    }
  }
  for (const SweepGroup& g : plan.groups) {
    if (plan.runs > UINT64_MAX - g.seeds.count) {
      throw scenarios::ConfigError(fmt::format(
          "the sweep would be more than 2^64-1 runs ({} scenario variants x {} seeds): use a "
          "smaller --seeds range",
          plan.groups.size(), seeds.count));
    }
    plan.runs += g.seeds.count;
  }
  return plan;
}

scenarios::ResolvedRun RunFor(const SweepPlan& plan, const SweepItem& item) {
  scenarios::ResolvedRun run = plan.groups[item.group].base;
  run.seed = item.seed;
  run.strategy = item.strategy;
  run.pct_depth = item.pct_depth;
  return run;
}

std::string RunCommandFor(const SweepPlan& plan, const SweepItem& item) {
  return RunFor(plan, item).Command();
}

std::string FailureLine(std::string_view kind, std::string_view message) {
  if (message.size() > kind.size() && message.substr(0, kind.size()) == kind &&
      message[kind.size()] == ':') {
    return std::string(message);
  }
  return fmt::format("{}: {}", kind, message);
}

ItemResult RunItem(const SweepPlan& plan, const SweepItem& item) {
  scenarios::ResolvedRun run = RunFor(plan, item);
  ItemResult out;
  scenarios::AfterRun after;
  if (plan.coverage && !plan.groups[item.group].hunt) {
    run.coverage = true;
    after = [&out](sim::Bubble& bubble, const sim::RunResult&) {
      const sim::AccessOrders orders = bubble.Orders();
      std::vector<std::uint32_t> ids;
      ids.reserve(orders.sites.size());
      for (const std::string& site : orders.sites) {
        ids.push_back(Sites().Intern(site));
      }
      out.orders.reserve(orders.facts.size());
      for (const sim::OrderFact& f : orders.facts) {
        out.orders.push_back({ids[f.first], ids[f.second]});
      }
      std::sort(out.orders.begin(), out.orders.end());
    };
  }
  sim::RunResult r;
  if (plan.groups[item.group].check_convergence) {
    scenarios::FinalState final_state = scenarios::RunForFinalState(run);
    r = std::move(final_state.result);
    if (r.Passed()) {
      out.state_hash = sim::FormatFingerprint(final_state.hash);
    }
  } else {
    r = scenarios::RunScenario(run, after);
  }
  out.fingerprint = r.FingerprintHex();
  if (!r.Passed()) {
    out.state = ItemState::kFailed;
    out.message = FailureLine(sim::FailureKindName(r.failure->kind), r.failure->message);
    out.report = r.report;
    return out;
  }
  if (item.check_determinism) {
    const sim::RunResult again = scenarios::RunScenario(run);
    if (again.fingerprint != r.fingerprint || !again.Passed()) {
      out.state = ItemState::kFailed;
      out.message = fmt::format("not deterministic: fingerprints {} and {}", r.FingerprintHex(),
                                again.FingerprintHex());
      out.report = scenarios::ExplainNondeterminism(run) + "\n";
      return out;
    }
  }
  out.state = ItemState::kPassed;
  return out;
}

ExecuteSummary ExecuteSweep(const SweepPlan& plan, const ItemRunner& runner,
                            const ExecuteOptions& options) {
  const int jobs = std::max(1, options.jobs);
  std::uint64_t batch_size = std::min(options.batch_size, kMaxBatch);
  if (batch_size == 0) {
    batch_size =
        std::clamp<std::uint64_t>(plan.runs / (static_cast<std::uint64_t>(jobs) * 8), 1, kMaxBatch);
  }
  ExecuteSummary summary;
  std::vector<bool> found(plan.groups.size(), false);
  // New batches come from a cursor over the groups; re-runs after a crash wait in `requeued`
  // (at most two per crashed worker: the suspect and the rest of its batch).
  std::size_t next_group = 0;
  std::uint64_t next_index = 0;
  std::deque<Batch> requeued;
  auto skipped = [&](std::size_t group) { return options.skip_group && options.skip_group(group); };
  // `force`: nothing runs, so nothing a may_start caller waits for can arrive: start regardless.
  auto next_batch = [&](bool force) -> std::optional<Batch> {
    while (!requeued.empty()) {
      Batch b = requeued.front();
      requeued.pop_front();
      if (!found[b.group] && !skipped(b.group)) {
        return b;
      }
    }
    if (!force && options.may_start && !options.may_start()) {
      return std::nullopt;
    }
    // Batches never span groups, so a found hunt skips whole batches.
    while (next_group < plan.groups.size() && (found[next_group] || skipped(next_group) ||
                                               next_index >= plan.groups[next_group].seeds.count)) {
      ++next_group;
      next_index = 0;
    }
    if (next_group == plan.groups.size()) {
      return std::nullopt;
    }
    const std::uint64_t left = plan.groups[next_group].seeds.count - next_index;
    Batch b{
        .group = next_group, .begin = next_index, .end = next_index + std::min(left, batch_size)};
    next_index = b.end;
    return b;
  };
  auto finish = [&](std::size_t group, std::uint64_t index, ItemResult r) {
    if (r.state == ItemState::kFailed) {
      ++summary.failed;
      if (plan.groups[group].hunt) {
        found[group] = true;
      }
    }
    ++summary.done;
    if (options.on_result) {
      options.on_result(plan.Item(group, index), std::move(r));
    }
    if (options.progress) {
      options.progress(summary.done, summary.failed);
    }
  };
  auto interrupted = [&] { return options.interrupt != nullptr ? options.interrupt->Signal() : 0; };

  WorkerSet set;
  std::vector<Worker>& workers = set.All();
  std::optional<Batch> pending;  // taken from the queue but not started (fork said EAGAIN)
  bool fork_busy = false;
  while (interrupted() == 0) {
    while (!fork_busy && static_cast<int>(workers.size()) < jobs) {
      if (!pending) {
        pending = next_batch(workers.empty());
      }
      if (!pending) {
        break;
      }
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) != 0) {
        if ((errno == EMFILE || errno == ENFILE) && !workers.empty()) {
          fork_busy = true;
          break;
        }
        throw std::runtime_error(
            fmt::format("cannot start a sweep worker: pipe: {}", std::strerror(errno)));
      }
      const std::size_t known_sites = Sites().Size();
      const pid_t pid = ForkWorker(plan, runner, *pending, fds, workers, options.interrupt);
      ::close(fds[1]);
      if (pid < 0) {
        ::close(fds[0]);
        fork_busy = true;  // until a worker ends
        break;
      }
      workers.push_back({.pid = pid,
                         .fd = fds[0],
                         .batch = *pending,
                         .reported = 0,
                         .decoder = ResultDecoder(known_sites)});
      pending.reset();
    }
    if (workers.empty()) {
      break;  // nothing runs and nothing is left to start
    }
    std::vector<pollfd> polls;
    for (const Worker& w : workers) {
      polls.push_back({.fd = w.fd, .events = POLLIN, .revents = 0});
    }
    if (options.interrupt != nullptr) {
      polls.push_back({.fd = options.interrupt->Fd(), .events = POLLIN, .revents = 0});
    }
    if (::poll(polls.data(), polls.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::runtime_error(fmt::format("poll: {}", std::strerror(errno)));
    }
    for (std::size_t k = workers.size(); k-- > 0;) {
      if (polls[k].revents == 0) {
        continue;
      }
      Worker& w = workers[k];
      char buf[65536];
      const ssize_t n = ::read(w.fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n > 0) {
        w.decoder.Feed(buf, static_cast<std::size_t>(n), [&](std::uint64_t index, ItemResult&& r) {
          finish(w.batch.group, index, std::move(r));
          ++w.reported;
        });
        continue;
      }
      // EOF: the worker is done or died.
      ::close(w.fd);
      int status = 0;
      while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
      }
      const Batch batch = w.batch;
      const std::uint64_t reported = w.reported;
      workers.erase(workers.begin() + static_cast<std::ptrdiff_t>(k));
      fork_busy = false;
      if (reported >= batch.Size() || interrupted() != 0) {
        // Done; or killed by the same Ctrl-C as the sweep: not the seed's fault.
        continue;
      }
      const std::uint64_t suspect = batch.begin + reported;
      if (!batch.careful && !batch.isolated && batch.Size() - reported > 1) {
        // Its results came in bunches: the crash may be any seed after the last one received.
        // Run them again sending each result at once, to find it.
        requeued.push_front(
            Batch{.group = batch.group, .begin = suspect, .end = batch.end, .careful = true});
        continue;
      }
      const Batch rest{.group = batch.group, .begin = suspect + 1, .end = batch.end};
      if (rest.Size() > 0) {
        requeued.push_front(rest);
      }
      if (batch.isolated || batch.Size() == 1) {
        finish(batch.group, suspect,
               {ItemState::kFailed, "", fmt::format("crashed: {}", DescribeStatus(status)),
                fmt::format("the seed crashed its worker process ({}); rerun it "
                            "alone to see its output\n",
                            DescribeStatus(status)),
                0});
      } else {
        requeued.push_front(
            Batch{.group = batch.group, .begin = suspect, .end = suspect + 1, .isolated = true});
      }
    }
  }
  summary.interrupted_by = interrupted();
  set.KillAll();
  return summary;
}

}  // namespace bubble::cli
