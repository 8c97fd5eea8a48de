// scenarios/src/leader_election.cc
//
// S12 — leader election: client-go's examples/leader-election on the fake API server
// (docs/scenarios.md, docs/semantics.md §8).
//
// Three candidates ("a", "b", "c") run LeaderElector::Run with a LeaseLock on Lease
// default/example (the typical timings: lease 15 s, renew deadline 10 s, retry 2 s). Like the
// example's process, a candidate that stops leading exits and is restarted (after 1-5 s) with a
// fresh identity ("a-0", then "a-1", ...). While leading, a candidate works: every second it writes
// its identity into ConfigMap default/work-log, and it stops when its leading context is cancelled.
// Every lease request takes 0..latency-ms of virtual latency each way. A chaos fiber stalls the
// current leader's lease requests now and then (a partition: every lease request of that candidate
// hangs until the stall ends or the request's context is done, then fails with a timeout), for 4-25
// s, so some stalls outlast the renew deadline and leadership moves. The run lasts run-seconds of
// virtual time; then every candidate's context is cancelled.
//
// "Leading" is the half-open interval [OnStartedLeading, cancellation of its context) in virtual
// time, per identity. Invariants:
//  - single-leader: no two identities are leading at the same instant. Checked when a leader
//    starts: every other interval must be closed (its context done). Intervals are half-open, so
//    a hand-off at one instant is not an overlap, and a leader whose context was already done
//    when it started (an acquire that landed during the final cancel) leads for no time at all.
//  - leader-elected-in-time: when a leader stops leading during the run, let O be the earliest
//    instant at which a standby (a candidate running its elector, not stalled) observed the
//    final lease record the old leader wrote (the record now stored; the elector's
//    ObservedTime). A new leader starts by O + leaseDurationSeconds + 2.2 x RetryPeriod (the
//    longest acquire gap) + 6 x latency-ms (the Get before the last wait, Get and Update of the
//    winning attempt). The first leader must start by LeaseDuration + 2.2 x RetryPeriod.
//  - writes-only-by-leader: when the work loop issues a write, its identity is leading.
//  - no-write-under-another-leader: when the server applies a work write (a reactor on
//    configmaps updates), no other identity is leading. A correct leader's write still in flight
//    when it stops leading lands in the gap before the next leader (LeaseDuration >
//    RenewDeadline + RetryPeriod leaves seconds).
//
// Option release-on-cancel=true (client-go's example sets ReleaseOnCancel) is not a planted bug
// but a finding about client-go itself: renew() runs release() after a failed renewal and only
// then does Run cancel the context given to OnStartedLeading. When the API server does not
// answer, release's Get hangs for up to RenewDeadline, so that context outlives the lease by up
// to ~7 s and a standby starts leading while the old callback still runs: single-leader fails.
// The correct variant therefore runs with ReleaseOnCancel off.
//
// Planted bugs:
//  - no-conflict-check: the fake accepts stale resourceVersions (client-go's fake tracker). Two
//    standbys that both see the lease expire within one request's latency both "win": split brain
//    (docs/semantics.md §8.5), caught by single-leader.
//  - write-after-lost: the work loop writes in batches of ten (one a second) and checks its
//    leading context only between batches, so it keeps writing for up to ten seconds after the
//    lease is lost (the window of §8.5 that kubernetes#139991 addresses: OnStartedLeading is not
//    awaited). Caught by writes-only-by-leader.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/leaderelection/leader_elector.h>
#include <bubble/runtime/leaderelection/lease_lock.h>
#include <bubble/runtime/leaderelection/record.h>
#include <bubble/runtime/lease.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>
#include <bubble/sim/rng.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "catalogue.h"
#include "work_log.h"

