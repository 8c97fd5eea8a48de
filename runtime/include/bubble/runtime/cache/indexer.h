// runtime/include/bubble/runtime/cache/indexer.h
//
// File: Indexer, the informer's cache (client-go's cache.NewIndexer over a threadSafeMap,
// docs/semantics.md §5.1).
//
// An Indexer stores immutable objects by key (a Store) and keeps secondary indices: for each
// named IndexFunc, indexed value -> set of keys. An IndexFunc maps an object to 0..n values;
// the namespace index maps it to its namespace:
//
//   cache::Indexer indexer(cache::DeletionHandlingMetaNamespaceKeyFunc,
//                          {{cache::kNamespaceIndex, cache::MetaNamespaceIndexFunc}});
//   indexer.Add(cm1);                                      // default/cm1
//   indexer.Add(cm2);                                      // kube-system/cm2
//   auto in_default = indexer.ByIndex(cache::kNamespaceIndex, "default");   // {cm1}
//   auto keys = indexer.IndexKeys(cache::kNamespaceIndex, "default");       // {"default/cm1"}
//   auto oops = indexer.ByIndex("byOwner", "x");  // error "Index with name byOwner does not exist"
//
// Semantics (client-go's): Add == Update (overwrite and re-index); Delete removes the key and
// its index entries, dropping index values whose key set becomes empty; Replace swaps the whole
// content and rebuilds every index; AddIndexers refuses names already present (`indexer
// conflict: map[name:{}]`) and indexes the existing items at once; Resync does nothing.
// Transaction applies a batch of adds, updates and deletes in order, as one step. An IndexFunc
// that fails while an object is written is a bug in that function: the write throws
// bubble::UsageError (client-go panics) and leaves the store unchanged.
//
// Ordering (fixed, documented; nothing here depends on hashing or addresses):
//  - List, ListKeys: sorted by key.
//  - ByIndex, Index: the matching objects sorted by key (Index: union over the object's values).
//  - IndexKeys: sorted keys.  ListIndexFuncValues: sorted values.  GetIndexers: sorted names.
//  - Index functions run in index-name order.
//
// Threading: an Indexer belongs to one bubble (or to no bubble at all: it never touches the
// scheduler). No method blocks or is a scheduling point, so no other fiber can observe an
// operation half done and the Indexer needs no mutex. Key and index functions run inside its
// methods and must not block either. Returned objects are shared immutable values.
//
// Cost: a write is O(log n) per index value plus the key and index functions; reads by key or
// index value are O(log n) plus the size of the result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include <bubble/runtime/cache/delta.h>
#include <bubble/runtime/cache/key_func.h>
#include <bubble/runtime/cache/store.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/status.h>

namespace bubble::runtime::cache {

// Computes the values an object is indexed under (0..n). Must be deterministic and not block.
using IndexFunc = std::function<Result<std::vector<std::string>>(const Object&)>;

// Index name -> function. Sorted by name; lookups accept any string-like name.
using Indexers = std::map<std::string, IndexFunc, std::less<>>;

// The name of the namespace index (client-go's cache.NamespaceIndex).
inline constexpr char kNamespaceIndex[] = "namespace";

// Indexes an object under its namespace ("" for cluster-scoped objects).
Result<std::vector<std::string>> MetaNamespaceIndexFunc(const Object& obj);

enum class TransactionType : std::uint8_t { kAdd, kUpdate, kDelete };

// One step of Indexer::Transaction (client-go's cache.Transaction).
struct Transaction {
  TransactionType type;
  DeltaObject object;
};

// What Transaction returns when some steps could not be keyed (client-go's TransactionError).
// The other steps were applied; `successful_indices` lists them in order.
struct TransactionError {
  std::vector<std::size_t> successful_indices{};
  std::size_t total_transactions = 0;
  std::vector<Status> errors{};

  // "failed to execute (1/3) transactions failed due to: [<error>, ...]".
  std::string Message() const;
};

class Indexer final : public Store {
 public:
  explicit Indexer(KeyFunc key_func = DeletionHandlingMetaNamespaceKeyFunc, Indexers indexers = {});
  Indexer(const Indexer&) = delete;
  Indexer& operator=(const Indexer&) = delete;
  ~Indexer() override = default;

