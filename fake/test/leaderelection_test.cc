// Leader election (docs/semantics.md §8) over the fake API server: acquiring, respecting and taking
// over a Lease on the virtual clock, the fast and slow renewal paths, release, callbacks,
// validation, and the §8.5 split brain that only a server without resourceVersion checks allows.
// Lives here because runtime must not depend on fake.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/leaderelection/healthz.h>
#include <bubble/runtime/leaderelection/leader_elector.h>
#include <bubble/runtime/leaderelection/lease_lock.h>
#include <bubble/runtime/lease.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>
#include <bubble/sim/rng.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>
#include <bubble/testing/testing.h>

#include "test_util.h"

namespace fake = bubble::fake;
namespace le = bubble::runtime::leaderelection;
using namespace fake::testing;
using namespace std::chrono_literals;

namespace {

// client-go's typical timings.
constexpr sim::Duration kLeaseDuration = 15s;
constexpr sim::Duration kRenewDeadline = 10s;
constexpr sim::Duration kRetryPeriod = 2s;

constexpr std::string_view kNs = "default";
constexpr std::string_view kLockName = "lock";

const bubble::testing::SeedSweep kSweep{.count = 8};
// The elector logs failed writes as errors; the assertions say what matters.
const sim::Options kQuiet{.log_level = sim::LogLevel::kOff};

// Virtual time since the epoch, which Catch2 prints readably.
sim::Duration Since0() {
  return sim::Now() - sim::Clock::Epoch();
}

sim::TimePoint At(sim::Duration d) {
  return sim::Clock::Epoch() + d;
}

rt::Lease LeaseHeldBy(std::string holder, int duration_seconds, int transitions = 0) {
  rt::LeaseSpec spec;
  spec.holder_identity = std::move(holder);
  spec.lease_duration_seconds = duration_seconds;
  spec.acquire_time = sim::Clock::Epoch();
  spec.renew_time = sim::Clock::Epoch();
  spec.lease_transitions = transitions;
  return rt::Lease({.name = std::string(kLockName), .namespace_ = std::string(kNs)}, spec);
}

// The Lease as the server stores it (read through the tracker, so no action is recorded).
rt::LeasePtr StoredLease(fake::Clientset& cs) {
  auto obj = cs.GetTracker().Get(rt::Lease::StaticResource(), kNs, kLockName);
  REQUIRE(obj.has_value());
  auto lease = rt::As<rt::Lease>(*obj);
  REQUIRE(lease.has_value());
  return *lease;
}

// Someone other than the electors edits the stored Lease through the client (a read, then an
// update that moves its resourceVersion).
void EditLease(fake::Clientset& cs, const std::function<void(rt::Lease&)>& edit) {
  auto leases = cs.Leases(kNs);
  auto current = leases.Get(kLockName);
  REQUIRE(current.has_value());
  rt::Lease next = **current;
  edit(next);
  REQUIRE(leases.Update(next).has_value());
}

// Wraps a lock and logs every call with its virtual time and outcome: "4s update Conflict".
class RecordingLock final : public le::ResourceLock {
 public:
  explicit RecordingLock(std::shared_ptr<le::ResourceLock> inner) : inner_(std::move(inner)) {}

  std::vector<std::string> calls;

  rt::Result<le::FetchedRecord> Get(const sim::Context& ctx) override {
    auto r = inner_->Get(ctx);
    Note("get", r ? std::string("ok") : Reason(r.error()));
    return r;
  }

  rt::Result<void> Create(const sim::Context& ctx, const le::LeaderElectionRecord& rec) override {
    auto r = inner_->Create(ctx, rec);
    Note("create", r ? std::string("ok") : Reason(r.error()));
    return r;
  }

  rt::Result<void> Update(const sim::Context& ctx, const le::LeaderElectionRecord& rec) override {
    auto r = inner_->Update(ctx, rec);
    Note("update", r ? std::string("ok") : Reason(r.error()));
    return r;
  }

  void RecordEvent(std::string_view what) override { inner_->RecordEvent(what); }

