// LeaderElectionRecord and its Lease mapping (docs/semantics.md §8.2): the parts of leader election
// that need no API server.
#include "bubble/runtime/leaderelection/record.h"

#include <chrono>

#include <catch2/catch.hpp>

#include <bubble/runtime/lease.h>
#include <bubble/sim/clock.h>

namespace le = bubble::runtime::leaderelection;
namespace rt = bubble::runtime;
namespace sim = bubble::sim;
using namespace std::chrono_literals;

TEST_CASE("a record maps to a lease spec with every field set and back", "[leaderelection]") {
  const sim::TimePoint t = sim::Clock::Epoch() + 5s + 250ms;
  const le::LeaderElectionRecord r{.holder_identity = "a",
                                   .lease_duration_seconds = 15,
                                   .acquire_time = t,
                                   .renew_time = t + 2s,
                                   .leader_transitions = 3};
  const rt::LeaseSpec spec = le::ToLeaseSpec(r);
  CHECK(spec.holder_identity == "a");
  CHECK(spec.lease_duration_seconds == 15);
  CHECK(spec.acquire_time == t);
  CHECK(spec.renew_time == t + 2s);
  CHECK(spec.lease_transitions == 3);
  CHECK_FALSE(spec.strategy.has_value());
  CHECK_FALSE(spec.preferred_holder.has_value());
  CHECK(le::FromLeaseSpec(spec) == r);
}

TEST_CASE("a released record still stores an empty holder", "[leaderelection]") {
  const rt::LeaseSpec spec = le::ToLeaseSpec({.holder_identity = "", .lease_duration_seconds = 1});
  REQUIRE(spec.holder_identity.has_value());
  CHECK(spec.holder_identity->empty());
  CHECK(spec.lease_duration_seconds == 1);
}

TEST_CASE("absent lease fields read as zero values", "[leaderelection]") {
  const le::LeaderElectionRecord r = le::FromLeaseSpec(rt::LeaseSpec{});
  CHECK(r == le::LeaderElectionRecord{});
  CHECK(le::RecordJson(r) ==
        R"({"holderIdentity":"","leaseDurationSeconds":0,"acquireTime":null,"renewTime":null,)"
        R"("leaderTransitions":0,"strategy":"","preferredHolder":""})");
}

TEST_CASE("record JSON keeps Go's field order and whole-second times", "[leaderelection]") {
  const sim::TimePoint t = sim::Clock::Epoch() + 1h + 7s + 999ms;
  const le::LeaderElectionRecord r{.holder_identity = "pod-\"a\"",
                                   .lease_duration_seconds = 15,
                                   .acquire_time = t,
                                   .renew_time = t,
                                   .leader_transitions = 2};
  CHECK(le::RecordJson(r) ==
        R"({"holderIdentity":"pod-\"a\"","leaseDurationSeconds":15,)"
        R"("acquireTime":"2000-01-01T01:00:07Z","renewTime":"2000-01-01T01:00:07Z",)"
        R"("leaderTransitions":2,"strategy":"","preferredHolder":""})");
}

TEST_CASE("renewals within one second give identical record bytes", "[leaderelection]") {
  // Why an observer cannot see sub-second renewals: it compares these bytes (client-go too).
  le::LeaderElectionRecord a{.holder_identity = "a",
                             .lease_duration_seconds = 15,
                             .renew_time = sim::Clock::Epoch() + 10s + 100ms};
  le::LeaderElectionRecord b = a;
  b.renew_time = sim::Clock::Epoch() + 10s + 900ms;
  CHECK(le::RecordJson(a) == le::RecordJson(b));
  b.renew_time = sim::Clock::Epoch() + 11s;
  CHECK(le::RecordJson(a) != le::RecordJson(b));
}
