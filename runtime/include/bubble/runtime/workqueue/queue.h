// runtime/include/bubble/runtime/workqueue/queue.h
//
// File: the basic work queue of client-go's util/workqueue (docs/semantics.md §7.1), on the bubble.
//
// A Queue hands keys to workers. It keeps three things: a FIFO of keys waiting to be handed
// out, the "dirty" keys (added and not yet handed out) and the "processing" keys (handed out by
// Get, not yet returned by Done). From them follow the two guarantees controllers rely on:
//  - a key is never handed to two workers at once: adding a key that is being processed only
//    marks it dirty, and Done puts it back in the FIFO;
//  - adds coalesce: however often a key is added before it is handed out (or while it is being
//    processed), it is handed out once (once more after Done).
//
//   bubble::runtime::workqueue::Queue<> queue;        // keys are std::string
//   bubble::sim::Spawn("worker", [&] {
//     while (auto key = queue.Get()) {                // blocks; nullopt once shut down
//       Reconcile(*key);
//       queue.Done(*key);
//     }
//   });
//   queue.Add("default/web");
//   ...
//   queue.ShutDown();                                 // the worker drains the FIFO, then exits
//
// Ordering and determinism: keys are handed out in FIFO order of the Add (or of the Done that
// re-queued them). Blocked Get callers are woken in arrival order. The membership map is only
// ever looked up, never iterated, so no hash or address order can reach a run.
//
// Threading: the queue belongs to one bubble. Get and ShutDownWithDrain block and must run on
// one of its fibers. Add, Done, Len, ShuttingDown and ShutDown never block. Add, Get and Done
// are preemption points (sim/preempt.h, kind `queue`): under random and PCT another fiber may
// run at their start (Done: at its start, a release point), so a caller must not rely on state
// it read before the call staying unchanged across it. The queue's own state changes only
// between those points, which is why it needs no lock. They may also run outside a running
// bubble, e.g. to seed a queue before Run() or to inspect it afterwards. Destroy a queue only
// after every fiber that uses it has finished.
//
// Cost: Add, Get and Done are O(log n) in the number of dirty or processing keys, plus one
// allocation for a key that was neither. No scheduling step unless Get has to wait.
#pragma once

#include <concepts>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <fmt/format.h>

#include <bubble/sim/condition_variable.h>
#include <bubble/sim/error.h>
#include <bubble/sim/mutex.h>
#include <bubble/sim/preempt.h>

namespace bubble::runtime::workqueue {

// What a queue can hold: a copyable value ordered by `<` (std::less). The order is only used to
// find keys; it never decides the order in which keys are handed out, so any strict weak order
// (even pointer order) keeps runs deterministic.
template <class T>
concept WorkItem = std::copyable<T> && requires(const T& a, const T& b) {
  { std::less<T>{}(a, b) } -> std::convertible_to<bool>;
};

template <WorkItem T = std::string>
class Queue {
 public:
  // `name` names the queue in deadlock reports and fiber names ("workqueue/<name>").
  explicit Queue(std::string name = "workqueue");
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  virtual ~Queue() = default;

  // Marks `item` as needing processing. No-op if it is already dirty or the queue is shutting
  // down. If it is being processed, it is queued again by Done; otherwise it joins the back of
  // the FIFO and one blocked Get is woken.
  void Add(const T& item);

  // Blocks until a key is available or the queue shuts down. Returns the key at the head of the
  // FIFO (now processing: call Done with it when finished), or nullopt once the queue is shutting
  // down and its FIFO is empty: keys queued before ShutDown are still handed out.
  std::optional<T> Get();

  // Marks `item` as processed. If it was added while processing, it joins the back of the FIFO.
  // Precondition: `item` was handed out by Get and not yet Done (UsageError otherwise: a second
  // Done could hand one key to two workers).
  void Done(const T& item);

  // The number of keys waiting in the FIFO (not counting keys being processed).
  std::size_t Len() const noexcept { return queue_.size(); }

  // The number of keys handed out by Get and not yet Done.
  std::size_t Processing() const noexcept { return processing_; }

  // Nothing to do: no key waiting in the FIFO and none being processed (a DelayingQueue also
  // has no key waiting for its delay). For waiting until a controller has settled
  // (runtime/quiescence.h).
  virtual bool Idle() const noexcept { return queue_.empty() && processing_ == 0; }

