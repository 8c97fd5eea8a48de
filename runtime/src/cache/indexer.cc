// runtime/src/cache/indexer.cc
#include "bubble/runtime/cache/indexer.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include <fmt/format.h>

#include <bubble/runtime/cache/errors.h>
#include <bubble/sim/access_log.h>
#include <bubble/sim/error.h>
#include <bubble/sim/preempt.h>

namespace bubble::runtime::cache {

namespace {

// Go prints a sets.Set[string] with %v as a map with sorted keys: "map[a:{} b:{}]".
std::string FormatGoSet(const std::vector<std::string>& names) {
  std::string out = "map[";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) {
      out += ' ';
    }
    out += names[i];
    out += ":{}";
  }
  out += ']';
  return out;
}

// Order coverage (sim/access_log.h): a cache's objects by key, the cache as a whole as "*" (a
// list or an index lookup reads it, a write to any key writes a member of it).
constexpr std::string_view kWholeCache = "*";

void NoteRead(const void* cache, std::string_view key, std::string_view operation) {
  sim::NoteAccess(sim::AccessKind::kRead, key, operation, cache);
}

void NoteWrite(const void* cache, std::string_view key, std::string_view operation) {
  if (sim::RecordingAccesses()) {
    sim::NoteAccess(sim::AccessKind::kWrite, key, operation, cache);
    sim::NoteAccess(sim::AccessKind::kMemberWrite, kWholeCache, operation, cache);
  }
}

Status NoSuchIndex(std::string_view index_name) {
  return NewCacheError(fmt::format("Index with name {} does not exist", index_name));
}

}  // namespace

Result<std::vector<std::string>> MetaNamespaceIndexFunc(const Object& obj) {
  return std::vector<std::string>{obj.metadata.namespace_};
}

std::string TransactionError::Message() const {
  std::vector<std::string> texts;
  texts.reserve(errors.size());
  for (const Status& e : errors) {
    texts.push_back(e.message);
  }
  // Go prints the []error with %v: "[first second]".
  return fmt::format("failed to execute ({}/{}) transactions failed due to: [{}]",
                     total_transactions - successful_indices.size(), total_transactions,
                     fmt::join(texts, " "));
}

Indexer::Indexer(KeyFunc key_func, Indexers indexers)
    : key_func_(std::move(key_func)), indexers_(std::move(indexers)) {
  BUBBLE_EXPECT(key_func_ != nullptr,
                "Indexer needs a key function: pass "
                "cache::DeletionHandlingMetaNamespaceKeyFunc (the default)");
  for (const auto& [name, fn] : indexers_) {
    BUBBLE_EXPECT(fn != nullptr, "index function '{}' of an Indexer is empty: give it a function",
                  name);
    indices_.try_emplace(name);
  }
}

Result<std::string> Indexer::KeyOf(const DeltaObject& obj) const {
  auto key = key_func_(obj);
  if (!key) {
    return Err(NewKeyError(obj, key.error()));
  }
  return key;
}

Indexer::IndexValues Indexer::ComputeIndexValues(const std::string& key, const Object& obj) const {
  IndexValues values;
  values.reserve(indexers_.size());
  for (const auto& [name, fn] : indexers_) {
    auto v = fn(obj);
    if (!v) {
      // client-go panics here: an index function that fails on a stored object is a bug.
      ::bubble::detail::ThrowUsageError(
          __FILE__, __LINE__,
          fmt::format("unable to calculate an index entry for key \"{}\" on index \"{}\": {}: "
                      "index functions must succeed for every object the store holds",
                      key, name, v.error()));
    }
    values.push_back(std::move(*v));
  }
  return values;
}

void Indexer::UpdateIndices(IndexMaps& indices, const std::string& key,
                            const IndexValues* old_values, const IndexValues* new_values) {
  std::size_t i = 0;
  for (auto& [name, index] : indices) {
    const std::vector<std::string>* old_v = old_values != nullptr ? &(*old_values)[i] : nullptr;
    const std::vector<std::string>* new_v = new_values != nullptr ? &(*new_values)[i] : nullptr;
    ++i;
    if (old_v != nullptr && new_v != nullptr && *old_v == *new_v) {
      continue;  // unchanged (client-go short-cuts the single-value case)
    }
    if (old_v != nullptr) {
      for (const std::string& value : *old_v) {
        auto it = index.find(value);
        if (it == index.end()) {
          continue;
        }
        it->second.erase(key);
        if (it->second.empty()) {
          index.erase(it);
        }
      }
    }
    if (new_v != nullptr) {
      for (const std::string& value : *new_v) {
        index[value].insert(key);
      }
    }
  }
}