namespace bubble::scenarios {

namespace {

using namespace std::chrono_literals;
namespace rt = bubble::runtime;
namespace le = bubble::runtime::leaderelection;

constexpr char kNamespace[] = "default";
constexpr char kLeaseName[] = "example";
constexpr char kWorkLog[] = "work-log";
constexpr int kCandidates = 3;

// client-go's examples/leader-election would use 60 s / 15 s / 5 s; these are the typical values
// (kube-controller-manager's defaults) SCENARIOS S12 names.
constexpr sim::Duration kLeaseDuration = 15s;
constexpr sim::Duration kRenewDeadline = 10s;
constexpr sim::Duration kRetryPeriod = 2s;
constexpr sim::Duration kMaxAcquireGap = 4400ms;  // RetryPeriod x (1 + JitterFactor)
constexpr int kBatch = 10;                        // write-after-lost: writes per context check

sim::Duration Since0(sim::TimePoint t) {
  return t - sim::Clock::Epoch();
}

std::string At(sim::TimePoint t) {
  return sim::FormatDuration(Since0(t));
}

struct Params {
  sim::Duration run{};
  sim::Duration latency{};  // max per hop
  bool write_after_lost = false;
  bool release_on_cancel = false;
};

// One leadership: [start, cancellation of ctx).
struct Interval {
  int candidate = 0;
  std::string id;
  sim::TimePoint start{};
  std::optional<sim::TimePoint> end{};
  sim::Context ctx;
};

struct State {
  Params p;
  std::shared_ptr<fake::Clientset> cs;
  sim::Context run_ctx = sim::Context::Background();
  std::vector<Interval> intervals;
  // Per candidate: the elector whose Run is in progress (expired between incarnations). Weak:
  // the elector's callbacks hold this State, and a run that fails mid-Run never resets it.
  std::vector<std::weak_ptr<le::LeaderElector>> electors =
      std::vector<std::weak_ptr<le::LeaderElector>>(kCandidates);
  // Per candidate: its lease requests hang until this instant.
  std::vector<sim::TimePoint> stalled_until = std::vector<sim::TimePoint>(kCandidates);
  int writes = 0;
  std::string server_violation;  // set by the configmaps reactor, reported by the writer

  // The identity leading now other than `except` (empty if none).
  std::string OtherLeader(const std::string& except) const {
    for (const Interval& i : intervals) {
      if (i.id != except && !i.ctx.IsDone()) {
        return i.id;
      }
    }
    return {};
  }

  bool Leading(const std::string& id) const {
    return std::any_of(intervals.begin(), intervals.end(),
                       [&](const Interval& i) { return i.id == id && !i.ctx.IsDone(); });
  }

  // The candidate leading now, or -1.
  int LeaderIndex() const {
    for (const Interval& i : intervals) {
      if (!i.ctx.IsDone()) {
        return i.candidate;
      }
    }
    return -1;
  }
};

// A LeaseLock whose requests hang while its candidate is stalled (a partition between that
// candidate and the API server, or a stuck connection as in kubernetes#125530).
class StallingLock final : public le::ResourceLock {
 public:
  StallingLock(std::shared_ptr<le::LeaseLock> inner, std::shared_ptr<State> s, int candidate)
      : inner_(std::move(inner)), s_(std::move(s)), candidate_(candidate) {}

  rt::Result<le::FetchedRecord> Get(const sim::Context& ctx) override {
    if (auto err = Stall(ctx, "get")) {
      return rt::Err(*err);
    }
    return inner_->Get(ctx);
  }

  rt::Result<void> Create(const sim::Context& ctx, const le::LeaderElectionRecord& r) override {
    if (auto err = Stall(ctx, "create")) {
      return rt::Err(*err);
    }
    return inner_->Create(ctx, r);
  }

  rt::Result<void> Update(const sim::Context& ctx, const le::LeaderElectionRecord& r) override {
    if (auto err = Stall(ctx, "update")) {
      return rt::Err(*err);
    }
    return inner_->Update(ctx, r);
  }

  void RecordEvent(std::string_view what) override { inner_->RecordEvent(what); }

  const std::string& Identity() const override { return inner_->Identity(); }

  std::string Describe() const override { return inner_->Describe(); }

