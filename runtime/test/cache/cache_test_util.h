// runtime/test/cache/cache_test_util.h: helpers shared by the cache tests.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/runtime/cache/delta.h>
#include <bubble/runtime/cache/queue.h>
#include <bubble/runtime/config_map.h>
#include <bubble/runtime/object.h>
#include <bubble/sim/bubble.h>

namespace cache_test {

namespace runtime = bubble::runtime;
namespace cache = bubble::runtime::cache;

// A ConfigMap named `name` (cluster-scoped unless `ns` is given) at resourceVersion `rv`.
inline runtime::ObjectPtr Obj(std::string name, std::string rv, std::string ns = "",
                              std::map<std::string, std::string> labels = {}) {
  return std::make_shared<const runtime::ConfigMap>(runtime::ObjectMeta{
      .name = std::move(name),
      .namespace_ = std::move(ns),
      .resource_version = std::move(rv),
      .labels = std::move(labels),
  });
}

// "foo@10", "<nil>".
inline std::string Describe(const runtime::ObjectPtr& obj) {
  if (obj == nullptr) {
    return "<nil>";
  }
  return fmt::format("{}@{}", obj->metadata.Key(), obj->metadata.resource_version);
}

// "foo@10", "DFSU(foo, foo@10)".
inline std::string Describe(const cache::DeltaObject& obj) {
  if (const auto* t = std::get_if<cache::DeletedFinalStateUnknown>(&obj)) {
    return fmt::format("DFSU({}, {})", t->key, Describe(t->obj));
  }
  return Describe(std::get<runtime::ObjectPtr>(obj));
}

// "Added foo@10", "Deleted DFSU(foo, foo@10)".
inline std::string Describe(const cache::Delta& d) {
  return fmt::format("{} {}", cache::DeltaTypeName(d.type), Describe(d.object));
}

inline std::vector<std::string> Describe(const cache::Deltas& deltas) {
  std::vector<std::string> out;
  out.reserve(deltas.size());
  for (const cache::Delta& d : deltas) {
    out.push_back(Describe(d));
  }
  return out;
}

using Described = std::vector<std::string>;

// Pops one entry (the queue must not be empty: an empty queue blocks and the run deadlocks) and
// describes its deltas.
inline Described PopOne(cache::Queue& q) {
  auto popped = q.Pop(cache::PopProcessFunc{});
  if (!popped) {
    FAIL_CHECK("Pop failed: " << popped.error().message);
    return {};
  }
  return Describe(*popped);
}

// Pops every queued entry.
inline std::vector<Described> PopAll(cache::Queue& q) {
  std::vector<Described> out;
  while (q.Len() > 0) {
    out.push_back(PopOne(q));
  }
  return out;
}

// Runs `body` as fiber "main" of a bubble with `seed` under the random strategy, twice: both runs
// must pass and have the same fingerprint.
inline void RunInBubble(std::uint64_t seed, const std::function<void()>& body) {
  std::uint64_t fingerprints[2] = {0, 0};
  for (int run = 0; run < 2; ++run) {
    bubble::sim::Bubble b({.seed = seed, .strategy = bubble::sim::StrategyKind::kRandom});
    auto r = b.Run([&] { body(); });
    INFO(r.report);
    REQUIRE(r.Passed());
    fingerprints[run] = r.fingerprint;
  }
  CHECK(fingerprints[0] == fingerprints[1]);
}

}  // namespace cache_test
