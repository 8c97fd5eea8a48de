// runtime/include/bubble/runtime/cache/real_fifo.h
//
// File: RealFifo, client-go's RealFIFO (docs/semantics.md §4.3), the informers' default queue: a
// flat list of deltas in strict arrival order. Every Add, Update and Delete is its own entry;
// nothing is coalesced, so handlers see every intermediate state.
//
//   cache::Indexer indexer;
//   cache::RealFifo fifo({.known_objects = &indexer});      // known_objects is mandatory
//   fifo.Add(cm1); fifo.Update(cm1_v2);                     // two entries for default/cm1
//   fifo.PopBatch([&](const cache::Deltas& batch, bool initial) { ...; return runtime::Ok(); });
//
// Rules (client-go's at the seed, before the AtomicFIFO gate of §4.4):
//  - Add/Update/Delete append Added/Updated/Deleted. Delete is never ignored.
//  - Replace(list): (1) for each queued key (in order of first appearance) missing from the list
//    whose last queued delta is not Deleted: Deleted(DeletedFinalStateUnknown{key, last queued
//    object}); (2) for each known key (ListKeys order: sorted for an Indexer) missing from the
//    list and not queued: Deleted(DeletedFinalStateUnknown{key, known object}); (3) Replaced
//    for each listed object, in list order; (4) the first Replace (if no Add/Update/Delete came
//    before) sets the initial population count to the whole queue length at that point. So
//    deletions come before the replaced items (DeltaFifo does the opposite).
//  - Resync: for each known key with no queued entry, append Sync(known object), ListKeys order.
//  - The transformer runs for Added/Updated/Deleted objects and Replace's objects; never for
//    tombstones or Sync. An error aborts that enqueue.
//  - Pop returns a single-element Deltas. PopBatch pops up to `batch_size` consecutive entries,
//    stopping before the first entry whose key is already in the batch and never crossing the end
//    of the initial population; the count drops by the batch size. See queue.h for blocking,
//    closing, locking and HasSynced.
//
// Threading: see queue.h. Cost: enqueue O(1) plus the key function; Pop O(1); PopBatch
// O(batch log batch); Replace and Resync O(n log n).
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include <bubble/runtime/cache/delta.h>
#include <bubble/runtime/cache/detail/fifo_state.h>
#include <bubble/runtime/cache/key_func.h>
#include <bubble/runtime/cache/queue.h>
#include <bubble/runtime/cache/store.h>

namespace bubble::runtime::cache {

// client-go's defaultBatchSize.
inline constexpr std::size_t kDefaultFifoBatchSize = 1000;

struct RealFifoOptions {
  // Keys objects; tombstones are always keyed by their own key.
  KeyFunc key_func = MetaNamespaceKeyFunc;
  // Mandatory (UsageError if null): the informer's indexer. Not owned: it must outlive the FIFO.
  const KeyListerGetter* known_objects = nullptr;
  // Optional; see the transformer rule above.
  TransformFunc transformer{};
  // The most entries one PopBatch hands out (at least 1).
  std::size_t batch_size = kDefaultFifoBatchSize;
  // Names the FIFO's mutex, condition variable and synced event in deadlock reports.
  std::string name = "RealFIFO";
};

class RealFifo final : public QueueWithBatch {
 public:
  explicit RealFifo(RealFifoOptions options);
  RealFifo(const RealFifo&) = delete;
  RealFifo& operator=(const RealFifo&) = delete;
  ~RealFifo() override = default;

  // ---- ReflectorStore ----
  Result<void> Add(ObjectPtr obj) override;
  Result<void> Update(ObjectPtr obj) override;
  Result<void> Delete(DeltaObject obj) override;
  Result<void> Replace(std::vector<ObjectPtr> items, std::string resource_version) override;
  Result<void> Resync() override;

  // ---- Queue ----
  bool HasSynced() const noexcept override { return state_.synced; }

  sim::Event& SyncedEvent() noexcept override { return state_.synced_event; }

  void Close() override { state_.Close(); }

  bool IsClosed() const noexcept override { return state_.closed; }

  std::size_t Len() const noexcept override { return items_.size(); }

  const std::string& Name() const noexcept override { return state_.name; }

  // ---- Inspection (never blocks) ----
  // The key of an object (key_func) or of a tombstone (the key it carries).
  Result<std::string> KeyOf(const DeltaObject& obj) const;
  // A copy of the queued deltas, oldest first.
  Deltas List() const;

  // The remaining initial population count (client-go's initialPopulationCount).
  std::size_t InitialPopulationCount() const noexcept { return state_.initial_population_count; }

 protected:
  Result<Deltas> DoPop(const sim::Context* ctx, const PopProcessFunc& process) override;
  Result<void> DoPopBatch(const sim::Context* ctx, const ProcessBatchFunc& process) override;

 private:
  struct Entry {
    std::string key;
    Delta delta;
  };

  // Keys `obj`, transforms it unless `skip_transform` or it is a tombstone, and appends it.
  Result<void> Append(DeltaType type, bool skip_transform, DeltaObject obj);
  // Append for an object whose key is already known.
  Result<void> AppendKeyed(DeltaType type, bool skip_transform, std::string key, DeltaObject obj);

  RealFifoOptions options_;
  detail::FifoState state_;
  std::deque<Entry> items_;
};

}  // namespace bubble::runtime::cache
