// runtime/src/cache/delta_fifo.cc
#include "bubble/runtime/cache/delta_fifo.h"

#include <mutex>
#include <set>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include <bubble/runtime/cache/errors.h>
#include <bubble/sim/error.h>
#include <bubble/sim/preempt.h>

namespace bubble::runtime::cache {

namespace {

// Two consecutive Deleted deltas collapse into one (client-go's isDeletionDup): if the older is
// a tombstone the newer stays (a real delete beats a tombstone), else the older stays.
void DedupDeltas(Deltas& deltas) {
  const std::size_t n = deltas.size();
  if (n < 2) {
    return;
  }
  Delta& newer = deltas[n - 1];
  Delta& older = deltas[n - 2];
  if (newer.type != DeltaType::kDeleted || older.type != DeltaType::kDeleted) {
    return;
  }
  if (std::holds_alternative<DeletedFinalStateUnknown>(older.object)) {
    older = std::move(newer);
  }
  deltas.pop_back();
}

}  // namespace

DeltaFifo::DeltaFifo(DeltaFifoOptions options)
    : options_(std::move(options)), state_(options_.name) {
  if (options_.key_func == nullptr) {
    options_.key_func = MetaNamespaceKeyFunc;
  }
}

Result<std::string> DeltaFifo::KeyOf(const DeltaObject& obj) const {
  if (const auto* tombstone = std::get_if<DeletedFinalStateUnknown>(&obj)) {
    return tombstone->key;
  }
  auto key = options_.key_func(obj);
  if (!key) {
    return Err(NewKeyError(obj, key.error()));
  }
  return key;
}

Result<void> DeltaFifo::QueueAction(DeltaType type, DeltaType internal_type, DeltaObject obj) {
  const sim::NoPreemption atomic;  // one step under the FIFO's lock in client-go
  auto id = KeyOf(obj);
  if (!id) {
    return Err(id.error());
  }
  if (options_.transformer != nullptr && std::holds_alternative<ObjectPtr>(obj) &&
      internal_type != DeltaType::kSync) {
    auto transformed = options_.transformer(std::get<ObjectPtr>(std::move(obj)));
    if (!transformed) {
      return Err(transformed.error());
    }
    obj = std::move(*transformed);
  }
  auto [it, inserted] = items_.try_emplace(std::move(*id));
  it->second.push_back(Delta{type, std::move(obj)});
  DedupDeltas(it->second);
  if (inserted) {
    queue_.push_back(it->first);  // a queued key keeps its place: no line jumping
  }
  state_.not_empty.NotifyAll();
  return {};
}

Result<void> DeltaFifo::Add(ObjectPtr obj) {
  std::unique_lock lock(state_.mu);
  state_.populated = true;
  state_.CheckSynced();
  return QueueAction(DeltaType::kAdded, DeltaType::kAdded, std::move(obj));
}

Result<void> DeltaFifo::Update(ObjectPtr obj) {
  std::unique_lock lock(state_.mu);
  state_.populated = true;
  state_.CheckSynced();
  return QueueAction(DeltaType::kUpdated, DeltaType::kUpdated, std::move(obj));
}

Result<void> DeltaFifo::Delete(DeltaObject obj) {
  auto id = KeyOf(obj);
  if (!id) {
    return Err(id.error());
  }
  std::unique_lock lock(state_.mu);
  state_.populated = true;
  state_.CheckSynced();
  const bool queued = items_.contains(*id);
  if (options_.known_objects == nullptr) {
    if (!queued) {
      return {};  // presumably deleted by a relist already: don't report it twice
    }
  } else if (!queued && options_.known_objects->GetByKey(*id) == nullptr) {
    return {};
  }
  return QueueAction(DeltaType::kDeleted, DeltaType::kDeleted, std::move(obj));
}

Result<void> DeltaFifo::Replace(std::vector<ObjectPtr> items, std::string /*resource_version*/) {
  const sim::NoPreemption atomic;  // one step under the FIFO's lock in client-go
  std::unique_lock lock(state_.mu);
  const DeltaType action =
      options_.emit_delta_type_replaced ? DeltaType::kReplaced : DeltaType::kSync;

  // (1) The listed objects, in list order.
  std::set<std::string, std::less<>> keys;
  for (ObjectPtr& item : items) {
    auto key = KeyOf(item);
    if (!key) {
      return Err(key.error());
    }
    keys.insert(std::move(*key));
    if (auto ok = QueueAction(action, DeltaType::kReplaced, std::move(item)); !ok) {
      return Err(NewCacheError(fmt::format("couldn't enqueue object: {}", ok.error())));
    }
  }

  // (2) Queued keys missing from the list, in queue order (client-go: Go map order). Step (1)
  // only appended keys that are in `keys`, so the snapshot covers every candidate.
  std::size_t queued_deletions = 0;
  const std::vector<std::string> queued(queue_.begin(), queue_.end());
  for (const std::string& key : queued) {
    if (keys.contains(key)) {
      continue;
    }
    ObjectPtr deleted_obj;
    if (auto it = items_.find(key); it != items_.end() && !it->second.empty()) {
      deleted_obj = ObjectOf(it->second.back().object);  // unwraps a tombstone
    }
    ++queued_deletions;
    if (auto ok = QueueAction(DeltaType::kDeleted, DeltaType::kDeleted,
                              DeletedFinalStateUnknown{key, std::move(deleted_obj)});
        !ok) {
      return ok;
    }
  }

  // (3) Known keys missing from the list and not queued, in ListKeys order.
  if (options_.known_objects != nullptr) {
    for (const std::string& key : options_.known_objects->ListKeys()) {
      if (keys.contains(key)) {
        continue;
      }
      if (auto it = items_.find(key); it != items_.end() && !it->second.empty()) {
        continue;
      }
      // Null if the lookup finds nothing: the tombstone then carries no object.
      ObjectPtr deleted_obj = options_.known_objects->GetByKey(key);
      ++queued_deletions;
      if (auto ok = QueueAction(DeltaType::kDeleted, DeltaType::kDeleted,
                                DeletedFinalStateUnknown{key, std::move(deleted_obj)});
          !ok) {
        return ok;
      }
    }
  }

  // (4) The first population.
  if (!state_.populated) {
    state_.populated = true;
    state_.initial_population_count = keys.size() + queued_deletions;
    state_.CheckSynced();
  }
  return {};
}

Result<void> DeltaFifo::Resync() {
  const sim::NoPreemption atomic;  // one step under the FIFO's lock in client-go
  std::unique_lock lock(state_.mu);
  if (options_.known_objects == nullptr) {
    return {};
  }
  for (const std::string& key : options_.known_objects->ListKeys()) {
    ObjectPtr obj = options_.known_objects->GetByKey(key);
    if (obj == nullptr) {
      continue;  // vanished from the known objects: nothing to re-deliver
    }
    auto id = KeyOf(obj);
    if (!id) {
      return Err(id.error());
    }
    if (auto it = items_.find(*id); it != items_.end() && !it->second.empty()) {
      continue;  // pending deltas: a Sync now would re-deliver a stale version
    }
    if (auto ok = QueueAction(DeltaType::kSync, DeltaType::kSync, std::move(obj)); !ok) {
      return Err(NewCacheError(fmt::format("couldn't queue object: {}", ok.error())));
    }
  }
  return {};
}

Result<Deltas> DeltaFifo::DoPop(const sim::Context* ctx, const PopProcessFunc& process) {
  auto lock = state_.LockNotEmpty(ctx, [this] { return !queue_.empty(); });
  if (!lock) {
    return Err(lock.error());
  }
  // The deltas are handled under the lock, as one step: no preemption point inside.
  const sim::NoPreemption atomic;
  const bool is_in_initial_list = !state_.SyncCondition();
  std::string id = std::move(queue_.front());
  queue_.pop_front();
  if (state_.initial_population_count > 0) {
    --state_.initial_population_count;
  }
  auto node = items_.extract(id);
  BUBBLE_ASSERT(!node.empty(), "DeltaFIFO '{}': key {} was queued without deltas", state_.name, id);
  Deltas deltas = std::move(node.mapped());
  if (process != nullptr) {
    // Called with the lock held: writers wait until the deltas are handled.
    if (auto ok = process(deltas, is_in_initial_list); !ok) {
      state_.CheckSynced();
      return Err(ok.error());
    }
  }
  state_.CheckSynced();
  return deltas;
}

std::vector<std::string> DeltaFifo::ListKeys() const {
  return std::vector<std::string>(queue_.begin(), queue_.end());
}

std::optional<Deltas> DeltaFifo::GetByKey(std::string_view key) const {
  auto it = items_.find(key);
  if (it == items_.end()) {
    return std::nullopt;
  }
  return it->second;
}

}  // namespace bubble::runtime::cache