  const std::string& Identity() const override { return inner_->Identity(); }

  std::string Describe() const override { return inner_->Describe(); }

 private:
  static std::string Reason(const rt::Status& s) {
    return std::string(rt::StatusReasonName(s.reason));
  }

  void Note(std::string_view verb, const std::string& outcome) {
    calls.push_back(fmt::format("{} {} {}", sim::FormatDuration(Since0()), verb, outcome));
  }

  std::shared_ptr<le::ResourceLock> inner_;
};

// One candidate: its lock, its elector, and what its callbacks saw ("0s started", "14s stopped",
// "1s new leader a").
struct Candidate {
  std::string id;
  std::shared_ptr<RecordingLock> lock;
  std::shared_ptr<le::LeaderElector> elector;
  std::vector<std::string> seen;
  std::vector<std::string> events;  // from the lock's event recorder
  std::optional<sim::Context> leading_ctx;
  bool leading = false;
  bool leader_ctx_done_when_stopped = false;
};

struct Election {
  std::shared_ptr<fake::Clientset> cs;
  std::vector<std::unique_ptr<Candidate>> candidates;
  // How many candidates run on_started_leading at once, and the most ever.
  int leading_now = 0;
  int leading_max = 0;

  explicit Election(std::shared_ptr<fake::Clientset> clientset) : cs(std::move(clientset)) {}

  Candidate& Add(std::string id, bool release_on_cancel = false) {
    auto c = std::make_unique<Candidate>();
    Candidate* cp = c.get();
    cp->id = id;
    auto lease_lock = std::make_shared<le::LeaseLock>(
        rt::ObjectMeta{.name = std::string(kLockName), .namespace_ = std::string(kNs)}, *cs,
        le::ResourceLockConfig{.identity = id, .event_recorder = [cp](const le::LockEvent& e) {
                                 cp->events.push_back(e.message);
                               }});
    cp->lock = std::make_shared<RecordingLock>(lease_lock);
    le::LeaderElectionConfig config{
        .lock = cp->lock,
        .lease_duration = kLeaseDuration,
        .renew_deadline = kRenewDeadline,
        .retry_period = kRetryPeriod,
        .callbacks = {
            .on_started_leading =
                [this, cp](const sim::Context& ctx) {
                  cp->seen.push_back(fmt::format("{} started", sim::FormatDuration(Since0())));
                  cp->leading_ctx = ctx;
                  cp->leading = true;
                  leading_max = std::max(leading_max, ++leading_now);
                  ctx.Done().Recv();
                  --leading_now;
                  cp->leading = false;
                },
            .on_stopped_leading =
                [cp] {
                  cp->seen.push_back(fmt::format("{} stopped", sim::FormatDuration(Since0())));
                  cp->leader_ctx_done_when_stopped =
                      cp->leading_ctx.has_value() && cp->leading_ctx->IsDone();
                },
            .on_new_leader =
                [cp](const std::string& leader) {
                  cp->seen.push_back(
                      fmt::format("{} new leader {}", sim::FormatDuration(Since0()), leader));
                }},
        .release_on_cancel = release_on_cancel,
        .name = "test-election"};
    auto elector = le::NewLeaderElector(std::move(config));
    REQUIRE(elector.has_value());
    cp->elector = *elector;
    candidates.push_back(std::move(c));
    return *cp;
  }

  // Runs `c` from `start` until ctx is done, in fiber "leaderelection/<id>".
  static void Start(sim::WaitGroup& wg, Candidate& c, const sim::Context& ctx,
                    sim::Duration start = {}) {
    wg.Go("leaderelection/" + c.id, [&c, ctx, start] {
      sim::SleepFor(start);
      c.elector->Run(ctx);
    });
  }
};

// Waits for the candidates' Run to return, then for the fibers Run left behind
// (on_started_leading, on_new_leader: not awaited, docs/semantics.md §8.5) to finish or block.
void Settle(sim::WaitGroup& wg) {
  wg.Wait();
  sim::Wait();
}

std::vector<std::string> Calls(const Candidate& c) {
  return c.lock->calls;
}

// Callbacks that fire at one instant run in fibers the strategy orders, so compare them sorted.
std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// The times at which a candidate starting at `start` tries to acquire: at once, then after every
// jittered retry period, drawn from `rng` as the elector draws them.
std::vector<sim::Duration> AcquireAttempts(sim::Rng& rng, sim::Duration start,
                                           sim::Duration until) {
  std::vector<sim::Duration> out;
  for (sim::Duration t = start; t <= until; t += rng.Jitter(kRetryPeriod, le::kJitterFactor)) {
    out.push_back(t);
  }
  return out;
}

}  // namespace

