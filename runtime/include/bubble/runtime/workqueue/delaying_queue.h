// runtime/include/bubble/runtime/workqueue/delaying_queue.h
//
// File: client-go's delaying queue (SEMANTICS.md §7.2) on the bubble's virtual clock.
//
// A DelayingQueue is a Queue with AddAfter(key, delay): the key is added once `delay` of virtual
// time has passed. A waiting-loop fiber ("<name>/delaying") keeps the pending keys ordered by
// ready time and adds each one when its time comes. It sleeps until the next ready time, a new
// pending key, a 10 s heartbeat or shutdown; the virtual clock jumps straight to the next of
// those when every fiber is blocked, so a test waits no real time.
//
//   DelayingQueue<> queue;                       // from a fiber: it starts the waiting loop
//   queue.AddAfter("default/web", 5s);
//   auto key = queue.Get();                      // returns at Epoch() + 5s of virtual time
//
// Ordering and determinism:
//  - A key pending twice keeps the earlier ready time: a later AddAfter never postpones it.
//  - Keys ready at the same instant are added in the order of the AddAfter calls that set their
//    ready times (Go leaves this unspecified; bubble fixes it).
//  - Once added, a key follows the Queue contract (dedup through the dirty set, FIFO).
//  - ShutDown and ShutDownWithDrain stop the loop at once and discard every pending key.
//
// Threading: construct it on a fiber of a running bubble (the constructor spawns the loop and is
// therefore a scheduling point). AddAfter may block (a scheduling point) only when 1000 adds are
// in flight to the loop, as Go's channel does. Shut the queue down before the run is meant to
// end: until then the heartbeat keeps virtual time moving. Destroying the queue also stops the
// loop (without blocking).
//
// Cost: AddAfter is a channel send (no scheduling step unless the buffer is full); the loop does
// O(log n) work per pending key plus one scheduling step per wake-up.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <bubble/runtime/workqueue/queue.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/select.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/unit.h>

namespace bubble::runtime::workqueue {

template <WorkItem T = std::string>
class DelayingQueue : public Queue<T> {
 public:
  // client-go's maxWait: the loop wakes at least this often even if no timer is due.
  static constexpr sim::Duration kHeartbeat = std::chrono::seconds(10);
  // Capacity of the channel carrying AddAfter calls to the loop (client-go's 1000).
  static constexpr std::size_t kPendingAddsCapacity = 1000;

  // Spawns the waiting loop in the current bubble. UsageError outside a running bubble.
  explicit DelayingQueue(std::string name = "workqueue");
  ~DelayingQueue() override;

  // Adds `item` after `delay` of virtual time. Dropped if the queue is shutting down; added at
  // once if delay <= 0. If `item` is already pending, the earlier ready time wins.
  void AddAfter(const T& item, sim::Duration delay);

  // Queue::ShutDown, and stops the waiting loop, discarding pending keys.
  void ShutDown() override;

  // Keys added with a delay that have not yet joined the queue (each key counted once; 0 once
  // shut down: they never will).
  std::size_t Waiting() const noexcept { return control_->stopped ? 0 : control_->waiting; }

  // Queue<T>::Idle and no key waiting for its delay.
  bool Idle() const noexcept override { return Queue<T>::Idle() && Waiting() == 0; }

  // Stops the waiting loop (discarding pending keys), then Queue::ShutDownWithDrain.
  void ShutDownWithDrain() override;

 private:
  struct Pending {
    T item;
    sim::TimePoint ready_at;
  };

  // Shared with the loop fiber, which may outlive the queue by one wake-up after destruction.
  struct Control {
    explicit Control(const std::string& queue_name)
        : name(queue_name),
          adds(kPendingAddsCapacity, queue_name + " adds"),
          stop(0, queue_name + " stop") {}

    std::string name;
    sim::Channel<Pending> adds;
    sim::Channel<sim::Unit> stop;  // closed to stop the loop
    bool stopped = false;          // once set, the loop must not touch the queue
    // Keys sent on `adds` or held by the loop, not yet added to the queue (nor merged with
    // an earlier pending add of the same key).
    std::size_t waiting = 0;
  };

  static void WaitingLoop(const std::shared_ptr<Control>& control, Queue<T>* queue);
  void StopLoop() noexcept;

