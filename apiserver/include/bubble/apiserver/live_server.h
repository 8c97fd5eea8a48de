// apiserver/include/bubble/apiserver/live_server.h
//
// The fake::Options of a fake API server that runs for long on the real-time loop (`bubble
// apiserver`, and the benchmarks that measure it): nothing may grow without bound, and real
// clients read at their own pace.
#pragma once

#include <cstddef>

#include <bubble/fake/options.h>

namespace bubble::apiserver {

// Changes a live server keeps per resource for watches to resume from (kube-apiserver's watch
// cache is bounded too): an older resourceVersion gets 410 Expired.
inline constexpr std::size_t kLiveHistoryLimit = 10'000;

// No action log, no per-instant write budget (real time always moves), a history of
// kLiveHistoryLimit changes, and a watch buffer large enough that a slow client does not fill it
// (a full buffer fails the whole bubble, and so the server). Fidelity: every switch on, watch-list
// included (kube-apiserver 1.32+ serves WatchList by default).
inline fake::Options LiveServerOptions() {
  fake::Options o;
  o.record_actions = false;
  o.writes_per_instant = 0;
  o.watch_buffer = 10'000;
  o.fidelity.history_limit = kLiveHistoryLimit;
  return o;
}

}  // namespace bubble::apiserver
