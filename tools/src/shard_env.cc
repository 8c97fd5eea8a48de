// tools/src/shard_env.cc
#include "shard_env.h"

#include <optional>

#include <fmt/format.h>

namespace bubble::cli {

namespace {

struct Pair {
  const char* index;
  const char* count;
  bool one_based;
};

constexpr Pair kPairs[] = {
    {"JOB_COMPLETION_INDEX", "BUBBLE_SHARD_COUNT", false},
    {"CI_NODE_INDEX", "CI_NODE_TOTAL", true},
    {"BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT", false},
    {"CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", false},
};

}  // namespace

EnvShard ShardFromEnvironment(const std::function<const char*(const char*)>& getenv) {
  EnvShard out;
  if (const char* s = getenv("BUBBLE_SHARD"); s != nullptr && *s != '\0') {
    const auto shard = ParseShard(s);
    if (!shard) {
      out.error = fmt::format("BUBBLE_SHARD=\"{}\" is not a shard: use I/N with 0 <= I < N", s);
      return out;
    }
    out.shard = *shard;
    out.source = fmt::format("BUBBLE_SHARD={}", s);
    return out;
  }
  for (const Pair& p : kPairs) {
    const char* index = getenv(p.index);
    if (index == nullptr || *index == '\0') {
      continue;
    }
    const char* count = getenv(p.count);
    if (count == nullptr || *count == '\0') {
      out.error = fmt::format("{} is set but {} is not: set {} to the number of shards", p.index,
                              p.count, p.count);
      return out;
    }
    const std::optional<std::uint64_t> i = ParseSeed(index);
    const std::optional<std::uint64_t> n = ParseSeed(count);
    const std::uint64_t first = p.one_based ? 1 : 0;
    if (!i || !n || *n == 0 || *i < first || *i - first >= *n) {
      out.error =
          fmt::format("{}=\"{}\" with {}=\"{}\" is not a shard ({}-based index below the count)",
                      p.index, index, p.count, count, first);
      return out;
    }
    out.shard = Shard{*i - first, *n};
    out.source = fmt::format("{}={}, {}={}", p.index, index, p.count, count);
    return out;
  }
  out.error =
      "--shard auto found no shard in the environment (it reads BUBBLE_SHARD, "
      "JOB_COMPLETION_INDEX with BUBBLE_SHARD_COUNT, CI_NODE_INDEX/CI_NODE_TOTAL, "
      "BUILDKITE_PARALLEL_JOB/BUILDKITE_PARALLEL_JOB_COUNT, CIRCLE_NODE_INDEX/CIRCLE_NODE_TOTAL)";
  return out;
}

}  // namespace bubble::cli
