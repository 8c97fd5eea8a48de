// runtime/include/bubble/runtime/quiescence.h
//
// File: waiting, in a test or scenario, until a system of informers, workqueues and controllers
// has settled after its actions, before checking invariants.
//
//   runtime::AwaitQuiescence([&] { return CacheKeys(informer) == ServerKeys(server); });
//   runtime::AwaitIdle({}, *informer, controller.Queue());   // nothing left to deliver or do
//
// Quiescence cannot be observed directly: the fake server may still hold watch events, a
// reflector may be backing off before a relist. So the wait advances virtual time in steps
// (every `interval`), lets every fiber run until all are blocked (sim::Wait) and then asks.
// Whether or not it settled within `timeout`, it returns with every fiber blocked, and says
// which: the caller checks its invariants either way (an invariant that needs the system to
// have settled should check the answer).
//
// Threading: from a fiber of a running bubble (it sleeps in virtual time).
#pragma once

#include <chrono>
#include <functional>

#include <bubble/sim/clock.h>

namespace bubble::runtime {

struct QuiescenceOptions {
  // Virtual time between two checks: long enough for backoffs and relists to happen.
  sim::Duration interval = std::chrono::seconds(2);
  // Give up after this much virtual time.
  sim::Duration timeout = std::chrono::minutes(2);
};

// Every `options.interval` of virtual time (at most `options.timeout`): let every fiber settle,
// then stop once `settled()` holds. Returns whether it did.
bool AwaitQuiescence(const std::function<bool()>& settled, const QuiescenceOptions& options = {});

// AwaitQuiescence until each of `idle` reports Idle(): a cache::SharedIndexInformer (everything
// queued delivered to every handler), a workqueue (nothing queued, processing or waiting for a
// delay), or anything else with `bool Idle() const`.
template <class... Idlers>
bool AwaitIdle(const QuiescenceOptions& options, const Idlers&... idle) {
  return AwaitQuiescence([&] { return (idle.Idle() && ...); }, options);
}

}  // namespace bubble::runtime
