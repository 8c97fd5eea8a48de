// runtime/include/bubble/runtime/leaderelection/resource_lock.h
//
// ResourceLock: the lock a LeaderElector contends for (client-go's resourcelock.Interface). It
// reads and writes one LeaderElectionRecord stored in an API object; LeaseLock (lease_lock.h) is
// the implementation over a coordination.k8s.io/v1 Lease.
//
// Contract, as client-go's:
//  - Get fetches the record and remembers the object it came from; Update writes over that
//    remembered object (so its resourceVersion is the one last read or written). Update before
//    any successful Get or Create is an error.
//  - Get also returns the record as JSON bytes (RecordJson), which the elector compares to decide
//    whether the record changed since it last looked.
//  - Identity() is this candidate's name; it must be unique among the candidates.
//
// Threading: the elector calls a lock from one fiber at a time; Get, Create and Update block on
// the API server (virtual time).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <bubble/runtime/leaderelection/record.h>
#include <bubble/runtime/object_meta.h>
#include <bubble/runtime/status.h>
#include <bubble/sim/context.h>

namespace bubble::runtime::leaderelection {

// An event the lock reports about itself ("a became leader"), in the shape client-go hands to
// its EventRecorder: type "Normal", reason "LeaderElection".
struct LockEvent {
  ObjectMeta subject{};  // the lock object's metadata
  std::string type{};
  std::string reason{};
  std::string message{};
};

using EventRecorder = std::function<void(const LockEvent&)>;

// resourcelock.ResourceLockConfig.
struct ResourceLockConfig {
  // This candidate's unique name (a pod name, typically).
  std::string identity{};
  // Optional: receives "<identity> became leader" and "<identity> stopped leading".
  EventRecorder event_recorder{};
};

// A record as Get returns it: parsed, and as the bytes the elector compares.
struct FetchedRecord {
  LeaderElectionRecord record{};
  std::string raw{};
};

class ResourceLock {
 public:
  virtual ~ResourceLock() = default;

  // Reads the record (NotFound when the lock object does not exist).
  virtual Result<FetchedRecord> Get(const sim::Context& ctx) = 0;
  // Creates the lock object holding `record` (AlreadyExists if someone was first).
  virtual Result<void> Create(const sim::Context& ctx, const LeaderElectionRecord& record) = 0;
  // Overwrites the record of the object last read or written.
  virtual Result<void> Update(const sim::Context& ctx, const LeaderElectionRecord& record) = 0;
  // Reports "<identity> <what>" to the event recorder, if any.
  virtual void RecordEvent(std::string_view what) = 0;
  virtual const std::string& Identity() const = 0;
  // "namespace/name", for logs.
  virtual std::string Describe() const = 0;
};

}  // namespace bubble::runtime::leaderelection
