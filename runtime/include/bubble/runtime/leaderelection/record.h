// runtime/include/bubble/runtime/leaderelection/record.h
//
// LeaderElectionRecord: what a resource lock stores about the current leader (client-go's
// resourcelock.LeaderElectionRecord), and its mapping to a Lease spec (docs/semantics.md §8.2).
//
//   LeaderElectionRecord r{.holder_identity = "a", .lease_duration_seconds = 15,
//                          .acquire_time = sim::Now(), .renew_time = sim::Now()};
//   runtime::LeaseSpec spec = ToLeaseSpec(r);
//
// Times are optional because Go's zero time (which a Lease stores as null) is not a virtual time:
// the virtual clock starts at 2000-01-01, so TimePoint{} is a real instant of every run.
//
// RecordJson() is the byte string the elector compares to notice that the record changed. It is
// encoding/json of the Go struct: fields in declaration order, times as metav1.Time, that is with
// whole seconds. Two renewals within the same second therefore look identical to an observer, as
// they do in client-go.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <bubble/runtime/lease.h>
#include <bubble/sim/clock.h>

namespace bubble::runtime::leaderelection {

struct LeaderElectionRecord {
  // "" means nobody holds the lock (a leader that released it, or a fresh lock).
  std::string holder_identity{};
  int lease_duration_seconds = 0;
  std::optional<sim::TimePoint> acquire_time{};
  std::optional<sim::TimePoint> renew_time{};
  int leader_transitions = 0;
  // Coordinated leader election only (not implemented by bubble's elector); carried through.
  std::string strategy{};
  std::string preferred_holder{};

  friend bool operator==(const LeaderElectionRecord&, const LeaderElectionRecord&) = default;
};

// resourcelock.LeaseSpecToLeaderElectionRecord: absent fields become zero values.
LeaderElectionRecord FromLeaseSpec(const LeaseSpec& spec);

// resourcelock.LeaderElectionRecordToLeaseSpec: every field set (holder "" included), strategy
// and preferredHolder only when non-empty.
LeaseSpec ToLeaseSpec(const LeaderElectionRecord& record);

// json.Marshal of the record: {"holderIdentity":"a","leaseDurationSeconds":15,
// "acquireTime":"2000-01-01T00:00:00Z","renewTime":...,"leaderTransitions":0,"strategy":"",
// "preferredHolder":""}; an absent time is null.
std::string RecordJson(const LeaderElectionRecord& record);

}  // namespace bubble::runtime::leaderelection