// ---- acquiring -------------------------------------------------------------------------------

TEST_CASE("a candidate creates the absent lease and leads at once", "[leaderelection]") {
  bubble::testing::RunSeeds(kSweep, kQuiet, [](sim::Bubble&) {
    Election e(fake::NewClientset());
    Candidate& a = e.Add("a");
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup wg;
    Election::Start(wg, a, ctx);

    sim::SleepFor(5s);
    CHECK(a.elector->IsLeader());
    CHECK(a.elector->GetLeader() == "a");
    CHECK(a.leading);
    const rt::LeasePtr lease = StoredLease(*e.cs);
    CHECK(lease->spec.holder_identity == "a");
    CHECK(lease->spec.lease_duration_seconds == 15);
    CHECK(lease->spec.lease_transitions == 0);
    CHECK(lease->spec.acquire_time == At(0s));
    CHECK(lease->spec.renew_time == At(4s));
    // Absent: get (NotFound), create; then renewals at 0 s, 2 s and 4 s.
    CHECK(Calls(a) == std::vector<std::string>{"0s get NotFound", "0s create ok", "0s update ok",
                                               "2s update ok", "4s update ok"});
    CHECK(a.events == std::vector<std::string>{"a became leader"});

    cancel();
    Settle(wg);
    CHECK(Sorted(a.seen) == Sorted({"0s new leader a", "0s started", "5s stopped"}));
    CHECK(a.seen.back() == "5s stopped");
    CHECK(a.events == std::vector<std::string>{"a became leader", "a stopped leading"});
    CHECK(a.leader_ctx_done_when_stopped);
    // Without release_on_cancel the lease stays held until it expires.
    CHECK(StoredLease(*e.cs)->spec.holder_identity == "a");
  });
}

TEST_CASE("a held lease is respected until it expires on the virtual clock", "[leaderelection]") {
  bubble::testing::RunSeeds(kSweep, kQuiet, [](sim::Bubble&) {
    // "old" holds the lease and never renews. b first sees it at 0 s, so it may take over at
    // 0 s + 15 s at the earliest: its first attempt at or after 15 s (exactly 15 s is expired).
    Election e(fake::NewClientset(LeaseHeldBy("old", 15, /*transitions=*/4)));
    Candidate& b = e.Add("b");
    sim::Rng predicted = sim::Rand();  // the elector's jitter is the only draw in this run
    const std::vector<sim::Duration> attempts = AcquireAttempts(predicted, 0s, 60s);
    sim::Duration takeover{};
    for (sim::Duration t : attempts) {
      if (t >= kLeaseDuration) {
        takeover = t;
        break;
      }
    }
    REQUIRE(takeover >= 15s);
    REQUIRE(takeover < kLeaseDuration + 4400ms);  // one jittered period: < 2.2 x 2 s

    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup wg;
    Election::Start(wg, b, ctx);
    sim::SleepUntil(At(takeover) - 1ms);
    CHECK_FALSE(b.elector->IsLeader());
    CHECK(b.elector->GetLeader() == "old");
    CHECK(StoredLease(*e.cs)->spec.holder_identity == "old");
    sim::SleepUntil(At(takeover) + 1ms);
    CHECK(b.elector->IsLeader());
    const rt::LeasePtr lease = StoredLease(*e.cs);
    CHECK(lease->spec.holder_identity == "b");
    CHECK(lease->spec.lease_transitions == 5);
    CHECK(lease->spec.acquire_time == At(takeover));
    cancel();
    Settle(wg);

    // Before the takeover b only read; every attempt is one get.
    std::vector<std::string> expected;
    for (sim::Duration t : attempts) {
      if (t < takeover) {
        expected.push_back(fmt::format("{} get ok", sim::FormatDuration(t)));
      }
    }
    expected.push_back(fmt::format("{} get ok", sim::FormatDuration(takeover)));
    expected.push_back(fmt::format("{} update ok", sim::FormatDuration(takeover)));
    std::vector<std::string> calls = Calls(b);
    calls.resize(std::min(calls.size(), expected.size()));
    CHECK(calls == expected);
    CHECK(b.seen.front() == "0s new leader old");
    CHECK(std::count(b.seen.begin(), b.seen.end(),
                     fmt::format("{} new leader b", sim::FormatDuration(takeover))) == 1);
    CHECK(std::count(b.seen.begin(), b.seen.end(),
                     fmt::format("{} started", sim::FormatDuration(takeover))) == 1);
  });
}

