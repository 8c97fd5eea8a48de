// runtime/include/bubble/runtime/cache/event_handler.h
//
// What a SharedIndexInformer calls when its cache changes (client-go's ResourceEventHandler,
// ResourceEventHandlerFuncs and FilteringResourceEventHandler, docs/semantics.md §5.3).
//
//   informer.AddEventHandler(cache::ResourceEventHandlerFuncs{
//       .add = [&](const runtime::ObjectPtr& obj, bool) { queue.Add(Key(obj)); },
//       .update = [&](const runtime::ObjectPtr&, const runtime::ObjectPtr& obj) { ... },
//       .del = [&](const cache::DeltaObject& obj) { ... },   // obj may be a tombstone
//   });
//
// Each registration gets its own fiber that calls the handler, one notification at a time, in
// the order the informer distributed them. A handler may block (an API call, a sleep): only its
// own notifications wait. An exception escaping a handler fails the bubble's run, as a panic
// crashes a Go controller.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include <bubble/runtime/cache/delta.h>
#include <bubble/runtime/object.h>

namespace bubble::runtime::cache {

class ResourceEventHandler {
 public:
  virtual ~ResourceEventHandler() = default;
  // A new object. `is_in_initial_list`: it was part of the state the informer found when it
  // started (or, for a handler added late, when the handler was added).
  virtual void OnAdd(const ObjectPtr& obj, bool is_in_initial_list) = 0;
  // A changed object, or a resync (old and new have the same resourceVersion).
  virtual void OnUpdate(const ObjectPtr& old_obj, const ObjectPtr& new_obj) = 0;
  // A deleted object: its last state, or a DeletedFinalStateUnknown tombstone when the delete
  // was missed and found by a relist.
  virtual void OnDelete(const DeltaObject& obj) = 0;
};

using ResourceEventHandlerPtr = std::shared_ptr<ResourceEventHandler>;

// A handler made of functions; an empty function ignores that kind of notification.
struct ResourceEventHandlerFuncs {
  std::function<void(const ObjectPtr&, bool is_in_initial_list)> add{};
  std::function<void(const ObjectPtr& old_obj, const ObjectPtr& new_obj)> update{};
  std::function<void(const DeltaObject&)> del{};
};

// Wraps ResourceEventHandlerFuncs as a ResourceEventHandler.
ResourceEventHandlerPtr MakeHandler(ResourceEventHandlerFuncs funcs);

// Passes on only the objects `filter` accepts (client-go's FilteringResourceEventHandler). An
// update crossing the filter becomes an add (now accepted) or a delete (no longer accepted);
// a delete is passed on when the filter accepts the object (a tombstone's last known state).
class FilteringResourceEventHandler final : public ResourceEventHandler {
 public:
  using Filter = std::function<bool(const ObjectPtr&)>;

  FilteringResourceEventHandler(Filter filter, ResourceEventHandlerPtr handler)
      : filter_(std::move(filter)), handler_(std::move(handler)) {}

  void OnAdd(const ObjectPtr& obj, bool is_in_initial_list) override;
  void OnUpdate(const ObjectPtr& old_obj, const ObjectPtr& new_obj) override;
  void OnDelete(const DeltaObject& obj) override;

 private:
  Filter filter_;
  ResourceEventHandlerPtr handler_;
};

}  // namespace bubble::runtime::cache
