// runtime/test/cache/indexer_test.cc: Store and Indexer (docs/semantics.md §5.1), with the cases of
// client-go's index_test.go, store_test.go and thread_safe_store_test.go.
#include "bubble/runtime/cache/indexer.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <bubble/runtime/cache/errors.h>
#include <bubble/sim/error.h>

#include "cache/cache_test_util.h"

namespace runtime = bubble::runtime;
namespace cache = bubble::runtime::cache;
using cache_test::Describe;
using cache_test::Obj;

namespace {

// Indexes an object under each comma-separated user in its "users" label (client-go's
// testUsersIndexFunc).
runtime::Result<std::vector<std::string>> UsersIndexFunc(const runtime::Object& obj) {
  std::vector<std::string> users;
  auto it = obj.metadata.labels.find("users");
  if (it == obj.metadata.labels.end() || it->second.empty()) {
    return users;
  }
  std::string::size_type start = 0;
  while (true) {
    const auto comma = it->second.find(',', start);
    users.push_back(it->second.substr(start, comma - start));
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return users;
}

runtime::ObjectPtr WithUsers(std::string name, std::string users, std::string rv = "1") {
  return Obj(std::move(name), std::move(rv), "", {{"users", std::move(users)}});
}

std::vector<std::string> Names(const std::vector<runtime::ObjectPtr>& objs) {
  std::vector<std::string> out;
  for (const auto& o : objs) {
    out.push_back(Describe(o));
  }
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("List and ListKeys return items sorted by key, whatever the insertion order",
          "[runtime][cache]") {
  cache::Indexer store;
  for (const char* name : {"zeta", "alpha", "mid"}) {
    REQUIRE(store.Add(Obj(name, "1", "ns")));
  }
  REQUIRE(store.Add(Obj("cluster-wide", "1")));
  CHECK(store.ListKeys() == Strings{"cluster-wide", "ns/alpha", "ns/mid", "ns/zeta"});
  CHECK(Names(store.List()) == Strings{"cluster-wide@1", "ns/alpha@1", "ns/mid@1", "ns/zeta@1"});
  CHECK(store.size() == 4);
}

TEST_CASE("Add and Update overwrite, Delete removes by object or by tombstone key",
          "[runtime][cache]") {
  cache::Indexer store;
  REQUIRE(store.Add(Obj("a", "1", "ns")));
  REQUIRE(store.Update(Obj("a", "2", "ns")));
  CHECK(Describe(store.GetByKey("ns/a")) == "ns/a@2");
  CHECK(Describe(store.Get(Obj("a", "", "ns")).value()) == "ns/a@2");
  CHECK(store.GetByKey("ns/missing") == nullptr);
  CHECK(store.Get(Obj("missing", "", "ns")).value() == nullptr);

  REQUIRE(store.Add(Obj("b", "1", "ns")));
  REQUIRE(store.Delete(Obj("a", "9", "ns")));
  REQUIRE(store.Delete(cache::DeletedFinalStateUnknown{"ns/b", nullptr}));
  REQUIRE(store.Delete(Obj("never-there", "1", "ns")));  // no-op, no error
  CHECK(store.ListKeys().empty());
}

TEST_CASE("a store rejects objects it cannot key", "[runtime][cache]") {
  cache::Indexer store;
  auto added = store.Add(nullptr);
  REQUIRE_FALSE(added.has_value());
  CHECK(added.error().message ==
        "couldn't create key for object <nil>: object has no meta: object is null");
  CHECK_FALSE(store.Replace({Obj("a", "1"), nullptr}, "5"));
  CHECK(store.size() == 0);
}

TEST_CASE("Replace swaps the content (last object wins per key) and Resync does nothing",
          "[runtime][cache]") {
  cache::Indexer store;
  REQUIRE(store.Add(Obj("old", "1")));
  REQUIRE(store.Replace({Obj("b", "1"), Obj("a", "1"), Obj("b", "2")}, "7"));
  CHECK(Names(store.List()) == Strings{"a@1", "b@2"});
  REQUIRE(store.Resync());
  CHECK(Names(store.List()) == Strings{"a@1", "b@2"});
}

TEST_CASE("ByIndex with a multi-value index finds every object sharing a value, sorted by key",
          "[runtime][cache]") {
  // client-go TestMultiIndexKeys.
  cache::Indexer index(cache::MetaNamespaceKeyFunc, {{"byUser", UsersIndexFunc}});
  REQUIRE(index.Add(WithUsers("one", "ernie,bert")));
  REQUIRE(index.Add(WithUsers("two", "bert,oscar")));
  REQUIRE(index.Add(WithUsers("tre", "ernie,elmo")));

  CHECK(Names(index.ByIndex("byUser", "ernie").value()) == Strings{"one@1", "tre@1"});
  CHECK(Names(index.ByIndex("byUser", "bert").value()) == Strings{"one@1", "two@1"});
  CHECK(Names(index.ByIndex("byUser", "elmo").value()) == Strings{"tre@1"});
  CHECK(Names(index.ByIndex("byUser", "oscar").value()) == Strings{"two@1"});
  CHECK(index.ByIndex("byUser", "elmo1").value().empty());
  CHECK(index.IndexKeys("byUser", "bert").value() == Strings{"one", "two"});
  CHECK(index.ListIndexFuncValues("byUser") == Strings{"bert", "elmo", "ernie", "oscar"});

  // Delete drops the object's entries, and values left without keys disappear.
  REQUIRE(index.Delete(WithUsers("tre", "ignored")));
  CHECK(Names(index.ByIndex("byUser", "ernie").value()) == Strings{"one@1"});
  CHECK(index.ByIndex("byUser", "elmo").value().empty());
  CHECK(index.ListIndexFuncValues("byUser") == Strings{"bert", "ernie", "oscar"});

  // Update moves the key from its old values to its new ones.
  REQUIRE(index.Update(WithUsers("two", "oscar", "2")));
  CHECK(Names(index.ByIndex("byUser", "bert").value()) == Strings{"one@1"});
  CHECK(Names(index.ByIndex("byUser", "oscar").value()) == Strings{"two@2"});
}

TEST_CASE("Index returns the objects that share any indexed value with the given object",
          "[runtime][cache]") {
  cache::Indexer index(cache::MetaNamespaceKeyFunc, {{"byUser", UsersIndexFunc}});
  REQUIRE(index.Add(WithUsers("one", "ernie,bert")));
  REQUIRE(index.Add(WithUsers("two", "bert,oscar")));
  REQUIRE(index.Add(WithUsers("tre", "elmo")));
  // A probe object that is not stored: union of "oscar" and "elmo", sorted by key.
  CHECK(Names(index.Index("byUser", *WithUsers("probe", "oscar,elmo")).value()) ==
        Strings{"tre@1", "two@1"});
  CHECK(index.Index("byUser", *WithUsers("probe", "nobody")).value().empty());
}

TEST_CASE("asking for an index that does not exist fails with client-go's message",
          "[runtime][cache]") {
  cache::Indexer index(cache::MetaNamespaceKeyFunc, {{"byUser", UsersIndexFunc}});
  REQUIRE(index.Add(WithUsers("one", "ernie")));
  const std::string want = "Index with name byOwner does not exist";
  auto by_index = index.ByIndex("byOwner", "x");
  REQUIRE_FALSE(by_index.has_value());
  CHECK(by_index.error().message == want);
  auto keys = index.IndexKeys("byOwner", "x");
  REQUIRE_FALSE(keys.has_value());
  CHECK(keys.error().message == want);
  auto idx = index.Index("byOwner", *WithUsers("one", "ernie"));
  REQUIRE_FALSE(idx.has_value());
  CHECK(idx.error().message == want);
  CHECK(index.ListIndexFuncValues("byOwner").empty());
}

TEST_CASE("AddIndexers indexes existing items at once and refuses a name already registered",
          "[runtime][cache]") {
  cache::Indexer index(cache::MetaNamespaceKeyFunc,
                       {{cache::kNamespaceIndex, cache::MetaNamespaceIndexFunc}});
  REQUIRE(index.Add(Obj("a", "1", "ns1", {{"users", "ernie"}})));
  REQUIRE(index.Add(Obj("b", "1", "ns2", {{"users", "ernie,bert"}})));

  REQUIRE(index.AddIndexers({{"byUser", UsersIndexFunc}}));
  CHECK(index.IndexKeys("byUser", "ernie").value() == Strings{"ns1/a", "ns2/b"});
  CHECK(index.IndexKeys("byUser", "bert").value() == Strings{"ns2/b"});
  // Later writes maintain the new index too.
  REQUIRE(index.Add(Obj("c", "1", "ns1", {{"users", "bert"}})));
  CHECK(index.IndexKeys("byUser", "bert").value() == Strings{"ns1/c", "ns2/b"});

  auto conflict = index.AddIndexers({{"byUser", UsersIndexFunc},
                                     {cache::kNamespaceIndex, cache::MetaNamespaceIndexFunc},
                                     {"fresh", UsersIndexFunc}});
  REQUIRE_FALSE(conflict.has_value());
  CHECK(conflict.error().message == "indexer conflict: map[byUser:{} namespace:{}]");
  // Nothing of a refused call is registered, not even the fresh name.
  CHECK(index.GetIndexers().size() == 2);
  CHECK_FALSE(index.GetIndexers().contains("fresh"));
}

TEST_CASE("the namespace index groups objects by namespace", "[runtime][cache]") {
  cache::Indexer index(cache::DeletionHandlingMetaNamespaceKeyFunc,
                       {{cache::kNamespaceIndex, cache::MetaNamespaceIndexFunc}});
  REQUIRE(index.Add(Obj("b", "1", "default")));
  REQUIRE(index.Add(Obj("a", "1", "default")));
  REQUIRE(index.Add(Obj("a", "1", "kube-system")));
  REQUIRE(index.Add(Obj("node", "1")));
  CHECK(std::string(cache::kNamespaceIndex) == "namespace");
  CHECK(Names(index.ByIndex(cache::kNamespaceIndex, "default").value()) ==
        Strings{"default/a@1", "default/b@1"});
  CHECK(index.IndexKeys(cache::kNamespaceIndex, "kube-system").value() == Strings{"kube-system/a"});
  CHECK(index.IndexKeys(cache::kNamespaceIndex, "").value() == Strings{"node"});
  CHECK(index.ListIndexFuncValues(cache::kNamespaceIndex) == Strings{"", "default", "kube-system"});
  // A tombstone deletes through the deletion-handling key function.
  REQUIRE(index.Delete(cache::DeletedFinalStateUnknown{"default/a", nullptr}));
  CHECK(index.IndexKeys(cache::kNamespaceIndex, "default").value() == Strings{"default/b"});
}

TEST_CASE("Replace rebuilds every index from the new content", "[runtime][cache]") {
  cache::Indexer index(
      cache::MetaNamespaceKeyFunc,
      {{cache::kNamespaceIndex, cache::MetaNamespaceIndexFunc}, {"byUser", UsersIndexFunc}});
  REQUIRE(index.Add(Obj("gone", "1", "old-ns", {{"users", "ernie"}})));
  REQUIRE(index.Add(Obj("kept", "1", "ns", {{"users", "ernie"}})));
  REQUIRE(
      index.Replace({Obj("kept", "2", "ns", {{"users", "bert"}}), Obj("new", "1", "ns2")}, "10"));
  CHECK(index.ListIndexFuncValues(cache::kNamespaceIndex) == Strings{"ns", "ns2"});
  CHECK(index.ListIndexFuncValues("byUser") == Strings{"bert"});
  CHECK(index.IndexKeys("byUser", "ernie").value().empty());
  CHECK(index.IndexKeys("byUser", "bert").value() == Strings{"ns/kept"});
}

TEST_CASE("Transaction applies adds, updates and deletes in order and reports unkeyable steps",
          "[runtime][cache]") {
  cache::Indexer index(cache::DeletionHandlingMetaNamespaceKeyFunc,
                       {{cache::kNamespaceIndex, cache::MetaNamespaceIndexFunc}});
  REQUIRE(index.Add(Obj("a", "1", "ns")));
  auto ok = index.Transaction({
      {cache::TransactionType::kAdd, Obj("b", "1", "ns")},
      {cache::TransactionType::kUpdate, Obj("a", "2", "ns")},
      {cache::TransactionType::kDelete, cache::DeletedFinalStateUnknown{"ns/b", nullptr}},
      {cache::TransactionType::kAdd, Obj("c", "1", "ns")},
  });
  REQUIRE(ok.has_value());
  CHECK(Names(index.List()) == Strings{"ns/a@2", "ns/c@1"});
  CHECK(index.IndexKeys(cache::kNamespaceIndex, "ns").value() == Strings{"ns/a", "ns/c"});

  auto partial = index.Transaction({
      {cache::TransactionType::kAdd, Obj("d", "1", "ns")},
      {cache::TransactionType::kAdd, runtime::ObjectPtr{}},
      {cache::TransactionType::kDelete, Obj("a", "2", "ns")},
  });
  REQUIRE_FALSE(partial.has_value());
  CHECK(partial.error().successful_indices == std::vector<std::size_t>{0, 2});
  CHECK(partial.error().total_transactions == 3);
  REQUIRE(partial.error().errors.size() == 1);
  CHECK(partial.error().Message() ==
        "failed to execute (1/3) transactions failed due to: [couldn't create key for object "
        "<nil>: object has no meta: object is null]");
  CHECK(index.ListKeys() == Strings{"ns/c", "ns/d"});
}

TEST_CASE("an index function failing on a write throws UsageError and leaves the store as it was",
          "[runtime][cache]") {
  auto picky = [](const runtime::Object& obj) -> runtime::Result<std::vector<std::string>> {
    if (obj.metadata.name == "bad") {
      return runtime::Err(cache::NewCacheError("no index for bad"));
    }
    return std::vector<std::string>{obj.metadata.name};
  };
  cache::Indexer index(cache::MetaNamespaceKeyFunc, {{"byName", picky}});
  REQUIRE(index.Add(Obj("good", "1")));
  CHECK_THROWS_AS(index.Add(Obj("bad", "1")), bubble::UsageError);
  CHECK_THROWS_WITH(index.Replace({Obj("good", "2"), Obj("bad", "1")}, "3"),
                    Catch::Matchers::Contains(
                        "unable to calculate an index entry for key \"bad\" on index \"byName\": "
                        "no index for bad"));
  CHECK(Names(index.List()) == Strings{"good@1"});
  CHECK(index.ListIndexFuncValues("byName") == Strings{"good"});

  // AddIndexers reports the failure as an error instead and registers nothing.
  cache::Indexer plain;
  REQUIRE(plain.Add(Obj("bad", "1")));
  auto added = plain.AddIndexers({{"byName", picky}});
  REQUIRE_FALSE(added.has_value());
  CHECK(added.error().message ==
        "unable to calculate an index entry for key \"bad\" on index \"byName\": no index for bad");
  CHECK(plain.GetIndexers().empty());
}

TEST_CASE("an Indexer is the KeyListerGetter the FIFOs consult", "[runtime][cache]") {
  cache::Indexer index;
  REQUIRE(index.Add(Obj("b", "1")));
  REQUIRE(index.Add(Obj("a", "1")));
  const cache::KeyListerGetter& known = index;
  CHECK(known.ListKeys() == Strings{"a", "b"});
  CHECK(Describe(known.GetByKey("a")) == "a@1");
  CHECK(known.GetByKey("zz") == nullptr);
}