  std::shared_ptr<Control> control_;
};

// ---- Implementation ----------------------------------------------------------------------

template <WorkItem T>
DelayingQueue<T>::DelayingQueue(std::string name)
    : Queue<T>(std::move(name)), control_(std::make_shared<Control>(this->Name())) {
  // Last: spawning is a scheduling point, and the loop only touches the Queue<T> part.
  sim::Spawn(
      this->Name() + "/delaying",
      [control = control_, queue = static_cast<Queue<T>*>(this)] { WaitingLoop(control, queue); });
}

template <WorkItem T>
DelayingQueue<T>::~DelayingQueue() {
  StopLoop();
}

template <WorkItem T>
void DelayingQueue<T>::AddAfter(const T& item, sim::Duration delay) {
  if (this->ShuttingDown()) {
    return;
  }
  if (delay <= sim::Duration::zero()) {
    this->Add(item);
    return;
  }
  const sim::TimePoint now = sim::Clock::now();
  // Saturate: a limiter may answer "forever" (Duration::max()).
  const sim::TimePoint ready_at =
      delay < sim::TimePoint::max() - now ? now + delay : sim::TimePoint::max();
  sim::Channel<Pending>& adds = control_->adds;
  if (adds.size() < adds.Capacity()) {  // room in the buffer (or the loop waits): cannot block
    if (adds.TrySend(Pending{item, ready_at})) {
      ++control_->waiting;
    }
    return;
  }
  // Counted before the send: the loop may take the add before Select returns here.
  const std::shared_ptr<Control> control = control_;
  ++control->waiting;
  if (sim::Select(sim::SendCase(adds, Pending{item, ready_at}), sim::RecvCase(control->stop)) !=
      0) {
    --control->waiting;
  }
}

template <WorkItem T>
void DelayingQueue<T>::ShutDown() {
  Queue<T>::ShutDown();
  StopLoop();
}

template <WorkItem T>
void DelayingQueue<T>::ShutDownWithDrain() {
  StopLoop();  // not a scheduling point: the loop cannot run before the queue is shutting down
  Queue<T>::ShutDownWithDrain();
}

template <WorkItem T>
void DelayingQueue<T>::StopLoop() noexcept {
  Control& c = *control_;
  c.stopped = true;
  if (!c.stop.Closed()) {
    c.stop.Close();  // wakes the loop; nothing to wake (and no throw) if it is gone
  }
}

template <WorkItem T>
void DelayingQueue<T>::WaitingLoop(const std::shared_ptr<Control>& control, Queue<T>* queue) {
  using Key = std::pair<sim::TimePoint, std::uint64_t>;  // (ready_at, sequence)
  std::map<Key, T> waiting;                              // the pending keys, earliest first
  std::map<T, Key> key_of;                               // dedup: each pending key's entry
  std::uint64_t next_sequence = 0;

  const auto insert = [&](Pending&& p) {
    if (p.ready_at <= sim::Clock::now()) {
      --control->waiting;
      queue->Add(p.item);
      return;
    }
    const Key key{p.ready_at, next_sequence++};
    auto [it, inserted] = key_of.try_emplace(p.item, key);
    if (inserted) {
      waiting.emplace(key, std::move(p.item));
      return;
    }
    --control->waiting;                   // merged with the pending add of the same key
    if (p.ready_at < it->second.first) {  // earlier wins; later never postpones
      auto node = waiting.extract(it->second);
      node.key() = key;
      waiting.insert(std::move(node));
      it->second = key;
    }
  };

  // The loop may first run after the queue is gone (destroyed right after construction): it
  // reads `queue` only after seeing `stopped` unset, with no scheduling point in between.
  sim::Ticker heartbeat(kHeartbeat, control->name + " heartbeat");
  sim::Timer next_ready(kHeartbeat, control->name + " next-ready");
  next_ready.Stop();

  for (;;) {
    if (control->stopped || queue->ShuttingDown()) {
      return;
    }
    const sim::TimePoint now = sim::Clock::now();
    while (!waiting.empty() && waiting.begin()->first.first <= now) {
      auto node = waiting.extract(waiting.begin());
      key_of.erase(node.mapped());
      --control->waiting;
      queue->Add(node.mapped());
    }
    if (waiting.empty()) {
      next_ready.Stop();
    } else {
      next_ready.Reset(waiting.begin()->first.first - now);
    }

    std::optional<Pending> added;
    const int woke =
        sim::Select(sim::RecvCase(control->stop), sim::RecvCase(heartbeat.C()),
                    sim::RecvCase(next_ready.C()), sim::RecvCase(control->adds, &added));
    if (woke == 0 || control->stopped) {
      return;
    }
    if (woke == 3 && added) {
      insert(std::move(*added));
      while (auto more = control->adds.TryRecv()) {  // take every add already in flight
        insert(std::move(*more));
      }
    }
  }
}

extern template class DelayingQueue<std::string>;

}  // namespace bubble::runtime::workqueue
