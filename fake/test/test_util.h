// fake/test/test_util.h: helpers shared by the fake's tests.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/config_map.h>
#include <bubble/sim/bubble.h>

namespace bubble::fake::testing {

namespace rt = bubble::runtime;
namespace sim = bubble::sim;

inline const rt::GroupVersionResource& ConfigMaps() {
  return rt::ConfigMap::StaticResource();
}

inline rt::ConfigMap Cm(std::string ns, std::string name,
                        std::map<std::string, std::string> data = {}) {
  return rt::ConfigMap({.name = std::move(name), .namespace_ = std::move(ns)}, std::move(data));
}

// Runs `body` as the main fiber of a fresh bubble, twice: both runs must pass with the same
// fingerprint. `body` must build its own state (clientset, tracker) so the runs are independent.
// Returns the first result.
inline sim::RunResult RunInBubble(const std::function<void()>& body,
                                  const sim::Options& options = {}) {
  sim::RunResult runs[2];
  for (sim::RunResult& r : runs) {
    sim::Bubble b(options);
    r = b.Run([&] { body(); });
    INFO(r.report);
    REQUIRE(r.Passed());
  }
  CHECK(runs[0].fingerprint == runs[1].fingerprint);
  return runs[0];
}

// Runs a whole scenario (its own clientset and bubble) twice: both runs must pass with the same
// fingerprint. Returns the first result.
inline sim::RunResult RunTwice(const std::function<sim::RunResult()>& scenario) {
  sim::RunResult first = scenario();
  sim::RunResult second = scenario();
  INFO(first.report);
  REQUIRE(first.Passed());
  REQUIRE(second.Passed());
  CHECK(first.fingerprint == second.fingerprint);
  return first;
}

// Receives every event already buffered in a watch, formatted as "TYPE name" ("ADDED cm1").
inline std::vector<std::string> Drain(rt::Watcher& w) {
  std::vector<std::string> out;
  while (auto ev = w.ResultChan().TryRecv()) {
    if (ev->type == rt::WatchEventType::kError) {
      out.push_back(fmt::format("ERROR {}", ev->error ? ev->error->code : 0));
    } else {
      out.push_back(fmt::format("{} {}", rt::WatchEventTypeName(ev->type),
                                ev->object ? ev->object->metadata.name : std::string("?")));
    }
  }
  return out;
}

using Events = std::vector<std::string>;

}  // namespace bubble::fake::testing
