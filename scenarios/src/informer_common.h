// scenarios/src/informer_common.h
//
// What the informer scenarios (S03–S07) share: the `fifo` option, seeding the fake server with
// numbered ConfigMaps before the bubble runs, and the server's keys. (They wait for quiescence
// with runtime::AwaitQuiescence.)
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/shared_informer.h>
#include <bubble/runtime/config_map.h>
#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>

namespace bubble::scenarios::detail {

// `fifo=real|delta`: the informer's queue.
inline OptionSpec FifoOption() {
  return {.key = "fifo",
          .default_value = "real",
          .description = "the informer's queue: real (RealFIFO) or delta (DeltaFIFO)",
          .allowed = {"real", "delta"}};
}

inline runtime::cache::FifoKind FifoOf(const ScenarioContext& ctx) {
  return ctx.Option("fifo") == "delta" ? runtime::cache::FifoKind::kDelta
                                       : runtime::cache::FifoKind::kReal;
}

// Adds ConfigMaps cm1..cmN with `data` to namespace `ns` through the tracker (before Run: no
// bubble, no faults). A failure is a scenario configuration error.
inline void SeedConfigMaps(fake::Clientset& cs, std::string_view ns, int n,
                           const std::map<std::string, std::string>& data = {}) {
  for (int i = 1; i <= n; ++i) {
    auto added = cs.GetTracker().Add(
        runtime::ConfigMap({.name = fmt::format("cm{}", i), .namespace_ = std::string(ns)}, data));
    if (!added) {
      throw ConfigError(added.error().message);
    }
  }
}

// The keys of the ConfigMaps the server holds in `ns`, sorted (read from the server, not a cache).
inline std::vector<std::string> ServerConfigMapKeys(fake::Clientset& cs, std::string_view ns) {
  auto listed = cs.ConfigMaps(ns).List();
  if (!listed) {
    sim::Fail(fmt::format("list configmaps: {}", listed.error().message));
  }
  std::vector<std::string> keys;
  keys.reserve(listed->items.size());
  for (const auto& cm : listed->items) {
    keys.push_back(cm->metadata.Key());
  }
  return keys;
}

}  // namespace bubble::scenarios::detail
