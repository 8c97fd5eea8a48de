// tools/src/sweep.cc
#include "sweep.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <exception>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

namespace bubble::cli {

namespace {

struct Batch {
  std::vector<std::size_t> items;
  bool isolated = false;  // re-running a suspected crasher alone
};

struct Worker {
  pid_t pid = -1;
  int fd = -1;
  Batch batch;
  std::size_t reported = 0;  // items of the batch finished so far
  std::string buffer;
};

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
                             const Batch& batch) {
  for (std::size_t index : batch.items) {
    ItemResult r;
    // Wall time only measures the run for the JUnit report; it never reaches a simulation.
    const auto start = std::chrono::steady_clock::now();
    try {
      r = runner(plan, plan.items[index]);
    } catch (const std::exception& e) {
      r = {ItemState::kFailed, "", fmt::format("error: {}", e.what()), "", 0};
    }
    if (r.seconds == 0) {
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    nlohmann::json j = {{"i", index},          {"pass", r.state == ItemState::kPassed},
                        {"fp", r.fingerprint}, {"msg", r.message},
                        {"report", r.report},  {"s", r.seconds}};
    WriteAll(fd, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }
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

SweepPlan PlanSweep(const SweepSpec& spec) {
  SweepPlan plan;
  // Each group is resolved once, here (ConfigError for bad bugs, options or limits).
  auto resolve = [&spec](const scenarios::Scenario& s, const std::vector<std::string>& bugs) {
    scenarios::RunConfig c;
    c.bugs = bugs;
    c.set = spec.set;
    c.program = spec.program;
    c.step_limit = spec.step_limit;
    c.time_limit = spec.time_limit;
    c.pct_depth = spec.pct_depth;
    return scenarios::ResolveRun(s, c);
  };
  for (const scenarios::Scenario* s : spec.scenarios) {
    plan.groups.push_back(
        {.scenario = s, .bugs = spec.bugs, .set = spec.set, .base = resolve(*s, spec.bugs)});
  }
  const std::size_t normal = plan.groups.size();
  std::uint64_t hunt_index = 0;
  std::vector<std::size_t> hunts;
  if (spec.with_bugs) {
    for (const scenarios::Scenario* s : spec.scenarios) {
      for (const scenarios::BugSpec& b : s->bugs) {
        if (spec.shard.Contains(hunt_index++)) {
          hunts.push_back(plan.groups.size());
          plan.groups.push_back({.scenario = s,
                                 .bugs = {b.name},
                                 .set = spec.set,
                                 .hunt = b.name,
                                 .budget = b.seed_budget,
                                 .base = resolve(*s, {b.name})});
        }
      }
    }
  }
  for (std::size_t g = 0; g < normal; ++g) {
    for (std::uint64_t seed = spec.seeds.first;; ++seed) {
      if (spec.shard.Contains(seed)) {
        SweepItem item{.group = g, .seed = seed};
        if (spec.strategy) {
          item.strategy = *spec.strategy;
          item.pct_depth = spec.pct_depth;
        } else {
          const scenarios::PortfolioEntry e = scenarios::PortfolioFor(seed);
          item.strategy = e.strategy;
          item.pct_depth = e.pct_depth;
        }
        item.check_determinism = SelectedForDeterminismCheck(seed, spec.check_determinism_percent);
        plan.items.push_back(item);
      }
      if (seed == spec.seeds.last) {
        break;
      }
    }
  }
  for (std::size_t g : hunts) {
    for (std::uint64_t seed = 1; seed <= plan.groups[g].budget; ++seed) {
      const scenarios::PortfolioEntry e = scenarios::PortfolioFor(seed);
      plan.items.push_back({.group = g,
                            .seed = seed,
                            .strategy = e.strategy,
                            .pct_depth = e.pct_depth,
                            .check_determinism = false});
    }
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

ItemResult RunItem(const SweepPlan& plan, const SweepItem& item) {
  const scenarios::ResolvedRun run = RunFor(plan, item);
  const sim::RunResult r = scenarios::RunScenario(run);
  ItemResult out;
  out.fingerprint = r.FingerprintHex();
  if (!r.Passed()) {
    out.state = ItemState::kFailed;
    out.message = fmt::format("{}: {}", sim::FailureKindName(r.failure->kind), r.failure->message);
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

std::vector<ItemResult> ExecuteSweep(const SweepPlan& plan, const ItemRunner& runner,
                                     const ExecuteOptions& options) {
  std::vector<ItemResult> results(plan.items.size());
  const int jobs = std::max(1, options.jobs);
  std::size_t batch_size = options.batch_size;
  if (batch_size == 0) {
    batch_size =
        std::clamp<std::size_t>(plan.items.size() / (static_cast<std::size_t>(jobs) * 8), 1, 1024);
  }
  // Items of a group are consecutive; batches never span groups, so a found hunt skips whole
  // batches.
  std::deque<Batch> queue;
  for (std::size_t i = 0; i < plan.items.size();) {
    Batch b;
    const std::size_t group = plan.items[i].group;
    while (i < plan.items.size() && plan.items[i].group == group && b.items.size() < batch_size) {
      b.items.push_back(i++);
    }
    queue.push_back(std::move(b));
  }
  std::vector<bool> found(plan.groups.size(), false);
  std::size_t done = 0;
  std::size_t failed = 0;
  auto finish = [&](std::size_t index, ItemResult r) {
    const SweepItem& item = plan.items[index];
    if (r.state == ItemState::kFailed) {
      ++failed;
      if (plan.groups[item.group].hunt) {
        found[item.group] = true;
      }
    }
    results[index] = std::move(r);
    ++done;
    if (options.progress) {
      options.progress(done, failed);
    }
  };
  auto skip_found = [&](Batch& b) {
    std::vector<std::size_t> keep;
    for (std::size_t index : b.items) {
      if (found[plan.items[index].group]) {
        results[index].state = ItemState::kSkipped;
      } else {
        keep.push_back(index);
      }
    }
    b.items = std::move(keep);
  };

  std::vector<Worker> workers;
  while (!queue.empty() || !workers.empty()) {
    while (!queue.empty() && static_cast<int>(workers.size()) < jobs) {
      Batch b = std::move(queue.front());
      queue.pop_front();
      skip_found(b);
      if (b.items.empty()) {
        continue;
      }
      int fds[2];
      if (::pipe(fds) != 0) {
        throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
      }
      std::fflush(stdout);
      std::fflush(stderr);
      const pid_t pid = ::fork();
      if (pid < 0) {
        throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
      }
      if (pid == 0) {
        ::close(fds[0]);
        for (const Worker& w : workers) {
          ::close(w.fd);
        }
        WorkerMain(fds[1], plan, runner, b);
      }
      ::close(fds[1]);
      workers.push_back(
          {.pid = pid, .fd = fds[0], .batch = std::move(b), .reported = 0, .buffer = {}});
    }
    if (workers.empty()) {
      continue;
    }
    std::vector<pollfd> polls;
    for (const Worker& w : workers) {
      polls.push_back({.fd = w.fd, .events = POLLIN, .revents = 0});
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
        w.buffer.append(buf, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = w.buffer.find('\n')) != std::string::npos) {
          const nlohmann::json j = nlohmann::json::parse(w.buffer.substr(0, nl));
          w.buffer.erase(0, nl + 1);
          ItemResult r;
          r.state = j.at("pass").get<bool>() ? ItemState::kPassed : ItemState::kFailed;
          r.fingerprint = j.at("fp").get<std::string>();
          r.message = j.at("msg").get<std::string>();
          r.report = j.at("report").get<std::string>();
          r.seconds = j.at("s").get<double>();
          finish(j.at("i").get<std::size_t>(), std::move(r));
          ++w.reported;
        }
        continue;
      }
      // EOF: the worker is done or died.
      ::close(w.fd);
      int status = 0;
      while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
      }
      const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (w.reported < w.batch.items.size()) {
        const std::size_t suspect = w.batch.items[w.reported];
        if (w.batch.isolated || w.batch.items.size() == 1) {
          finish(suspect,
                 {ItemState::kFailed, "", fmt::format("crashed: {}", DescribeStatus(status)),
                  fmt::format("the seed crashed its worker process ({}); rerun it "
                              "alone to see its output\n",
                              DescribeStatus(status)),
                  0});
          Batch rest;
          rest.items.assign(w.batch.items.begin() + static_cast<std::ptrdiff_t>(w.reported) + 1,
                            w.batch.items.end());
          if (!rest.items.empty()) {
            queue.push_front(std::move(rest));
          }
        } else {
          Batch rest;
          rest.items.assign(w.batch.items.begin() + static_cast<std::ptrdiff_t>(w.reported) + 1,
                            w.batch.items.end());
          if (!rest.items.empty()) {
            queue.push_front(std::move(rest));
          }
          queue.push_front(Batch{.items = {suspect}, .isolated = true});
        }
      } else if (!clean) {
        // Every item reported, then the worker failed on its way out: nothing to attribute.
      }
      workers.erase(workers.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
  return results;
}

std::vector<GroupOutcome> Summarize(const SweepPlan& plan, const std::vector<ItemResult>& results) {
  std::vector<GroupOutcome> out(plan.groups.size());
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    GroupOutcome& g = out[plan.items[i].group];
    if (results[i].state == ItemState::kPassed) {
      ++g.passed;
    } else if (results[i].state == ItemState::kFailed) {
      ++g.failed;
      if (!g.found_at || plan.items[i].seed < *g.found_at) {
        g.found_at = plan.items[i].seed;
      }
    }
  }
  for (std::size_t k = 0; k < plan.groups.size(); ++k) {
    out[k].ok = plan.groups[k].hunt ? out[k].found_at.has_value() : out[k].failed == 0;
  }
  return out;
}

}  // namespace bubble::cli
