// runtime/include/bubble/runtime/cache/delta_fifo.h
//
// File: DeltaFifo, client-go's DeltaFIFO (docs/semantics.md §4.1–§4.2): a queue of keys, each with
// the list of deltas (Added, Updated, Deleted, Replaced, Sync) that happened to it since it was
// last popped. Informers use it when InOrderInformers is off; RealFifo is the default.
//
//   cache::Indexer indexer;
//   cache::DeltaFifo fifo({.known_objects = &indexer, .emit_delta_type_replaced = true});
//   fifo.Replace({cm1, cm2}, "10");    // queue: default/cm1 [Replaced], default/cm2 [Replaced]
//   fifo.Update(cm1_v2);               // default/cm1 [Replaced, Updated] keeps its place
//   fifo.Pop([&](const cache::Deltas& d, bool initial) { ...; return runtime::Ok(); });
//
// Rules (client-go's, exactly):
//  - A key is queued once; a key that is already queued keeps its position when more deltas
//    arrive (no line jumping). Deltas of a key are kept in arrival order and never coalesced,
//    except that two consecutive Deleted deltas collapse into one: the newer if the older is a
//    DeletedFinalStateUnknown tombstone, else the older.
//  - Add/Update append Added/Updated. Delete is ignored when the key is neither queued nor (with
//    known_objects) known; otherwise it appends Deleted.
//  - Replace(list): (1) every listed object gets a Replaced delta (Sync when
//    emit_delta_type_replaced is off), in list order, so new keys join the queue in list order;
//    (2) every queued key not in the list gets Deleted(DeletedFinalStateUnknown{key, its newest
//    queued object}), in queue order; (3) with known_objects, every known key not in the list
//    and not queued gets Deleted(DeletedFinalStateUnknown{key, known object}), in ListKeys
//    order (sorted for an Indexer); (4) the first Replace (if no Add/Update/Delete came before)
//    sets the initial population count to the number of distinct listed keys plus the deletions
//    of (2) and (3).
//  - Resync: with known_objects, every known key without queued deltas gets Sync(known object),
//    in ListKeys order; keys with pending deltas are skipped. Without known_objects: no-op.
//  - The transformer runs on every object entering the queue except tombstones and Sync deltas
//    (it does run for Replace's objects, even when they are emitted as Sync). A transformer
//    error aborts that enqueue and is returned.
//  - Pop pops the oldest key with all its deltas (see queue.h for blocking, closing, locking
//    and HasSynced).
//
// Determinism: the two places where client-go iterates a Go map (Replace's deletion of queued
// keys, and known keys) use queue order and ListKeys order; keys are looked up in ordered maps.
// Threading: see queue.h. Cost: enqueue and pop O(log n) in the number of queued keys; Replace
// and Resync O(n log n).
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/runtime/cache/delta.h>
#include <bubble/runtime/cache/detail/fifo_state.h>
#include <bubble/runtime/cache/key_func.h>
#include <bubble/runtime/cache/queue.h>
#include <bubble/runtime/cache/store.h>

namespace bubble::runtime::cache {

struct DeltaFifoOptions {
  // Keys objects; tombstones are always keyed by their own key.
  KeyFunc key_func = MetaNamespaceKeyFunc;
  // What Delete, Replace and Resync consider already known (the informer's indexer). Not owned:
  // it must outlive the FIFO. Optional.
  const KeyListerGetter* known_objects = nullptr;
  // Replace emits Replaced deltas (informers set this) instead of Sync.
  bool emit_delta_type_replaced = false;
  // Optional; see the transformer rule above.
  TransformFunc transformer{};
  // Names the FIFO's mutex, condition variable and synced event in deadlock reports.
  std::string name = "DeltaFIFO";
};

class DeltaFifo final : public Queue {
 public:
  explicit DeltaFifo(DeltaFifoOptions options = {});
  DeltaFifo(const DeltaFifo&) = delete;
  DeltaFifo& operator=(const DeltaFifo&) = delete;
  ~DeltaFifo() override = default;

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

  std::size_t Len() const noexcept override { return queue_.size(); }

  const std::string& Name() const noexcept override { return state_.name; }

  // ---- Inspection (never blocks) ----
  // The key of an object (key_func) or of a tombstone (the key it carries).
  Result<std::string> KeyOf(const DeltaObject& obj) const;
  // Queued keys in pop order.
  std::vector<std::string> ListKeys() const;
  // A copy of the deltas queued for `key`, or nullopt if none.
  std::optional<Deltas> GetByKey(std::string_view key) const;

  // The remaining initial population count (client-go's initialPopulationCount).
  std::size_t InitialPopulationCount() const noexcept { return state_.initial_population_count; }

 protected:
  Result<Deltas> DoPop(const sim::Context* ctx, const PopProcessFunc& process) override;

 private:
  // Appends a delta of type `type` to the key of `obj` (queueActionInternalLocked).
  // `internal_type` decides whether the transformer runs (not for Sync).
  Result<void> QueueAction(DeltaType type, DeltaType internal_type, DeltaObject obj);

  DeltaFifoOptions options_;
  detail::FifoState state_;
  std::map<std::string, Deltas, std::less<>> items_;
  std::deque<std::string> queue_;
};

}  // namespace bubble::runtime::cache
