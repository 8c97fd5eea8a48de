// fake/include/bubble/fake/faults.h
//
// Faults and latency the fake API server injects, every draw from the bubble's generator
// (bubble::sim::Rand()) and every injection recorded in the trace, so a failing seed replays the
// same faults at the same requests.
//
//   fake::Faults f;
//   f.errors.push_back({.verb = "update", .resource = "leases", .probability = 0.2,
//                       .error = runtime::NewServerTimeout({"coordination.k8s.io", "leases"},
//                                                          "update", 1)});
//   f.latency.push_back({.min = 1ms, .max = 20ms});        // every request
//   f.watch_end_probability = 0.05;                        // streams that end early
//   f.compaction_probability = 0.1;                        // 410 on the next watch
//
// Requests made outside a running bubble (seeding before Run) see no faults and no latency.
#pragma once

#include <string>
#include <vector>

#include <bubble/runtime/status.h>
#include <bubble/sim/clock.h>

namespace bubble::fake {

// Fails matching requests with `error`, each with `probability`.
struct ErrorRule {
  // "get", "list", "watch", "create", "update", "patch", "delete", "delete-collection" or "*".
  std::string verb = "*";
  // A resource filter as reactors use it: "*", "configmaps" (any subresource) or
  // "pods/status" (that subresource only).
  std::string resource = "*";
  double probability = 0;
  runtime::Status error = runtime::NewInternalError("injected fault");
  // false: the request never reaches the server. true: the server applies it, then the response
  // is lost and the client gets `error` (a write that happened although the client saw a
  // failure).
  bool after_apply = false;
};

// Adds virtual latency to matching requests: the request waits a delay drawn uniformly in
// [min, max] before the server handles it, and another such delay before the response reaches
// the client. The first matching rule applies.
struct LatencyRule {
  std::string verb = "*";
  std::string resource = "*";
  sim::Duration min{};
  sim::Duration max{};
};

struct Faults {
  // Tried in order; the first rule whose draw fires decides the request's fault.
  std::vector<ErrorRule> errors{};
  std::vector<LatencyRule> latency{};
  // After each delivered watch event, the server ends that watch with this probability.
  double watch_end_probability = 0;
  // > 0: every watch ends after a lifetime drawn uniformly in (0, watch_max_lifetime].
  sim::Duration watch_max_lifetime{};
  // Before serving a Watch, the server compacts the resource's history with this probability,
  // so a watch from an older resourceVersion gets 410 Expired.
  double compaction_probability = 0;
};

}  // namespace bubble::fake