 private:
  std::optional<rt::Status> Stall(const sim::Context& ctx, std::string_view verb) {
    const sim::TimePoint until = s_->stalled_until[static_cast<std::size_t>(candidate_)];
    if (sim::Now() >= until) {
      return std::nullopt;
    }
    sim::SleepFor(until - sim::Now(), ctx);
    return rt::NewTimeoutError(fmt::format("injected stall: {} lease hung", verb), 0);
  }

  std::shared_ptr<le::LeaseLock> inner_;
  std::shared_ptr<State> s_;
  int candidate_;
};

// ---- invariants -------------------------------------------------------------------------

void CheckDeadline(const std::shared_ptr<State>& s, std::size_t intervals_before,
                   sim::TimePoint deadline, const std::string& why) {
  sim::Spawn("check/leader-elected-in-time", [s, intervals_before, deadline, why] {
    // Just past the deadline, so a leader starting exactly at it has been recorded.
    if (!sim::SleepFor(deadline - sim::Now() + 1us, s->run_ctx)) {
      return;
    }
    for (std::size_t k = intervals_before; k < s->intervals.size(); ++k) {
      if (s->intervals[k].start <= deadline) {
        return;
      }
    }
    sim::Fail(fmt::format("invariant leader-elected-in-time violated: no leader by {} ({})",
                          At(deadline), why));
  });
}

// At the instant `old` stopped leading: when must the next leader start?
void ArmTakeoverDeadline(const std::shared_ptr<State>& s, const Interval& old) {
  auto stored = s->cs->GetTracker().Get(rt::Lease::StaticResource(), kNamespace, kLeaseName);
  if (!stored) {
    return;
  }
  auto lease = rt::As<rt::Lease>(*stored);
  if (!lease) {
    return;
  }
  const le::LeaderElectionRecord final_record = le::FromLeaseSpec((*lease)->spec);
  std::optional<sim::TimePoint> deadline;
  std::string who;
  for (int c = 0; c < kCandidates; ++c) {
    const auto e = s->electors[static_cast<std::size_t>(c)].lock();
    if (c == old.candidate || !e || sim::Now() < s->stalled_until[static_cast<std::size_t>(c)] ||
        !(e->ObservedRecord() == final_record)) {
      continue;
    }
    const sim::TimePoint d = e->ObservedTime() +
                             std::chrono::seconds(e->ObservedRecord().lease_duration_seconds) +
                             kMaxAcquireGap + 6 * s->p.latency;
    if (!deadline || d < *deadline) {
      deadline = d;
      who = fmt::format("{} saw {}'s last record at {}", e->Config().lock->Identity(), old.id,
                        At(e->ObservedTime()));
    }
  }
  if (!deadline) {
    sim::Log().info("no standby has seen {}'s last record: no takeover deadline", old.id);
    return;
  }
  CheckDeadline(s, s->intervals.size(), *deadline, who);
}

// ---- a candidate ------------------------------------------------------------------------

// on_started_leading: record the interval, check single-leader, then work until told to stop.
void Lead(const std::shared_ptr<State>& s, int candidate, const std::string& id,
          const sim::Context& ctx) {
  State& st = *s;
  if (ctx.IsDone()) {
    sim::Log().info("{} started leading with its context already done", id);
    return;
  }
  const std::string other = st.OtherLeader(id);
  if (!other.empty()) {
    sim::Fail(
        fmt::format("invariant single-leader violated: {} starts leading at {} while {} is leading",
                    id, At(sim::Now()), other));
  }
  st.intervals.push_back({candidate, id, sim::Now(), std::nullopt, ctx});
  const std::size_t index = st.intervals.size() - 1;
  sim::Log().info("{} leads", id);
  sim::Spawn(fmt::format("watch/{}", id), [s, index] {
    s->intervals[index].ctx.Done().Recv();
    Interval& i = s->intervals[index];  // after the wait: the vector may have grown
    i.end = sim::Now();
    sim::Log().info("{} stopped leading (led {})", i.id, sim::FormatDuration(*i.end - i.start));
    if (!s->run_ctx.IsDone()) {
      ArmTakeoverDeadline(s, i);
    }
  });
  // The work: the loop the bubble-leader-example program runs, checked as it writes.
  RunWorkLog(*st.cs, ctx, st.run_ctx,
             {.namespace_name = kNamespace,
              .name = kWorkLog,
              .identity = id,
              .writes_per_check = st.p.write_after_lost ? kBatch : 1,
              .before_write =
                  [&st, &id](int seq) {
                    if (!st.Leading(id)) {
                      sim::Fail(fmt::format(
                          "invariant writes-only-by-leader violated: {} issues write #{} while not "
                          "leading (leader now: {})",
                          id, seq, st.OtherLeader(id).empty() ? "none" : st.OtherLeader(id)));
                    }
                  },
              .after_write =
                  [&st, &id](int seq, const rt::Result<void>& wrote) {
                    if (!st.server_violation.empty()) {
                      sim::Fail(st.server_violation);
                    }
                    if (!wrote) {
                      sim::Fail(fmt::format("{}: write #{}: {}", id, seq, wrote.error().message));
                    }
                    ++st.writes;
                  }});
}

// One candidate process: run an elector; when it returns (leadership lost), restart with a fresh
// identity, as the example's pod would.
void Candidate(const std::shared_ptr<State>& s, int candidate) {
  const std::string name(1, static_cast<char>('a' + candidate));
  for (int incarnation = 0; !s->run_ctx.IsDone(); ++incarnation) {
    const std::string id = fmt::format("{}-{}", name, incarnation);
    auto lease = std::make_shared<le::LeaseLock>(
        rt::ObjectMeta{.name = kLeaseName, .namespace_ = kNamespace}, *s->cs,
        le::ResourceLockConfig{.identity = id});
    le::LeaderElectionConfig config{.lock = std::make_shared<StallingLock>(lease, s, candidate),
                                    .lease_duration = kLeaseDuration,
                                    .renew_deadline = kRenewDeadline,
                                    .retry_period = kRetryPeriod,
                                    .callbacks = {.on_started_leading =
                                                      [s, candidate, id](const sim::Context& ctx) {
                                                        Lead(s, candidate, id, ctx);
                                                      },
                                                  .on_stopped_leading = [] {}},
                                    .release_on_cancel = s->p.release_on_cancel,
                                    .name = "example"};
    auto elector = le::NewLeaderElector(std::move(config));
    if (!elector) {
      sim::Fail(fmt::format("NewLeaderElector: {}", elector.error().message));
    }
    s->electors[static_cast<std::size_t>(candidate)] = *elector;
    (*elector)->Run(s->run_ctx);
    s->electors[static_cast<std::size_t>(candidate)].reset();
    if (!sim::SleepFor(sim::Rand().UniformDuration(1s, 5s), s->run_ctx)) {
      return;
    }
  }
}

// Now and then stalls the current leader's lease requests.
void Chaos(const std::shared_ptr<State>& s) {
  while (sim::SleepFor(sim::Rand().UniformDuration(5s, 30s), s->run_ctx)) {
    const int leader = s->LeaderIndex();
    if (leader < 0 || sim::Now() < s->stalled_until[static_cast<std::size_t>(leader)]) {
      continue;
    }
    const sim::Duration d = sim::Rand().UniformDuration(4s, 25s);
    s->stalled_until[static_cast<std::size_t>(leader)] = sim::Now() + d;
    sim::Log().info("stalling candidate {}'s lease requests for {}",
                    static_cast<char>('a' + leader), sim::FormatDuration(d));
  }
}

sim::Task Body(const ScenarioContext& ctx) {
  auto s = std::make_shared<State>();
  s->p.run = std::chrono::seconds(ctx.IntOption("run-seconds"));
  s->p.latency = std::chrono::milliseconds(ctx.IntOption("latency-ms"));
  s->p.write_after_lost = ctx.Bug("write-after-lost");
  s->p.release_on_cancel = ctx.Option("release-on-cancel") == "true";

  fake::Options opts;
  opts.fidelity.conflicts = !ctx.Bug("no-conflict-check");
  if (s->p.latency > sim::Duration::zero()) {
    opts.faults.latency.push_back({.min = 0ms, .max = s->p.latency});
  }
  opts.record_actions = false;
  s->cs = fake::NewClientset(std::move(opts),
                             rt::ConfigMap({.name = kWorkLog, .namespace_ = kNamespace}));
  // Where the server applies a work write: nobody else may be leading.
  State* raw = s.get();
  s->cs->PrependReactor("update", "configmaps", [raw](fake::Action& a) {
    auto cm = rt::As<rt::ConfigMap>(a.object);
    if (cm && raw->server_violation.empty()) {
      const std::string& writer = (*cm)->data.at("writer");
      const std::string other = raw->OtherLeader(writer);
      if (!other.empty()) {
        raw->server_violation = fmt::format(
            "invariant no-write-under-another-leader violated: {}'s write #{} reaches the "
            "server at {} while {} is leading",
            writer, (*cm)->data.at("seq"), At(sim::Now()), other);
      }
    }
    return fake::Reaction::Unhandled();
  });
  return [s] {
    auto [run_ctx, cancel] = sim::WithTimeout(sim::Context::Background(), s->p.run);
    s->run_ctx = run_ctx;
    sim::Log().info("{} candidates, lease {}, renew deadline {}, retry {}, conflict checking {}",
                    kCandidates, sim::FormatDuration(kLeaseDuration),
                    sim::FormatDuration(kRenewDeadline), sim::FormatDuration(kRetryPeriod),
                    s->cs->GetOptions().fidelity.conflicts ? "on" : "off");
    CheckDeadline(s, 0, sim::Now() + kLeaseDuration + kMaxAcquireGap, "first election");
    {
      sim::WaitGroup wg("candidates");
      for (int c = 0; c < kCandidates; ++c) {
        wg.Go(fmt::format("candidate/{}", static_cast<char>('a' + c)), [s, c] { Candidate(s, c); });
      }
      wg.Go("chaos", [s] { Chaos(s); });
      wg.Wait();
    }
    sim::Wait();  // work loops and watchers left behind (on_started_leading is not awaited)
    cancel();
    if (!s->server_violation.empty()) {
      sim::Fail(s->server_violation);
    }
    sim::Log().info("{} leaderships, {} work writes", s->intervals.size(), s->writes);
  };
}

}  // namespace

Scenario LeaderElectionScenario() {
  Scenario s;
  s.name = "leader-election";
  s.catalogue = "S12";
  s.description =
      "three candidates elect a leader over a Lease while its renewals stall; one leader at a "
      "time, and only the leader writes";
  s.options = {
      {.key = "run-seconds",
       .default_value = "120",
       .description = "virtual seconds before every candidate is cancelled",
       .int_range = std::pair<std::int64_t, std::int64_t>{30, 600}},
      {.key = "latency-ms",
       .default_value = "200",
       .description = "max virtual latency of each request and each response (uniform from 0)",
       .int_range = std::pair<std::int64_t, std::int64_t>{0, 1000}},
      {.key = "release-on-cancel",
       .default_value = "false",
       .description = "ReleaseOnCancel (the example sets it): after a failed renewal, release "
                      "runs before the leading context is cancelled; a stalled release keeps it "
                      "alive past the lease (single-leader fails)",
       .allowed = {"false", "true"}},
  };
  s.bugs = {
      {.name = "no-conflict-check",
       .description = "the tracker accepts stale resourceVersions (client-go's fake): two "
                      "candidates can both acquire (split brain)",
       .seed_budget = 30},
      {.name = "write-after-lost",
       .description = "the leading callback checks its context only every 10 writes: it keeps "
                      "writing after the lease is lost",
       .seed_budget = 3},
  };
  s.body = Body;
  return s;
}

}  // namespace bubble::scenarios