TEST_CASE("a fresh candidate waits a full lease duration even for a stale renewTime",
          "[leaderelection]") {
  bubble::testing::RunSeeds(kSweep, kQuiet, [](sim::Bubble&) {
    // The record says it was renewed at the epoch, 100 s before b starts: b still waits 15 s from
    // when it first saw it, never judging by renewTime (skew-free, docs/semantics.md §8.3 step 4).
    Election e(fake::NewClientset(LeaseHeldBy("old", 15)));
    Candidate& b = e.Add("b");
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup wg;
    Election::Start(wg, b, ctx, /*start=*/100s);
    sim::SleepUntil(At(100s + kLeaseDuration) - 1ms);
    CHECK_FALSE(b.elector->IsLeader());
    sim::SleepUntil(At(100s + kLeaseDuration + 5s));
    CHECK(b.elector->IsLeader());
    cancel();
    Settle(wg);
  });
}

// ---- renewing --------------------------------------------------------------------------------

TEST_CASE("a leader renews through the fast path: updates only, no reads", "[leaderelection]") {
  bubble::testing::RunSeeds(kSweep, kQuiet, [](sim::Bubble&) {
    Election e(fake::NewClientset(LeaseHeldBy("", 1)));
    Candidate& a = e.Add("a");
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup wg;
    Election::Start(wg, a, ctx);
    sim::SleepFor(21s);
    cancel();
    Settle(wg);
    // Holder "" is free at once: get, update (transitions + 1); then the first renewal at once and
    // one every retry period, each a single update.
    std::vector<std::string> expected{"0s get ok", "0s update ok"};
    for (int s = 0; s <= 20; s += 2) {
      expected.push_back(fmt::format("{}s update ok", s));
    }
    CHECK(Calls(a) == expected);
    const rt::LeasePtr lease = StoredLease(*e.cs);
    CHECK(lease->spec.renew_time == At(20s));
    CHECK(lease->spec.acquire_time == At(0s));  // kept across renewals
    CHECK(lease->spec.lease_transitions == 1);
  });
}

TEST_CASE("a fast-path conflict falls back to get-then-update and keeps leading",
          "[leaderelection]") {
  bubble::testing::RunSeeds(kSweep, kQuiet, [](sim::Bubble&) {
    fake::Options opts;
    opts.fidelity.conflicts = true;
    Election e(fake::NewClientset(opts));
    Candidate& a = e.Add("a");
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup wg;
    Election::Start(wg, a, ctx);

    // At 3 s someone else touches the Lease (a label): its resourceVersion moves, the record not.
    sim::SleepFor(3s);
    EditLease(*e.cs, [](rt::Lease& l) { l.metadata.labels["touched"] = "yes"; });

    sim::SleepFor(4s);
    CHECK(a.elector->IsLeader());
    CHECK(Calls(a) == std::vector<std::string>{"0s get NotFound", "0s create ok", "0s update ok",
                                               "2s update ok", "4s update Conflict", "4s get ok",
                                               "4s update ok", "6s update ok"});
    const rt::LeasePtr lease = StoredLease(*e.cs);
    CHECK(lease->spec.holder_identity == "a");
    CHECK(lease->metadata.labels.at("touched") == "yes");  // written over the fresh read
    cancel();
    Settle(wg);
  });
}

