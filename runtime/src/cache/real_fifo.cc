// runtime/src/cache/real_fifo.cc
#include "bubble/runtime/cache/real_fifo.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include <bubble/runtime/cache/errors.h>
#include <bubble/sim/error.h>
#include <bubble/sim/preempt.h>

namespace bubble::runtime::cache {

RealFifo::RealFifo(RealFifoOptions options) : options_(std::move(options)), state_(options_.name) {
  BUBBLE_EXPECT(options_.known_objects != nullptr,
                "RealFifo '{}' needs known_objects (the informer's indexer): pass "
                "RealFifoOptions{{.known_objects = &indexer}}",
                state_.name);
  BUBBLE_EXPECT(options_.batch_size > 0, "RealFifo '{}': batch_size must be at least 1",
                state_.name);
  if (options_.key_func == nullptr) {
    options_.key_func = MetaNamespaceKeyFunc;
  }
}

Result<std::string> RealFifo::KeyOf(const DeltaObject& obj) const {
  if (const auto* tombstone = std::get_if<DeletedFinalStateUnknown>(&obj)) {
    return tombstone->key;
  }
  auto key = options_.key_func(obj);
  if (!key) {
    return Err(NewKeyError(obj, key.error()));
  }
  return key;
}

Result<void> RealFifo::Append(DeltaType type, bool skip_transform, DeltaObject obj) {
  auto key = KeyOf(obj);
  if (!key) {
    return Err(key.error());
  }
  return AppendKeyed(type, skip_transform, std::move(*key), std::move(obj));
}

Result<void> RealFifo::AppendKeyed(DeltaType type, bool skip_transform, std::string key,
                                   DeltaObject obj) {
  const sim::NoPreemption atomic;  // one step under the FIFO's lock in client-go
  if (options_.transformer != nullptr && !skip_transform &&
      std::holds_alternative<ObjectPtr>(obj)) {
    auto transformed = options_.transformer(std::get<ObjectPtr>(std::move(obj)));
    if (!transformed) {
      return Err(transformed.error());
    }
    obj = std::move(*transformed);
  }
  items_.push_back(Entry{std::move(key), Delta{type, std::move(obj)}});
  state_.not_empty.NotifyAll();
  return {};
}

Result<void> RealFifo::Add(ObjectPtr obj) {
  std::unique_lock lock(state_.mu);
  state_.populated = true;
  state_.CheckSynced();
  return Append(DeltaType::kAdded, false, std::move(obj));
}

Result<void> RealFifo::Update(ObjectPtr obj) {
  std::unique_lock lock(state_.mu);
  state_.populated = true;
  state_.CheckSynced();
  return Append(DeltaType::kUpdated, false, std::move(obj));
}

Result<void> RealFifo::Delete(DeltaObject obj) {
  std::unique_lock lock(state_.mu);
  state_.populated = true;
  state_.CheckSynced();
  return Append(DeltaType::kDeleted, false, std::move(obj));
}

Result<void> RealFifo::Replace(std::vector<ObjectPtr> items, std::string /*resource_version*/) {
  const sim::NoPreemption atomic;  // one step under the FIFO's lock in client-go
  std::unique_lock lock(state_.mu);

  // The keys of everything listed; nothing is queued until the deletions are.
  std::vector<std::string> item_keys;
  item_keys.reserve(items.size());
  for (const ObjectPtr& item : items) {
    auto key = KeyOf(item);
    if (!key) {
      return Err(key.error());
    }
    item_keys.push_back(std::move(*key));
  }
  const std::set<std::string, std::less<>> new_keys(item_keys.begin(), item_keys.end());

  // Queued keys in order of first appearance, with the index of their last entry.
  std::vector<std::string> queued_keys;
  std::map<std::string, std::size_t, std::less<>> last_entry;
  for (std::size_t i = 0; i < items_.size(); ++i) {
    auto [it, inserted] = last_entry.insert_or_assign(items_[i].key, i);
    if (inserted) {
      queued_keys.push_back(it->first);
    }
  }

  // (1) Queued keys missing from the list, unless their last entry already is a delete.
  for (const std::string& key : queued_keys) {
    if (new_keys.contains(key)) {
      continue;
    }
    const Delta& last = items_[last_entry.find(key)->second].delta;
    if (last.type == DeltaType::kDeleted) {
      continue;
    }
    ObjectPtr deleted_obj = ObjectOf(last.object);
    if (auto ok = Append(DeltaType::kDeleted, true,
                         DeletedFinalStateUnknown{key, std::move(deleted_obj)});
        !ok) {
      return Err(NewCacheError(fmt::format("couldn't enqueue object: {}", ok.error())));
    }
  }

  // (2) Known keys missing from the list and not queued, in ListKeys order.
  for (const std::string& key : options_.known_objects->ListKeys()) {
    if (new_keys.contains(key) || last_entry.contains(key)) {
      continue;
    }
    // Null if the lookup finds nothing: the tombstone then carries no object.
    ObjectPtr deleted_obj = options_.known_objects->GetByKey(key);
    if (auto ok = Append(DeltaType::kDeleted, false,
                         DeletedFinalStateUnknown{key, std::move(deleted_obj)});
        !ok) {
      return Err(NewCacheError(fmt::format("couldn't enqueue object: {}", ok.error())));
    }
  }

  // (3) The listed objects, in list order.
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (auto ok =
            AppendKeyed(DeltaType::kReplaced, false, std::move(item_keys[i]), std::move(items[i]));
        !ok) {
      return Err(NewCacheError(fmt::format("couldn't enqueue object: {}", ok.error())));
    }
  }

