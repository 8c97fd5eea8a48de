// scenarios/src/informer_common.h
//
// What the informer scenarios (S03–S07) share: the `fifo` option and seeding the fake server
// with numbered ConfigMaps before the bubble runs.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/shared_informer.h>
#include <bubble/runtime/config_map.h>
#include <bubble/scenarios/registry.h>

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

}  // namespace bubble::scenarios::detail