TEST_CASE("without conflict checks the fast path silently overwrites a concurrent write",
          "[leaderelection]") {
  bubble::testing::RunSeeds(kSweep, kQuiet, [](sim::Bubble&) {
    // client-go's fake: no resourceVersion checks (what this test is about).
    Election e(fake::NewClientset(fake::Options::ClientGoFake()));
    Candidate& a = e.Add("a");
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup wg;
    Election::Start(wg, a, ctx);
    sim::SleepFor(3s);
    EditLease(*e.cs, [](rt::Lease& l) { l.metadata.labels["touched"] = "yes"; });
    sim::SleepFor(2s);
    CHECK(Calls(a).at(4) == "4s update ok");                               // no conflict, no read
    CHECK_FALSE(StoredLease(*e.cs)->metadata.labels.contains("touched"));  // the write is lost
    cancel();
    Settle(wg);
  });
}

TEST_CASE("a leader whose lease was taken gives up after the renew deadline", "[leaderelection]") {
  bubble::testing::RunSeeds(kSweep, kQuiet, [](sim::Bubble&) {
    fake::Options opts;
    opts.fidelity.conflicts = true;
    Election e(fake::NewClientset(opts));
    Candidate& a = e.Add("a");
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup wg;
    Election::Start(wg, a, ctx);

    // At 3 s an intruder writes itself in as holder. a's renewal at 4 s conflicts, reads the
    // intruder's record and respects it; the poll retries every 2 s and runs out at 4 s + 10 s.
    sim::SleepFor(3s);
    EditLease(*e.cs, [](rt::Lease& l) {
      l.spec.holder_identity = "intruder";
      l.spec.renew_time = sim::Now();
    });

    sim::SleepUntil(At(13s));
    CHECK(a.leading);
    CHECK_FALSE(a.elector->IsLeader());  // it already saw the intruder at 4 s
    wg.Wait();                           // Run returns by itself
    CHECK(Since0() == 14s);
    sim::Wait();
    CHECK(Sorted(a.seen) ==
          Sorted({"0s new leader a", "0s started", "14s new leader intruder", "14s stopped"}));
    CHECK_FALSE(a.leading);
    CHECK(a.leader_ctx_done_when_stopped);
    const std::vector<std::string> calls = Calls(a);
    REQUIRE(calls.size() >= 10);
    CHECK(std::vector<std::string>(calls.begin() + 3, calls.begin() + 10) ==
          std::vector<std::string>{"2s update ok", "4s update Conflict", "4s get ok", "6s get ok",
                                   "8s get ok", "10s get ok", "12s get ok"});
    // A tick due with the deadline may still try once more (at most one extra, a read).
    CHECK(calls.size() <= 11);
    CHECK(StoredLease(*e.cs)->spec.holder_identity == "intruder");
    cancel();
  });
}

// ---- releasing -------------------------------------------------------------------------------

