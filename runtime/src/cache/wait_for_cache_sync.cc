// runtime/src/cache/wait_for_cache_sync.cc
#include "bubble/runtime/cache/wait_for_cache_sync.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/logger.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>

namespace bubble::runtime::cache {

namespace {

bool AllSynced(const std::vector<InformerSynced>& synced) {
  return std::all_of(synced.begin(), synced.end(), [](const InformerSynced& f) { return f(); });
}

}  // namespace

bool WaitForCacheSync(const sim::Context& stop, const std::vector<InformerSynced>& synced) {
  // wait.PollImmediateUntil: the first check is immediate, then one per period.
  for (;;) {
    if (AllSynced(synced)) {
      return true;
    }
    if (!sim::SleepFor(kSyncedPollPeriod, stop)) {
      return false;
    }
  }
}

bool WaitForNamedCacheSync(std::string_view name, const sim::Context& stop,
                           const std::vector<InformerSynced>& synced) {
  spdlog::logger& log = sim::Bubble::Current()->Logger("cache");
  log.info("Waiting for caches to sync for {}", name);
  if (!WaitForCacheSync(stop, synced)) {
    log.error("Unable to sync caches for {}", name);
    return false;
  }
  log.info("Caches are synced for {}", name);
  return true;
}

bool WaitFor(const sim::Context& ctx, std::string_view what,
             const std::vector<DoneChecker>& checkers) {
  spdlog::logger& log = sim::Bubble::Current()->Logger("cache");
  if (!what.empty()) {
    log.info("Waiting for {}", what);
  }
  for (const DoneChecker& c : checkers) {
    if (!c.done->Wait(ctx)) {
      break;
    }
    if (!what.empty()) {
      log.info("Done waiting for {}: {}", what, c.name);
    }
  }
  std::vector<std::string> pending;
  for (const DoneChecker& c : checkers) {
    if (!c.done->IsSet()) {
      pending.push_back(c.name);
    }
  }
  if (pending.empty()) {
    return true;
  }
  std::sort(pending.begin(), pending.end());
  if (!what.empty()) {
    log.info("Timed out waiting for {}: {}", what, fmt::join(pending, ", "));
  }
  return false;
}

}  // namespace bubble::runtime::cache