void Indexer::Put(const std::string& key, ObjectPtr obj) {
  // Compute everything that can fail before changing anything.
  IndexValues new_values = ComputeIndexValues(key, *obj);
  auto it = items_.find(key);
  if (it == items_.end()) {
    UpdateIndices(indices_, key, nullptr, &new_values);
    items_.emplace(key, std::move(obj));
    return;
  }
  IndexValues old_values = ComputeIndexValues(key, *it->second);
  UpdateIndices(indices_, key, &old_values, &new_values);
  it->second = std::move(obj);
}

void Indexer::Remove(const std::string& key) {
  auto it = items_.find(key);
  if (it == items_.end()) {
    return;
  }
  IndexValues old_values = ComputeIndexValues(key, *it->second);
  UpdateIndices(indices_, key, &old_values, nullptr);
  items_.erase(it);
}

Result<void> Indexer::Add(ObjectPtr obj) {
  return AddOrUpdate(std::move(obj), "cache add");
}

Result<void> Indexer::AddOrUpdate(ObjectPtr obj, std::string_view operation) {
  auto key = KeyOf(obj);
  if (!key) {
    return Err(key.error());
  }
  if (obj == nullptr) {  // only a custom key function lets a null object get this far
    return Err(NewCacheError(fmt::format("cannot store a null object under key \"{}\"", *key)));
  }
  NoteWrite(this, *key, operation);
  Put(*key, std::move(obj));
  return {};
}

Result<void> Indexer::Update(ObjectPtr obj) {
  return AddOrUpdate(std::move(obj), "cache update");
}

Result<void> Indexer::Delete(DeltaObject obj) {
  auto key = KeyOf(obj);
  if (!key) {
    return Err(key.error());
  }
  NoteWrite(this, *key, "cache delete");
  Remove(*key);
  return {};
}

Result<void> Indexer::Replace(std::vector<ObjectPtr> items, std::string /*resource_version*/) {
  std::map<std::string, ObjectPtr, std::less<>> new_items;
  for (ObjectPtr& obj : items) {
    auto key = KeyOf(obj);
    if (!key) {
      return Err(key.error());
    }
    if (obj == nullptr) {
      return Err(NewCacheError(fmt::format("cannot store a null object under key \"{}\"", *key)));
    }
    new_items.insert_or_assign(std::move(*key), std::move(obj));
  }
  // Build the new indices aside, so a failing index function leaves the store as it was.
  IndexMaps new_indices;
  for (const auto& [name, fn] : indexers_) {
    new_indices.try_emplace(name);
  }
  for (const auto& [key, obj] : new_items) {
    IndexValues values = ComputeIndexValues(key, *obj);
    UpdateIndices(new_indices, key, nullptr, &values);
  }
  if (sim::RecordingAccesses()) {
    // Every key held before or after is written, and the cache as a whole.
    for (const auto& [key, obj] : items_) {
      sim::NoteAccess(sim::AccessKind::kWrite, key, "cache replace", this);
    }
    for (const auto& [key, obj] : new_items) {
      if (!items_.contains(key)) {
        sim::NoteAccess(sim::AccessKind::kWrite, key, "cache replace", this);
      }
    }
    sim::NoteAccess(sim::AccessKind::kWrite, kWholeCache, "cache replace", this);
  }
  items_ = std::move(new_items);
  indices_ = std::move(new_indices);
  return {};
}

std::vector<std::string> Indexer::ListKeys() const {
  sim::PreemptionPoint(sim::PreemptKind::kCache, "cache: list keys");
  NoteRead(this, kWholeCache, "cache list keys");
  std::vector<std::string> keys;
  keys.reserve(items_.size());
  for (const auto& [key, obj] : items_) {
    keys.push_back(key);
  }
  return keys;
}

ObjectPtr Indexer::GetByKey(std::string_view key) const {
  sim::PreemptionPoint(sim::PreemptKind::kCache, "cache: get", key);
  NoteRead(this, key, "cache get");
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Indexer::List() const {
  sim::PreemptionPoint(sim::PreemptKind::kCache, "cache: list");
  NoteRead(this, kWholeCache, "cache list");
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_) {
    out.push_back(obj);
  }
  return out;
}

Result<ObjectPtr> Indexer::Get(const DeltaObject& obj) const {
  auto key = KeyOf(obj);
  if (!key) {
    return Err(key.error());
  }
  return GetByKey(*key);
}

tl::expected<void, TransactionError> Indexer::Transaction(
    const std::vector<cache::Transaction>& txns) {
  TransactionError failure;
  failure.total_transactions = txns.size();
  failure.successful_indices.reserve(txns.size());
  for (std::size_t i = 0; i < txns.size(); ++i) {
    const cache::Transaction& txn = txns[i];
    auto key = KeyOf(txn.object);
    if (!key) {
      failure.errors.push_back(key.error());
      continue;
    }
    NoteWrite(this, *key, txn.type == TransactionType::kDelete ? "cache delete" : "cache update");
    if (txn.type == TransactionType::kDelete) {
      Remove(*key);
    } else {
      const ObjectPtr& obj = ObjectOf(txn.object);
      if (obj == nullptr) {
        failure.errors.push_back(
            NewCacheError(fmt::format("cannot store a null object under key \"{}\"", *key)));
        continue;
      }
      Put(*key, obj);
    }
    failure.successful_indices.push_back(i);
  }
  if (!failure.errors.empty()) {
    return tl::unexpected<TransactionError>(std::move(failure));
  }
  return {};
}