TEST_CASE("release on cancel clears the holder and a standby takes over at once",
          "[leaderelection]") {
  bubble::testing::RunSeeds(kSweep, kQuiet, [](sim::Bubble&) {
    // The test predicts b's jitter draws from the bubble's random stream: a server that draws
    // UIDs for created objects (uid-timestamps) would shift them.
    fake::Options opts;
    opts.fidelity.uid_and_timestamps = false;
    Election e(fake::NewClientset(opts));
    Candidate& a = e.Add("a", /*release_on_cancel=*/true);
    Candidate& b = e.Add("b");
    // a draws one jitter after acquiring at 0 s; b's draws follow from 1 s on.
    sim::Rng predicted = sim::Rand();
    predicted.Jitter(kRetryPeriod, le::kJitterFactor);
    const std::vector<sim::Duration> b_attempts = AcquireAttempts(predicted, 1s, 60s);
    sim::Duration takeover{};
    for (sim::Duration t : b_attempts) {
      if (t > 5s) {
        takeover = t;
        break;
      }
    }

    auto [a_ctx, cancel_a] = sim::WithCancel(sim::Context::Background());
    auto [b_ctx, cancel_b] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup wg;
    Election::Start(wg, a, a_ctx);
    Election::Start(wg, b, b_ctx, /*start=*/1s);
    sim::SleepUntil(At(5s));
    cancel_a();
    sim::SleepUntil(At(5s) + 1ms);
    const rt::LeasePtr released = StoredLease(*e.cs);
    CHECK(released->spec.holder_identity == "");
    CHECK(released->spec.lease_duration_seconds == 1);
    CHECK(released->spec.acquire_time == At(5s));
    CHECK(released->spec.renew_time == At(5s));
    CHECK(released->spec.lease_transitions == 0);
    CHECK(a.seen.back() == "5s stopped");
    CHECK(a.leader_ctx_done_when_stopped);
    CHECK(a.events == std::vector<std::string>{"a became leader", "a stopped leading"});
    CHECK_FALSE(a.elector->IsLeader());

    // b takes over at its first attempt after the release, long before 1 s + 15 s.
    sim::SleepUntil(At(takeover) + 1ms);
    CHECK(b.elector->IsLeader());
    CHECK(takeover < 5s + 4400ms);
    const rt::LeasePtr taken = StoredLease(*e.cs);
    CHECK(taken->spec.holder_identity == "b");
    CHECK(taken->spec.lease_transitions == 1);
    CHECK(taken->spec.acquire_time == At(takeover));
    cancel_b();
    Settle(wg);
    CHECK(Sorted(b.seen) ==
          Sorted({"1s new leader a", fmt::format("{} new leader b", sim::FormatDuration(takeover)),
                  fmt::format("{} started", sim::FormatDuration(takeover)),
                  fmt::format("{} stopped", sim::FormatDuration(Since0()))}));
    CHECK(Sorted(a.seen) == Sorted({"0s new leader a", "0s started", "5s stopped"}));
  });
}

TEST_CASE("a candidate that never led still gets on_stopped_leading", "[leaderelection]") {
  bubble::testing::RunSeeds(kSweep, kQuiet, [](sim::Bubble&) {
    Election e(fake::NewClientset(LeaseHeldBy("old", 15)));
    Candidate& b = e.Add("b", /*release_on_cancel=*/true);
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup wg;
    Election::Start(wg, b, ctx);
    sim::SleepFor(5s);
    cancel();
    Settle(wg);
    CHECK(b.seen == std::vector<std::string>{"0s new leader old", "5s stopped"});
    CHECK(b.events.empty());
    CHECK(StoredLease(*e.cs)->spec.holder_identity == "old");  // nothing to release
  });
}

// ---- health ----------------------------------------------------------------------------------

TEST_CASE("a leader that cannot renew stops leading but still believes it holds the lease",
          "[leaderelection]") {
  bubble::testing::RunSeeds(kSweep, kQuiet, [](sim::Bubble&) {
    Election e(fake::NewClientset());
    bool fail_updates = false;
    e.cs->PrependReactor("update", "leases", [&fail_updates](fake::Action&) {
      return fail_updates ? fake::Reaction::Failed(rt::NewInternalError("injected"))
                          : fake::Reaction::Unhandled();
    });
    Candidate& a = e.Add("a");
    auto watch_dog = std::make_shared<le::HealthzAdaptor>(5s);
    CHECK(watch_dog->Check().has_value());  // nothing attached yet
    watch_dog->SetLeaderElection(a.elector);
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup wg;
    Election::Start(wg, a, ctx);

    sim::SleepFor(3s);
    fail_updates = true;
    // Renewal at 4 s fails: the fast path, then the slow path (read: the record changed since
    // a's last read, so the observed time becomes 4 s), then every 2 s until 4 s + 10 s.
    Settle(wg);
    CHECK(Since0() == 14s);
    CHECK(a.seen.back() == "14s stopped");
    CHECK(
        a.elector->IsLeader());  // the observed record still names a (docs/semantics.md §8.4 Check)
    CHECK(a.elector->ObservedTime() == At(4s));
    CHECK(watch_dog->Check().has_value());
    sim::SleepUntil(At(4s + kLeaseDuration + 5s));
    CHECK(watch_dog->Check().has_value());  // exactly at the limit: still tolerated
    sim::SleepFor(1ms);
    auto health = watch_dog->Check();
    REQUIRE_FALSE(health.has_value());
    CHECK(health.error().message == "failed election to renew leadership on lease test-election");
    cancel();
  });
}