  // Starts shutting down and returns at once: further adds are dropped, blocked and future Get
  // calls return nullopt once the FIFO is empty. Cancels a ShutDownWithDrain that is waiting.
  virtual void ShutDown();

  // Starts shutting down like ShutDown, then blocks until no key is being processed (or until a
  // ShutDown cancels the drain). A key added while processing and re-queued by Done is still
  // handed out by Get afterwards. Returns at once if nothing is being processed; otherwise call
  // it from a fiber.
  virtual void ShutDownWithDrain();

  bool ShuttingDown() const noexcept { return shutting_down_; }

  const std::string& Name() const noexcept { return name_; }

 private:
  struct ItemState {
    bool dirty = false;
    bool processing = false;
  };

  // Every key that is dirty or processing. A key sits in the FIFO exactly when it is dirty and
  // not processing, so the FIFO can hold iterators: the entry outlives its place in the FIFO.
  using Items = std::map<T, ItemState>;

  std::string name_;
  Items items_;
  std::deque<typename Items::iterator> queue_;
  std::size_t processing_ = 0;
  bool shutting_down_ = false;
  bool drain_ = false;

  // Blocking needs the bubble's condition variables, and they need a mutex; the state itself
  // is only touched between scheduling points, so the mutex is never contended. Add, Get and Done
  // are the preemption points (`queue`); the locks inside them are not.
  sim::Mutex mu_;
  sim::ConditionVariable item_available_;
  sim::ConditionVariable drained_;
};

// ---- Implementation ----------------------------------------------------------------------

template <WorkItem T>
Queue<T>::Queue(std::string name)
    : name_(std::move(name)),
      mu_(name_, sim::Preemptible::kNo),
      item_available_(name_, sim::Preemptible::kNo),
      drained_(name_ + " drain", sim::Preemptible::kNo) {}

template <WorkItem T>
void Queue<T>::Add(const T& item) {
  sim::PreemptionPoint(sim::PreemptKind::kQueue);
  if (shutting_down_) {
    return;
  }
  auto [it, inserted] = items_.try_emplace(item);
  ItemState& state = it->second;
  if (state.dirty) {
    return;
  }
  state.dirty = true;
  if (state.processing) {
    return;  // Done re-queues it
  }
  queue_.push_back(it);
  item_available_.NotifyOne();
}

template <WorkItem T>
std::optional<T> Queue<T>::Get() {
  sim::PreemptionPoint(sim::PreemptKind::kQueue);
  if (queue_.empty() && !shutting_down_) {
    std::unique_lock lock(mu_);
    item_available_.Wait(lock, [this] { return !queue_.empty() || shutting_down_; });
  }
  if (queue_.empty()) {
    return std::nullopt;  // shutting down
  }
  const auto it = queue_.front();
  queue_.pop_front();
  it->second.dirty = false;
  it->second.processing = true;
  ++processing_;
  return it->first;
}

template <WorkItem T>
void Queue<T>::Done(const T& item) {
  sim::ReleasePoint(sim::PreemptKind::kQueue);
  const auto it = items_.find(item);
  if (it == items_.end() || !it->second.processing) [[unlikely]] {
    if constexpr (fmt::is_formattable<T>::value) {
      BUBBLE_EXPECT(false,
                    "Done({}) on workqueue '{}' for an item that is not being processed: call "
                    "Done exactly once for each item Get returned",
                    item, name_);
    } else {
      BUBBLE_EXPECT(false,
                    "Done on workqueue '{}' for an item that is not being processed: call Done "
                    "exactly once for each item Get returned",
                    name_);
    }
  }
  it->second.processing = false;
  --processing_;
  if (it->second.dirty) {
    queue_.push_back(it);
    item_available_.NotifyOne();
  } else {
    items_.erase(it);
  }
  if (processing_ == 0) {
    drained_.NotifyAll();
  }
}

template <WorkItem T>
void Queue<T>::ShutDown() {
  drain_ = false;
  shutting_down_ = true;
  item_available_.NotifyAll();
  drained_.NotifyAll();
}

template <WorkItem T>
void Queue<T>::ShutDownWithDrain() {
  drain_ = true;
  shutting_down_ = true;
  item_available_.NotifyAll();
  if (processing_ == 0) {
    return;
  }
  std::unique_lock lock(mu_);
  drained_.Wait(lock, [this] { return processing_ == 0 || !drain_; });
}

// Compiled once in queue.cc for the common key type.
extern template class Queue<std::string>;

}  // namespace bubble::runtime::workqueue
