// runtime/include/bubble/runtime/cache/reflector_store.h
//
// ReflectorStore: what a Reflector writes into (client-go's ReflectorStore). DeltaFifo and
// RealFifo implement it for informers; a plain Store can too.
//
// Threading: fibers of one bubble. Calls may block on the store's own bubble mutex.
#pragma once

#include <string>
#include <vector>

#include <bubble/runtime/cache/delta.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/status.h>

namespace bubble::runtime::cache {

class ReflectorStore {
 public:
  virtual ~ReflectorStore() = default;
  // A watch ADDED event.
  virtual Result<void> Add(ObjectPtr obj) = 0;
  // A watch MODIFIED event.
  virtual Result<void> Update(ObjectPtr obj) = 0;
  // A watch DELETED event (the object's last state).
  virtual Result<void> Delete(DeltaObject obj) = 0;
  // A list (or the initial events of a streaming list): `items` is the whole state at
  // `resource_version`.
  virtual Result<void> Replace(std::vector<ObjectPtr> items, std::string resource_version) = 0;
  // A resync tick: re-deliver known objects (see the implementation's rules).
  virtual Result<void> Resync() = 0;
};

}  // namespace bubble::runtime::cache