// ---- callbacks -------------------------------------------------------------------------------

TEST_CASE("on_new_leader reports each change of the observed holder once", "[leaderelection]") {
  bubble::testing::RunSeeds(kSweep, kQuiet, [](sim::Bubble&) {
    Election e(fake::NewClientset());
    Candidate& a = e.Add("a", /*release_on_cancel=*/true);
    Candidate& b = e.Add("b");
    Candidate& c = e.Add("c");
    auto [a_ctx, cancel_a] = sim::WithCancel(sim::Context::Background());
    auto [bc_ctx, cancel_bc] = sim::WithCancel(sim::Context::Background());
    sim::WaitGroup wg;
    Election::Start(wg, a, a_ctx);
    Election::Start(wg, b, bc_ctx, 1s);
    Election::Start(wg, c, bc_ctx, 1s + 500ms);
    sim::SleepUntil(At(5s));
    cancel_a();
    sim::SleepUntil(At(30s));
    cancel_bc();
    Settle(wg);

    auto new_leaders = [](const Candidate& x) {
      std::vector<std::string> out;
      for (const std::string& s : x.seen) {
        if (auto at = s.find(" new leader "); at != std::string::npos) {
          out.push_back(s.substr(at + 12));
        }
      }
      return out;
    };
    CHECK(new_leaders(a) == std::vector<std::string>{"a"});
    // b and c race for the released lease: exactly one wins, and both hear of it once. The ""
    // a release leaves behind is never reported: the attempt that reads it also takes it.
    const bool b_won = b.elector->IsLeader();
    CHECK(b_won != c.elector->IsLeader());
    const std::string winner = b_won ? "b" : "c";
    CHECK(new_leaders(b) == std::vector<std::string>{"a", winner});
    CHECK(new_leaders(c) == std::vector<std::string>{"a", winner});
  });
}

// ---- validation ------------------------------------------------------------------------------

