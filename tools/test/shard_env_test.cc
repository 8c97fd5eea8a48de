// tools/test/shard_env_test.cc
#include "shard_env.h"

#include <map>
#include <string>

#include <catch2/catch.hpp>

namespace t = bubble::cli;

namespace {

t::EnvShard From(const std::map<std::string, std::string>& env) {
  return t::ShardFromEnvironment([&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

}  // namespace

TEST_CASE("shard auto reads a Kubernetes Indexed Job's index with BUBBLE_SHARD_COUNT",
          "[tools][shard]") {
  const t::EnvShard s = From({{"JOB_COMPLETION_INDEX", "2"}, {"BUBBLE_SHARD_COUNT", "4"}});
  CHECK(s.error.empty());
  CHECK(s.shard.index == 2);
  CHECK(s.shard.count == 4);
  CHECK(s.source == "JOB_COMPLETION_INDEX=2, BUBBLE_SHARD_COUNT=4");
  CHECK_THAT(From({{"JOB_COMPLETION_INDEX", "2"}}).error,
             Catch::Matchers::Contains("BUBBLE_SHARD_COUNT is not"));
}

TEST_CASE("shard auto: GitLab's CI_NODE_INDEX is 1-based, Buildkite's and CircleCI's 0-based",
          "[tools][shard]") {
  const t::EnvShard gitlab = From({{"CI_NODE_INDEX", "1"}, {"CI_NODE_TOTAL", "3"}});
  CHECK(gitlab.shard.index == 0);
  CHECK(gitlab.shard.count == 3);
  CHECK(!From({{"CI_NODE_INDEX", "0"}, {"CI_NODE_TOTAL", "3"}}).error.empty());
  CHECK(From({{"CI_NODE_INDEX", "3"}, {"CI_NODE_TOTAL", "3"}}).shard.index == 2);
  const t::EnvShard bk =
      From({{"BUILDKITE_PARALLEL_JOB", "0"}, {"BUILDKITE_PARALLEL_JOB_COUNT", "2"}});
  CHECK(bk.shard.index == 0);
  CHECK(bk.shard.count == 2);
  const t::EnvShard circle = From({{"CIRCLE_NODE_INDEX", "1"}, {"CIRCLE_NODE_TOTAL", "2"}});
  CHECK(circle.shard.index == 1);
  CHECK(!From({{"CIRCLE_NODE_INDEX", "2"}, {"CIRCLE_NODE_TOTAL", "2"}}).error.empty());
}

TEST_CASE("shard auto: BUBBLE_SHARD wins, and nothing set is an error naming what was read",
          "[tools][shard]") {
  const t::EnvShard s =
      From({{"BUBBLE_SHARD", "1/5"}, {"CI_NODE_INDEX", "1"}, {"CI_NODE_TOTAL", "3"}});
  CHECK(s.shard.index == 1);
  CHECK(s.shard.count == 5);
  CHECK(!From({{"BUBBLE_SHARD", "5/5"}}).error.empty());
  const std::string none = From({}).error;
  CHECK_THAT(none, Catch::Matchers::Contains("JOB_COMPLETION_INDEX") &&
                       Catch::Matchers::Contains("CI_NODE_INDEX") &&
                       Catch::Matchers::Contains("CIRCLE_NODE_INDEX"));
}
