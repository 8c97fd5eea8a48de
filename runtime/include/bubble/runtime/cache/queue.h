// runtime/include/bubble/runtime/cache/queue.h
//
// Queue: what an informer's controller pops deltas from (client-go's cache.Queue), implemented
// by DeltaFifo (delta_fifo.h) and RealFifo (real_fifo.h, the informers' default). A Queue is the
// ReflectorStore the reflector writes into; the controller's loop pops from it:
//
//   cache::RealFifo fifo({.known_objects = &indexer, .transformer = transform});
//   // reflector fiber:    fifo.Replace(list.items, list.metadata.resource_version); fifo.Add(obj)
//   // controller fiber:
//   while (true) {
//     auto popped = fifo.Pop(ctx, [&](const cache::Deltas& deltas, bool is_in_initial_list) {
//       return HandleDeltas(deltas, is_in_initial_list);   // runs under the FIFO's lock
//     });
//     if (!popped && (cache::IsFifoClosed(popped.error()) || ctx.IsDone())) break;
//   }
//
// Common contract of both FIFOs (docs/semantics.md §4, §3.7):
//  - Pop blocks while the queue is empty; on a closed, empty queue it returns the
//    IsFifoClosed error; with a Context it also gives up when the context is done (the context's
//    error, IsContextCanceled/IsDeadlineExceeded). Items queued before Close are still popped.
//  - `process` is called with the popped deltas while the FIFO's lock is held, so writers
//    (Add, Update, Delete, Replace, Resync) wait until it returns, exactly as in client-go. An
//    error from `process` is returned by Pop; the deltas are not requeued.
//  - HasSynced() = the first Replace's items (or any Add/Update/Delete that came before any
//    Replace) have all been popped and processed. It never goes back to false. SyncedEvent() is
//    set at that moment, once (the channel-based wait of WaitForCacheSync waits on it).
//  - is_in_initial_list is true for deltas popped before HasSynced became true.
//  - Pop and PopBatch are for a single consumer fiber.
//
// Threading: fibers of one bubble. Writers and Pop lock the FIFO's bubble mutex, so they must run
// on a fiber; they block only while another fiber's `process` runs. HasSynced, IsClosed, Len and
// the inspection calls never block, never switch fibers and may be called anywhere. Close never
// blocks (client-go's waits for a running `process`; here that process simply finishes, and the
// next Pop on an empty queue returns closed).
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <bubble/runtime/cache/delta.h>
#include <bubble/runtime/cache/reflector_store.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/status.h>
#include <bubble/sim/context.h>
#include <bubble/sim/event.h>

namespace bubble::runtime::cache {

// Transforms an object as it enters a FIFO (client-go's TransformFunc); the result is what the
// indexer stores and handlers see. It must tolerate an already transformed object, must not
// block, and an error aborts that enqueue.
using TransformFunc = std::function<Result<ObjectPtr>(ObjectPtr)>;

// Handles popped deltas, oldest first, under the FIFO's lock. An empty function is allowed (the
// deltas are just returned).
using PopProcessFunc = std::function<Result<void>(const Deltas&, bool is_in_initial_list)>;

// Handles a batch popped by PopBatch: deltas of pairwise distinct keys, oldest first.
using ProcessBatchFunc = std::function<Result<void>(const Deltas&, bool is_in_initial_list)>;

class Queue : public ReflectorStore {
 public:
  // Blocks until the queue has an entry, pops the oldest and calls `process` with it under the
  // lock. DeltaFifo pops all the deltas of the oldest key; RealFifo a single delta. Returns the
  // popped deltas, the closed error, or the error of `process`.
  Result<Deltas> Pop(const PopProcessFunc& process) { return DoPop(nullptr, process); }

  // Like Pop, but gives up (with the context's error) when `ctx` is done while it waits.
  Result<Deltas> Pop(const sim::Context& ctx, const PopProcessFunc& process) {
    return DoPop(&ctx, process);
  }

  // True once the initial population has been popped and processed (see above).
  virtual bool HasSynced() const noexcept = 0;
  // Set (once) when HasSynced becomes true.
  virtual sim::Event& SyncedEvent() noexcept = 0;
  // Marks the queue closed and wakes every Pop waiting on an empty queue. Never blocks.
  virtual void Close() = 0;
  virtual bool IsClosed() const noexcept = 0;
  // The number of queued entries (DeltaFifo: keys; RealFifo: deltas).
  virtual std::size_t Len() const noexcept = 0;
  // The name used in deadlock reports and messages ("DeltaFIFO", "RealFIFO" by default).
  virtual const std::string& Name() const noexcept = 0;

 protected:
  virtual Result<Deltas> DoPop(const sim::Context* ctx, const PopProcessFunc& process) = 0;
};

// A Queue that can also pop batches (client-go's QueueWithBatch). RealFifo is one; an informer
// uses PopBatch when its queue is one (dynamic_cast), Pop otherwise.
class QueueWithBatch : public Queue {
 public:
  // Blocks until the queue has an entry, then pops up to the batch size of consecutive entries
  // (stopping before the first repeated key and never crossing the end of the initial
  // population) and calls `process` with them under the lock.
  Result<void> PopBatch(const ProcessBatchFunc& process) { return DoPopBatch(nullptr, process); }

  Result<void> PopBatch(const sim::Context& ctx, const ProcessBatchFunc& process) {
    return DoPopBatch(&ctx, process);
  }

 protected:
  virtual Result<void> DoPopBatch(const sim::Context* ctx, const ProcessBatchFunc& process) = 0;
};

}  // namespace bubble::runtime::cache
