// runtime/include/bubble/runtime/cache/store.h
//
// Store: a client-side cache of objects by key (client-go's cache.Store), and KeyListerGetter,
// the read-only view FIFOs need of it ("knownObjects").
//
// A Store is what a Reflector can write into (it is a ReflectorStore) and what listers read.
// The implementation bubble ships is Indexer (indexer.h): a Store with secondary indices. The
// informer keeps its Indexer as the FIFOs' knownObjects:
//
//   cache::Indexer indexer(cache::DeletionHandlingMetaNamespaceKeyFunc,
//                          {{cache::kNamespaceIndex, cache::MetaNamespaceIndexFunc}});
//   cache::RealFifo fifo({.known_objects = &indexer});
//
// Ordering: List and ListKeys return items sorted by key (byte-wise std::string order), never
// in hash or insertion order, so whatever iterates a store iterates it the same way on every run.
//
// Threading: see the implementation (Indexer never blocks and needs no lock).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/runtime/cache/delta.h>
#include <bubble/runtime/cache/reflector_store.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/status.h>

namespace bubble::runtime::cache {

// The keys and objects a FIFO treats as already known (client-go's KeyListerGetter).
class KeyListerGetter {
 public:
  virtual ~KeyListerGetter() = default;
  // Every key, sorted.
  virtual std::vector<std::string> ListKeys() const = 0;
  // The object stored under `key`, or null if there is none.
  virtual ObjectPtr GetByKey(std::string_view key) const = 0;
};

// A keyed cache of immutable objects. Add and Update are the same operation (store under the
// object's key, replacing what was there); Delete removes the key of an object or tombstone;
// Replace swaps the whole content; Resync does nothing.
class Store : public ReflectorStore, public KeyListerGetter {
 public:
  // Every object, sorted by key.
  virtual std::vector<ObjectPtr> List() const = 0;
  // The object stored under the key of `obj` (a tombstone's key for a tombstone), or null if
  // there is none. Errors only when the key cannot be computed.
  virtual Result<ObjectPtr> Get(const DeltaObject& obj) const = 0;
  // The number of stored objects.
  virtual std::size_t size() const noexcept = 0;
};

}  // namespace bubble::runtime::cache