Result<const Indexer::IndexMap*> Indexer::FindIndex(std::string_view index_name) const {
  auto it = indices_.find(index_name);
  if (it == indices_.end()) {
    return Err(NoSuchIndex(index_name));
  }
  return &it->second;
}

std::vector<ObjectPtr> Indexer::ObjectsOf(const std::set<std::string, std::less<>>& keys) const {
  std::vector<ObjectPtr> out;
  out.reserve(keys.size());
  for (const std::string& key : keys) {
    if (auto it = items_.find(key); it != items_.end()) {
      out.push_back(it->second);
    }
  }
  return out;
}

Result<std::vector<ObjectPtr>> Indexer::Index(std::string_view index_name,
                                              const Object& obj) const {
  sim::PreemptionPoint(sim::PreemptKind::kCache, "cache: index", index_name);
  NoteRead(this, kWholeCache, "cache index");
  auto index = FindIndex(index_name);
  if (!index) {
    return Err(index.error());
  }
  auto values = indexers_.find(index_name)->second(obj);
  if (!values) {
    return Err(values.error());
  }
  std::set<std::string, std::less<>> keys;
  for (const std::string& value : *values) {
    if (auto it = (*index)->find(value); it != (*index)->end()) {
      keys.insert(it->second.begin(), it->second.end());
    }
  }
  return ObjectsOf(keys);
}

Result<std::vector<ObjectPtr>> Indexer::ByIndex(std::string_view index_name,
                                                std::string_view indexed_value) const {
  sim::PreemptionPoint(sim::PreemptKind::kCache, "cache: by index", indexed_value);
  NoteRead(this, kWholeCache, "cache by index");
  auto index = FindIndex(index_name);
  if (!index) {
    return Err(index.error());
  }
  auto it = (*index)->find(indexed_value);
  if (it == (*index)->end()) {
    return std::vector<ObjectPtr>{};
  }
  return ObjectsOf(it->second);
}

Result<std::vector<std::string>> Indexer::IndexKeys(std::string_view index_name,
                                                    std::string_view indexed_value) const {
  sim::PreemptionPoint(sim::PreemptKind::kCache, "cache: index keys", indexed_value);
  NoteRead(this, kWholeCache, "cache index keys");
  auto index = FindIndex(index_name);
  if (!index) {
    return Err(index.error());
  }
  auto it = (*index)->find(indexed_value);
  if (it == (*index)->end()) {
    return std::vector<std::string>{};
  }
  return std::vector<std::string>(it->second.begin(), it->second.end());
}

std::vector<std::string> Indexer::ListIndexFuncValues(std::string_view index_name) const {
  sim::PreemptionPoint(sim::PreemptKind::kCache, "cache: index values", index_name);
  NoteRead(this, kWholeCache, "cache index values");
  std::vector<std::string> values;
  auto it = indices_.find(index_name);
  if (it == indices_.end()) {
    return values;
  }
  values.reserve(it->second.size());
  for (const auto& [value, keys] : it->second) {
    values.push_back(value);
  }
  return values;
}

Result<void> Indexer::AddIndexers(const Indexers& new_indexers) {
  std::vector<std::string> conflicts;
  for (const auto& [name, fn] : new_indexers) {
    BUBBLE_EXPECT(fn != nullptr, "index function '{}' passed to AddIndexers is empty", name);
    if (indexers_.contains(name)) {
      conflicts.push_back(name);
    }
  }
  if (!conflicts.empty()) {
    return Err(NewCacheError(fmt::format("indexer conflict: {}", FormatGoSet(conflicts))));
  }
  // Index the existing items with the new functions aside, then commit.
  IndexMaps added;
  for (const auto& [name, fn] : new_indexers) {
    IndexMap& index = added[name];
    for (const auto& [key, obj] : items_) {
      auto values = fn(*obj);
      if (!values) {
        return Err(NewCacheError(
            fmt::format("unable to calculate an index entry for key \"{}\" on index \"{}\": {}",
                        key, name, values.error())));
      }
      for (std::string& value : *values) {
        index[std::move(value)].insert(key);
      }
    }
  }
  for (const auto& [name, fn] : new_indexers) {
    indexers_.emplace(name, fn);
  }
  for (auto& [name, index] : added) {
    indices_.emplace(name, std::move(index));
  }
  return {};
}

}  // namespace bubble::runtime::cache
