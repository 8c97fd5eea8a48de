// apiserver/include/bubble/apiserver/flaky_server.h
//
// A flaky API server: the faults `bubble apiserver --error-rate ... --latency ...
// --watch-lifetime ... --expire-rate ...` injects (docs/kubectl.md, "Test against a flaky
// server"), as the fake::Faults of the clientset a RestHandler serves. Each API request (get,
// list, watch, create, update, patch, delete, deletecollection) is one call into the fake, so it
// meets one draw; discovery, /version, /openapi/v2 and the handler's own reads of the server's
// state are not API requests and see no fault and no latency.
//
//   auto server = std::make_shared<fake::Clientset>(apiserver::LiveServerOptions());
//   server->MutableFaults() = apiserver::FlakyFaults({.error_percent = 10,
//                                                     .latency_max = 50ms,
//                                                     .watch_lifetime = 30s});
//   apiserver::RestHandler rest(server);
//
// Every draw comes from sim::Rand(): on the real-time loop, RealTimeOptions::seed fixes them.
#pragma once

#include <bubble/fake/faults.h>
#include <bubble/sim/clock.h>

namespace bubble::apiserver {

struct FlakyServer {
  // Of API requests, the percentage (0..100) that fail, with this mix:
  //   reads (get, list, watch): 1/2 500 InternalError, 1/4 429 TooManyRequests with
  //     Retry-After: 1, 1/4 504 Timeout;
  //   writes (create, update, patch, delete, deletecollection): 1/4 500 before the write,
  //     1/4 500 after it was applied, 1/4 429 (never applied: throttled), 1/4 504 after it was
  //     applied. A write that failed after it was applied is stored; the client's retry then
  //     meets AlreadyExists, Conflict or NotFound, as when a real server's response is lost.
  double error_percent = 0;
  // Each request waits a delay drawn uniformly in [latency_min, latency_max] before the server
  // handles it, and another before its response leaves (fake::LatencyRule). A watch's delays
  // come before its stream starts; its events are not delayed.
  sim::Duration latency_min{};
  sim::Duration latency_max{};
  // > 0: every watch ends after a lifetime drawn uniformly in (0, watch_lifetime] (or at its
  // own timeout if sooner); the client has to watch again.
  sim::Duration watch_lifetime{};
  // Of watches that resume from a resourceVersion, the percentage (0..100) before which the
  // server compacts the resource's history: one from a version older than the resource's
  // latest change gets 410 Expired (an ERROR event), and the client has to list again.
  double expire_percent = 0;
};

// The 429's Retry-After, in seconds: client-go waits that long and retries by itself.
inline constexpr int kFlakyRetryAfterSeconds = 1;

// The faults that make a fake behave as `flaky` says; a FlakyServer of zeros gives no faults.
fake::Faults FlakyFaults(const FlakyServer& flaky);

}  // namespace bubble::apiserver
