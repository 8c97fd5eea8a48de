// scenarios/src/external_system.h
//
// A fake external system (a cloud API, a DNS provider, a bucket store) that controllers keep in
// step with Kubernetes objects: resources with ids and an owner. A call crosses a network like an
// API request: a preemption point of kind `api` going out and one coming back, so a crash may
// land between the call taking effect and the caller hearing of it. Shared by the crash
// scenarios (S16 missed_while_down.cc, S18 crash_mid_reconcile.cc).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <bubble/sim/preempt.h>

namespace bubble::scenarios {

class ExternalSystem {
 public:
  struct Resource {
    std::string id;
    std::string owner;  // the object it was made for ("apps/app")
  };

  // Creates a resource for `owner` with a new id ("ext-3"): every call makes one more, as a
  // cloud API without idempotency tokens does.
  std::string Create(const std::string& owner) {
    Cross("create");
    const std::string id = fmt::format("ext-{}", ++last_id_);
    resources_[id] = {id, owner};
    Cross("created");
    return id;
  }

  // Creates resource `id` unless it exists (an idempotent create: a name derived from the
  // owner). True if it was created now.
  bool Ensure(const std::string& id, const std::string& owner) {
    Cross("ensure");
    const bool created = resources_.try_emplace(id, Resource{id, owner}).second;
    Cross("ensured");
    return created;
  }

  // Deletes resource `id`; false if there was none.
  bool Delete(const std::string& id) {
    Cross("delete");
    const bool deleted = resources_.erase(id) > 0;
    Cross("deleted");
    return deleted;
  }

  // Every resource, by id.
  std::vector<Resource> List() {
    Cross("list");
    std::vector<Resource> out = Snapshot();
    Cross("listed");
    return out;
  }

  // For invariants: the resources now, without a network crossing.
  std::vector<Resource> Snapshot() const {
    std::vector<Resource> out;
    for (const auto& [id, r] : resources_) {
      out.push_back(r);
    }
    return out;
  }

  // For invariants: how many resources `owner` has now.
  int CountFor(const std::string& owner) const {
    int n = 0;
    for (const auto& [id, r] : resources_) {
      n += r.owner == owner ? 1 : 0;
    }
    return n;
  }

 private:
  static void Cross(std::string_view what) {
    sim::PreemptionPoint(sim::PreemptKind::kApi, "external", what);
  }

  std::map<std::string, Resource> resources_;  // by id: iteration in id order
  std::uint64_t last_id_ = 0;
};

}  // namespace bubble::scenarios
