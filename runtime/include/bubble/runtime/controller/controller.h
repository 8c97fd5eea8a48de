// runtime/include/bubble/runtime/controller/controller.h
//
// File: Controller, the loop every Kubernetes controller is built around (client-go's
// examples/workqueue, SEMANTICS.md §7.4): informer handlers enqueue object keys, N worker
// fibers take keys from a rate-limiting workqueue and call a reconcile function, and the
// outcome decides what happens to the key:
//
//   Ok(Done())             the key is forgotten (its failure count reset)
//   Ok(RequeueAfter(d))    forgotten, and added again after d of virtual time
//   error                  added again after the rate limiter's delay (5 ms, 10 ms, ... by
//                          default), or dropped after max_retries failures when that is set
//
// The worker contract (Get, then always Done; Forget on success; AddRateLimited on failure) is
// built in, so a reconcile function cannot forget any of it.
//
//   controller::Controller c({.name = "mirror", .workers = 4},
//       [&](const sim::Context& ctx, const std::string& key) -> Result<controller::ReconcileResult>
//       {
//         auto cm = lister.Namespace(ns).Get(name);     // read from the cache
//         ...                                           // write through the client
//         return controller::ReconcileResult::Done();
//       });
//   c.Watch(factory.InformerFor<runtime::ConfigMap>());  // enqueue on add, update, delete
//   factory.Start(ctx);
//   c.Run(ctx);                                          // waits for the caches, then works
//
// Keys are what DeletionHandlingMetaNamespaceKeyFunc gives ("namespace/name"); a tombstone is
// unwrapped to its key. Watch takes an optional mapping from an object to the keys to enqueue
// (an owned object to its owner's key, say).
//
// Checked invariant: no key is reconciled by two workers at once (the workqueue promises it);
// a violation fails the run, naming the key and both workers.
//
// Threading: construct on a fiber of a running bubble (the workqueue starts its delay fiber).
// Watch, Enqueue and Run from fibers of that bubble. Run blocks until its context ends, then
// shuts the queue down and waits for the workers (a reconcile in progress finishes).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <bubble/runtime/cache/shared_informer.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/status.h>
#include <bubble/runtime/workqueue/rate_limiter.h>
#include <bubble/runtime/workqueue/rate_limiting_queue.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/context.h>

namespace bubble::runtime::controller {

struct ReconcileResult {
  // > 0: reconcile the key again after this much virtual time.
  sim::Duration requeue_after{};

  static ReconcileResult Done() { return {}; }

  static ReconcileResult RequeueAfter(sim::Duration d) { return {d}; }
};

using ReconcileFunc =
    std::function<Result<ReconcileResult>(const sim::Context& ctx, const std::string& key)>;

// The keys an object's change should reconcile; empty: none.
using KeyMapper = std::function<std::vector<std::string>(const ObjectPtr&)>;

struct ControllerOptions {
  // Names the workqueue, the worker fibers ("<name>/worker-<i>") and the log lines.
  std::string name = "controller";
  int workers = 1;
  // Null: workqueue::DefaultControllerRateLimiter().
  std::unique_ptr<workqueue::RateLimiter<std::string>> rate_limiter{};
  // > 0: after this many consecutive failures a key is dropped (logged) instead of requeued, as
  // client-go's workqueue example does with 5. 0: retry for ever.
  int max_retries = 0;
};

// What a controller did so far (for tests and scenario invariants).
struct ControllerStats {
  std::int64_t reconciles = 0;
  std::int64_t errors = 0;
  std::int64_t requeues_after = 0;
  std::int64_t dropped = 0;
};

class Controller {
 public:
  Controller(ControllerOptions options, ReconcileFunc reconcile);
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;
  ~Controller();

  // Enqueues the keys of every object `informer` adds, updates or deletes (through `map`, or the
  // object's own key). Run waits until this registration has synced before starting workers.
  Result<void> Watch(cache::SharedIndexInformer& informer, KeyMapper map = {});

  // Registers an event handler of the caller's own on `informer`, for side effects the
  // reconcile function relies on (an index, a count, enqueuing related keys with Enqueue). Run
  // waits until the registration has synced (the handler returned from every initial-list add)
  // before starting workers, as for Watch, so no reconcile sees the handler's state before it
  // heard the initial list. Before Run only: error `controller <name> is already running` after.
  // Unnamed handlers are named "<controller>/handler-<n>".
  Result<cache::RegistrationPtr> AddEventHandler(cache::SharedIndexInformer& informer,
                                                 cache::ResourceEventHandlerFuncs handler,
                                                 cache::AddEventHandlerOptions options = {});

  // Adds `key` to the queue (deduplicated while queued).
  void Enqueue(const std::string& key);

  // Waits for every watched informer and added event handler to sync, runs the workers until
  // `ctx` ends, then shuts the queue down and waits for them. Returns false if `ctx` ended before
  // the caches synced.
  bool Run(const sim::Context& ctx);

  const ControllerStats& Stats() const noexcept { return stats_; }

  workqueue::RateLimitingQueue<std::string>& Queue() noexcept { return *queue_; }

  const std::string& Name() const noexcept { return name_; }

 private:
  void Worker(const sim::Context& ctx, int id);
  void ProcessOne(const sim::Context& ctx, const std::string& key, int worker);

  std::string name_;
  int workers_;
  int max_retries_;
  ReconcileFunc reconcile_;
  std::unique_ptr<workqueue::RateLimitingQueue<std::string>> queue_;
  // Watch's and AddEventHandler's: Run waits for all of them.
  std::vector<cache::RegistrationPtr> registrations_;
  int handlers_added_ = 0;
  bool running_ = false;
  // key -> worker reconciling it.
  std::map<std::string, int, std::less<>> in_flight_;
  ControllerStats stats_;
};

}  // namespace bubble::runtime::controller