TEST_CASE("NewLeaderElector rejects invalid configs with client-go's messages",
          "[leaderelection]") {
  auto cs = fake::NewClientset();
  auto lock = [&cs](std::string identity) {
    return std::make_shared<le::LeaseLock>(
        rt::ObjectMeta{.name = std::string(kLockName), .namespace_ = std::string(kNs)}, *cs,
        le::ResourceLockConfig{.identity = std::move(identity)});
  };
  auto valid = [&lock] {
    return le::LeaderElectionConfig{.lock = lock("a"),
                                    .lease_duration = kLeaseDuration,
                                    .renew_deadline = kRenewDeadline,
                                    .retry_period = kRetryPeriod,
                                    .callbacks = {.on_started_leading = [](const sim::Context&) {},
                                                  .on_stopped_leading = [] {}}};
  };
  auto error_of = [](le::LeaderElectionConfig config) -> std::string {
    auto r = le::NewLeaderElector(std::move(config));
    return r ? std::string("ok") : fmt::format("{}", r.error());
  };

  CHECK(error_of(valid()) == "ok");  // on_new_leader is optional

  auto c = valid();
  c.lease_duration = kRenewDeadline;
  CHECK(error_of(c) == "leaseDuration must be greater than renewDeadline");

  c = valid();
  c.renew_deadline = 2400ms;  // == 1.2 x 2 s
  CHECK(error_of(c) == "renewDeadline must be greater than retryPeriod*JitterFactor");
  c.renew_deadline = 2401ms;
  CHECK(error_of(c) == "ok");

  // The ordering checks come first, so the zero checks only fire for values that pass them.
  c = valid();
  c.lease_duration = 0ns;
  c.renew_deadline = -1ns;
  c.retry_period = -2ns;  // 1.2 x -2 ns truncates to -2 ns, below renewDeadline
  CHECK(error_of(c) == "leaseDuration must be greater than zero");
  c.lease_duration = 1ns;
  c.renew_deadline = 0ns;
  c.retry_period = -1ns;
  CHECK(error_of(c) == "renewDeadline must be greater than zero");
  c.lease_duration = 2ns;
  c.renew_deadline = 1ns;
  c.retry_period = 0ns;
  CHECK(error_of(c) == "retryPeriod must be greater than zero");

  c = valid();
  c.callbacks.on_started_leading = nullptr;
  CHECK(error_of(c) == "OnStartedLeading callback must not be nil");
  c = valid();
  c.callbacks.on_stopped_leading = nullptr;
  CHECK(error_of(c) == "OnStoppedLeading callback must not be nil");
  c = valid();
  c.lock = nullptr;
  CHECK(error_of(c) == "Lock must not be nil.");
  c = valid();
  c.lock = lock("");
  CHECK(error_of(c) == "Lock identity is empty");

  // The errors are client-side: no API predicate matches them.
  c.lock = nullptr;
  auto r = le::NewLeaderElector(c);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == 0);
  CHECK_FALSE(rt::IsInternalError(r.error()));

  // RunOrDie panics in client-go; here it is a usage error naming the rule.
  CHECK_THROWS_WITH(le::RunOrDie(sim::Context::Background(), c),
                    Catch::Matchers::Contains("Lock must not be nil."));
}

// ---- §8.5: split brain on a server without resourceVersion checks ----------------------------

namespace {

// Two candidates race for a released lease (holder "") through a server with latency, so both
// can read it before either writes. Returns whether they were ever leading at the same time, and
// how many believe they lead at the end.
struct SplitBrain {
  bool overlapped = false;
  int leaders_at_end = 0;
};

SplitBrain RaceForReleasedLease(bool conflicts) {
  fake::Options opts;
  opts.fidelity.conflicts = conflicts;
  opts.faults.latency.push_back({.verb = "*", .resource = "leases", .min = 1ms, .max = 300ms});
  Election e(fake::NewClientset(opts, LeaseHeldBy("", 1)));
  Candidate& a = e.Add("a");
  Candidate& b = e.Add("b");
  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  sim::WaitGroup wg;
  Election::Start(wg, a, ctx);
  Election::Start(wg, b, ctx);
  sim::SleepUntil(At(60s) + 500ms);
  SplitBrain out;
  out.leaders_at_end = (a.elector->IsLeader() ? 1 : 0) + (b.elector->IsLeader() ? 1 : 0);
  cancel();
  Settle(wg);
  out.overlapped = e.leading_max > 1;
  return out;
}

}  // namespace

TEST_CASE("without conflict checks two candidates can both lead (docs/semantics.md §8.5)",
          "[leaderelection]") {
  int runs = 0;  // every seed runs twice (the determinism check)
  int split = 0;
  bubble::testing::RunSeeds(kSweep, kQuiet, [&](sim::Bubble&) {
    const SplitBrain r = RaceForReleasedLease(/*conflicts=*/false);
    ++runs;
    if (r.overlapped) {
      ++split;
      // Both keep renewing through the fast path, overwriting each other, for the whole run.
      CHECK(r.leaders_at_end == 2);
    }
  });
  INFO(fmt::format("{} of {} runs had two leaders", split, runs));
  CHECK(split > 0);
}

TEST_CASE("with conflict checks two candidates never both lead", "[leaderelection]") {
  bubble::testing::RunSeeds(kSweep, kQuiet, [](sim::Bubble&) {
    const SplitBrain r = RaceForReleasedLease(/*conflicts=*/true);
    CHECK_FALSE(r.overlapped);
    CHECK(r.leaders_at_end == 1);
  });
}
