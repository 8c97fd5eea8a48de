// tools/src/shard_env.h
//
// `sweep --shard auto`: the shard index and count that CI systems and Kubernetes Indexed Jobs
// put in the environment. Read in this order; the first that is set wins:
//   BUBBLE_SHARD=I/N                                  (0-based, as --shard)
//   JOB_COMPLETION_INDEX=I with BUBBLE_SHARD_COUNT=N  (Kubernetes Indexed Job, 0-based)
//   CI_NODE_INDEX=I with CI_NODE_TOTAL=N              (GitLab parallel jobs, 1-based: shard I-1)
//   BUILDKITE_PARALLEL_JOB=I with BUILDKITE_PARALLEL_JOB_COUNT=N   (0-based)
//   CIRCLE_NODE_INDEX=I with CIRCLE_NODE_TOTAL=N      (CircleCI parallelism, 0-based)
#pragma once

#include <functional>
#include <string>

#include "seed_range.h"

namespace bubble::cli {

struct EnvShard {
  Shard shard{};
  std::string source;  // "CI_NODE_INDEX=2, CI_NODE_TOTAL=4"; empty when `error` is set
  std::string error;   // why no shard was found (a usage error)
};

// Reads the variables above through `getenv` (std::getenv in the CLI; a map in tests).
EnvShard ShardFromEnvironment(const std::function<const char*(const char*)>& getenv);

}  // namespace bubble::cli
