// runtime/include/bubble/runtime/cache/wait_for_cache_sync.h
//
// Waiting for informer caches to sync, in both of client-go's flavours (docs/semantics.md §6):
//
//  - WaitForCacheSync (the polling one, client-go's cache.WaitForCacheSync): checks every
//    condition at once, then again every 100 ms of virtual time until all hold or `stop` is
//    done. In a bubble every unsuccessful check costs exactly 100 ms of virtual time — the
//    "Caches synced at 00:00:00.100000" of the seed commit's log.
//  - WaitFor (the non-polling one, k/k#135395's cache.WaitFor): blocks on each checker's
//    done-event and moves no virtual time at all.
//
// Threading: call from a fiber of a running bubble.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/sim/context.h>
#include <bubble/sim/event.h>

namespace bubble::runtime::cache {

using InformerSynced = std::function<bool()>;

// client-go's syncedPollPeriod.
inline constexpr std::chrono::milliseconds kSyncedPollPeriod{100};

// Polls `synced` at once and then every 100 ms of virtual time; true once all hold, false if
// `stop` is done first.
bool WaitForCacheSync(const sim::Context& stop, const std::vector<InformerSynced>& synced);

// WaitForCacheSync with client-go's log lines: "Waiting for caches to sync" for=<name>,
// then "Caches are synced" or "Unable to sync caches".
bool WaitForNamedCacheSync(std::string_view name, const sim::Context& stop,
                           const std::vector<InformerSynced>& synced);

// Something that becomes done once: a name for messages, and an event set when done.
struct DoneChecker {
  std::string name;
  sim::Event* done;
};

// Blocks until every checker is done (true) or `ctx` ends (false; after cancellation each
// checker is looked at once more without blocking). Moves no virtual time. With a non-empty
// `what`, logs "Waiting" for=<what>, "Done waiting" per checker, or "Timed out waiting" with the
// names still pending, sorted.
bool WaitFor(const sim::Context& ctx, std::string_view what,
             const std::vector<DoneChecker>& checkers);

}  // namespace bubble::runtime::cache
