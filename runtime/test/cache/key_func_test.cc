// runtime/test/cache/key_func_test.cc: cache keys (docs/semantics.md §5.1).
#include "bubble/runtime/cache/key_func.h"

#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <bubble/runtime/cache/errors.h>

#include "cache/cache_test_util.h"

namespace cache = bubble::runtime::cache;
using cache_test::Obj;

TEST_CASE("MetaNamespaceKeyFunc keys namespaced objects ns/name and cluster objects name",
          "[runtime][cache]") {
  CHECK(cache::MetaNamespaceKeyFunc(Obj("cm1", "1", "default")).value() == "default/cm1");
  CHECK(cache::MetaNamespaceKeyFunc(Obj("node-a", "1")).value() == "node-a");
}

TEST_CASE("MetaNamespaceKeyFunc fails for a null object and for a tombstone", "[runtime][cache]") {
  auto null_key = cache::MetaNamespaceKeyFunc(bubble::runtime::ObjectPtr{});
  REQUIRE_FALSE(null_key.has_value());
  CHECK(null_key.error().message == "object has no meta: object is null");
  CHECK(null_key.error().code == 0);

  auto tombstone_key =
      cache::MetaNamespaceKeyFunc(cache::DeletedFinalStateUnknown{"default/cm1", nullptr});
  REQUIRE_FALSE(tombstone_key.has_value());
  CHECK(tombstone_key.error().message.starts_with("object has no meta: "));
}

TEST_CASE("DeletionHandlingMetaNamespaceKeyFunc keys a tombstone by the key it carries",
          "[runtime][cache]") {
  // The tombstone's key wins even over the key of the object it carries.
  cache::DeletedFinalStateUnknown t{"other/key", Obj("cm1", "3", "default")};
  CHECK(cache::DeletionHandlingMetaNamespaceKeyFunc(t).value() == "other/key");
  CHECK(cache::DeletionHandlingMetaNamespaceKeyFunc(cache::DeletedFinalStateUnknown{"x", nullptr})
            .value() == "x");
  CHECK(cache::DeletionHandlingMetaNamespaceKeyFunc(Obj("cm1", "1", "default")).value() ==
        "default/cm1");
  CHECK_FALSE(cache::DeletionHandlingMetaNamespaceKeyFunc(bubble::runtime::ObjectPtr{}));
}

TEST_CASE("SplitMetaNamespaceKey accepts one or two parts and rejects more", "[runtime][cache]") {
  CHECK(cache::SplitMetaNamespaceKey("default/cm1").value() ==
        cache::ObjectName{.namespace_ = "default", .name = "cm1"});
  CHECK(cache::SplitMetaNamespaceKey("node-a").value() ==
        cache::ObjectName{.namespace_ = "", .name = "node-a"});
  CHECK(cache::SplitMetaNamespaceKey("/cm1").value() ==
        cache::ObjectName{.namespace_ = "", .name = "cm1"});
  CHECK(cache::SplitMetaNamespaceKey("").value() == cache::ObjectName{});
  auto bad = cache::SplitMetaNamespaceKey("a/b/c");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message == "unexpected key format: \"a/b/c\"");
  CHECK(fmt::format("{}", bad.error()) == "unexpected key format: \"a/b/c\"");
}

TEST_CASE("ObjectName::String round-trips SplitMetaNamespaceKey", "[runtime][cache]") {
  for (const std::string key : {"default/cm1", "node-a"}) {
    CHECK(cache::SplitMetaNamespaceKey(key).value().String() == key);
  }
}

TEST_CASE("a key error names the object and the cause like client-go's KeyError",
          "[runtime][cache]") {
  auto cause = cache::MetaNamespaceKeyFunc(bubble::runtime::ObjectPtr{}).error();
  CHECK(cache::NewKeyError(bubble::runtime::ObjectPtr{}, cause).message ==
        "couldn't create key for object <nil>: object has no meta: object is null");
}

TEST_CASE("the closed-FIFO error is recognised and is not an API status", "[runtime][cache]") {
  const auto closed = cache::NewFifoClosedError();
  CHECK(cache::IsFifoClosed(closed));
  CHECK(closed.message == "DeltaFIFO: manipulating with closed queue");
  CHECK_FALSE(bubble::runtime::IsInternalError(closed));
  CHECK_FALSE(cache::IsFifoClosed(cache::NewCacheError("other")));
}