  // (4) The first population: everything queued now, including entries queued earlier.
  if (!state_.populated) {
    state_.populated = true;
    state_.initial_population_count = items_.size();
    state_.CheckSynced();
  }
  return {};
}

Result<void> RealFifo::Resync() {
  const sim::NoPreemption atomic;  // one step under the FIFO's lock in client-go
  std::unique_lock lock(state_.mu);
  std::set<std::string, std::less<>> queued;
  for (const Entry& e : items_) {
    queued.insert(e.key);
  }
  for (const std::string& key : options_.known_objects->ListKeys()) {
    if (queued.contains(key)) {
      continue;  // an event is pending: a Sync now would re-deliver a stale version
    }
    ObjectPtr obj = options_.known_objects->GetByKey(key);
    if (obj == nullptr) {
      continue;
    }
    if (auto ok = Append(DeltaType::kSync, true, std::move(obj)); !ok) {
      return Err(NewCacheError(fmt::format("couldn't queue object: {}", ok.error())));
    }
  }
  return {};
}

Result<Deltas> RealFifo::DoPop(const sim::Context* ctx, const PopProcessFunc& process) {
  auto lock = state_.LockNotEmpty(ctx, [this] { return !items_.empty(); });
  if (!lock) {
    return Err(lock.error());
  }
  // The deltas are handled under the lock, as one step: no preemption point inside.
  const sim::NoPreemption atomic;
  const bool is_in_initial_list = !state_.SyncCondition();
  Deltas deltas;
  deltas.push_back(std::move(items_.front().delta));
  items_.pop_front();
  if (state_.initial_population_count > 0) {
    --state_.initial_population_count;
  }
  if (process != nullptr) {
    // Called with the lock held: writers wait until the delta is handled.
    if (auto ok = process(deltas, is_in_initial_list); !ok) {
      state_.CheckSynced();
      return Err(ok.error());
    }
  }
  state_.CheckSynced();
  return deltas;
}

Result<void> RealFifo::DoPopBatch(const sim::Context* ctx, const ProcessBatchFunc& process) {
  auto lock = state_.LockNotEmpty(ctx, [this] { return !items_.empty(); });
  if (!lock) {
    return Err(lock.error());
  }
  // The deltas are handled under the lock, as one step: no preemption point inside.
  const sim::NoPreemption atomic;
  const bool is_in_initial_list = !state_.SyncCondition();
  std::size_t limit = std::min(options_.batch_size, items_.size());
  if (state_.initial_population_count > 0) {
    limit = std::min(limit, state_.initial_population_count);
  }
  std::size_t n = 0;
  {
    std::set<std::string_view> keys_in_batch;
    while (n < limit && keys_in_batch.insert(items_[n].key).second) {
      ++n;
    }
  }
  Deltas batch;
  batch.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    batch.push_back(std::move(items_.front().delta));
    items_.pop_front();
  }
  if (state_.initial_population_count > 0) {
    state_.initial_population_count -= n;
  }
  Result<void> result;
  if (process != nullptr) {
    // Called with the lock held: writers wait until the batch is handled.
    result = process(batch, is_in_initial_list);
  }
  state_.CheckSynced();
  return result;
}

Deltas RealFifo::List() const {
  Deltas out;
  out.reserve(items_.size());
  for (const Entry& e : items_) {
    out.push_back(e.delta);
  }
  return out;
}

}  // namespace bubble::runtime::cache