  // ---- ReflectorStore ----
  // Stores `obj` under its key, replacing any previous object, and re-indexes it. Errors if the
  // key cannot be computed (e.g. a null object).
  Result<void> Add(ObjectPtr obj) override;
  // Same as Add.
  Result<void> Update(ObjectPtr obj) override;
  // Removes the key of `obj` (a tombstone's key for a tombstone); no-op if absent.
  Result<void> Delete(DeltaObject obj) override;
  // Replaces the whole content with `items` (the last one wins for a repeated key) and rebuilds
  // the indices. `resource_version` is not used. Errors (and changes nothing) if a key fails.
  Result<void> Replace(std::vector<ObjectPtr> items, std::string resource_version) override;

  // No-op (client-go's Store.Resync).
  Result<void> Resync() override { return {}; }

  // ---- KeyListerGetter and Store ----
  std::vector<std::string> ListKeys() const override;
  ObjectPtr GetByKey(std::string_view key) const override;
  std::vector<ObjectPtr> List() const override;
  Result<ObjectPtr> Get(const DeltaObject& obj) const override;

  std::size_t size() const noexcept override { return items_.size(); }

  // ---- Batches ----
  // Applies `txns` in order (add/update store the object, delete removes its key). Steps whose
  // key cannot be computed are skipped and reported; the rest are applied.
  tl::expected<void, TransactionError> Transaction(const std::vector<cache::Transaction>& txns);

  // ---- Indices ----
  // The objects that share at least one value of index `index_name` with `obj`, sorted by key.
  // Errors: `Index with name <n> does not exist`, or the index function's error for `obj`.
  Result<std::vector<ObjectPtr>> Index(std::string_view index_name, const Object& obj) const;
  // The objects indexed under `indexed_value`, sorted by key (empty if none).
  Result<std::vector<ObjectPtr>> ByIndex(std::string_view index_name,
                                         std::string_view indexed_value) const;
  // The keys indexed under `indexed_value`, sorted.
  Result<std::vector<std::string>> IndexKeys(std::string_view index_name,
                                             std::string_view indexed_value) const;
  // Every value index `index_name` currently holds, sorted (empty for an unknown index).
  std::vector<std::string> ListIndexFuncValues(std::string_view index_name) const;

  // The registered index functions, by name.
  const Indexers& GetIndexers() const noexcept { return indexers_; }

  // Registers more index functions and indexes every stored object with them. Errors, changing
  // nothing, if a name is already registered (`indexer conflict: map[<names>:{}]`) or if a new
  // function fails on a stored object.
  Result<void> AddIndexers(const Indexers& new_indexers);

  // The key function this indexer uses.
  const KeyFunc& GetKeyFunc() const noexcept { return key_func_; }

 private:
  // indexed value -> keys, for one index.
  using IndexMap = std::map<std::string, std::set<std::string, std::less<>>, std::less<>>;
  // index name -> its index.
  using IndexMaps = std::map<std::string, IndexMap, std::less<>>;
  using IndexValues = std::vector<std::vector<std::string>>;  // per indexer, in name order

  Result<std::string> KeyOf(const DeltaObject& obj) const;
  // The values of `obj` for every indexer (in name order); throws UsageError on failure.
  IndexValues ComputeIndexValues(const std::string& key, const Object& obj) const;
  // Moves `key` from the values in `old_values` to those in `new_values` (null: none).
  static void UpdateIndices(IndexMaps& indices, const std::string& key,
                            const IndexValues* old_values, const IndexValues* new_values);
  void Put(const std::string& key, ObjectPtr obj);
  // Add and Update, named for order coverage (sim/access_log.h).
  Result<void> AddOrUpdate(ObjectPtr obj, std::string_view operation);
  void Remove(const std::string& key);
  Result<const IndexMap*> FindIndex(std::string_view index_name) const;
  std::vector<ObjectPtr> ObjectsOf(const std::set<std::string, std::less<>>& keys) const;

  KeyFunc key_func_;
  Indexers indexers_;
  std::map<std::string, ObjectPtr, std::less<>> items_;
  IndexMaps indices_;
};

}  // namespace bubble::runtime::cache
