// sim/include/bubble/sim/preempt.h
//
// Preemption points: where a running fiber may lose the processor although it does not block.
//
// Fibers switch only at scheduling points. A real controller's goroutines also switch between two
// reads of an informer's cache, around a mutex, at a workqueue call: "read the cache, read it
// again, act" is racy on a cluster because the informer may update the cache in between. A
// preemption point gives the strategy that choice: the running fiber goes on (the default order;
// fifo always does) or another runnable fiber or due timer runs first. A point where nothing else
// could run costs a branch and records nothing.
//
// bubble places them itself (docs/concepts.md, "Preemption points"):
//
//   kind   where                                                          Options::preempt bit
//   api    every request to the fake API server, going out and coming back  PreemptKind::kApi
//   cache  every read of an informer's cache: Store/Indexer/Lister Get,      PreemptKind::kCache
//          List, ByIndex (and the informer's own reads)
//   locks  sim::Mutex lock and unlock (contended or not), condition-variable PreemptKind::kLocks
//          notify
//   queue  workqueue Add, Get and Done                                       PreemptKind::kQueue
//
// and a controller may add its own with PreemptionPoint(PreemptKind::kUser) (always on): at a
// read of state another fiber writes without a bubble primitive in between.
//
// Determinism: a point asks the strategy only when another candidate exists, and records the
// choice as a Decision like any other, so runs replay from their seed or their decisions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bubble::sim {

enum class PreemptKind : std::uint8_t {
  kApi = 1U << 0,
  kCache = 1U << 1,
  kLocks = 1U << 2,
  kQueue = 1U << 3,
  kUser = 1U << 7,  // PreemptionPoint() in user code: always enabled
};

// A set of PreemptKinds (Options::preempt).
class PreemptSet {
 public:
  constexpr PreemptSet() = default;

  static constexpr PreemptSet All() noexcept { return PreemptSet(kAllBits); }

  static constexpr PreemptSet None() noexcept { return PreemptSet(0); }

  // kUser is always in.
  constexpr bool Has(PreemptKind kind) const noexcept {
    return kind == PreemptKind::kUser || (bits_ & static_cast<std::uint8_t>(kind)) != 0;
  }

  constexpr PreemptSet With(PreemptKind kind) const noexcept {
    return PreemptSet(static_cast<std::uint8_t>(bits_ | static_cast<std::uint8_t>(kind)));
  }

  constexpr PreemptSet Without(PreemptKind kind) const noexcept {
    return PreemptSet(static_cast<std::uint8_t>(bits_ & ~static_cast<std::uint8_t>(kind)));
  }

  constexpr std::uint8_t Bits() const noexcept { return bits_; }

  friend constexpr bool operator==(PreemptSet, PreemptSet) = default;

 private:
  static constexpr std::uint8_t kAllBits = 0x0F;  // api, cache, locks, queue

  constexpr explicit PreemptSet(std::uint8_t bits) : bits_(bits) {}

  std::uint8_t bits_ = kAllBits;
};

// "api,cache,locks,queue" (the enabled kinds in that order), "none" when none is.
std::string FormatPreemptSet(PreemptSet set);
// Parses a comma-separated list of api, cache, locks, queue, or "all" or "none"; nullopt on an
// unknown word or an empty list.
std::optional<PreemptSet> ParsePreemptSet(std::string_view text);

// A preemption point of `kind` in the running fiber (see above). Outside a running bubble, outside
// a fiber, while a failed run is torn down, or when `kind` is not in Options::preempt: nothing.
// `what` and `object` name the access for the trace ("cache: get", "default/cm1"): when `what` is
// given the point records an instant "what object" whether or not another fiber could run, so a
// trace (and `bubble shrink`'s story) shows which fiber read what in which order.
void PreemptionPoint(PreemptKind kind = PreemptKind::kUser, std::string_view what = {},
                     std::string_view object = {});

// A preemption point after the running fiber gave something up (a mutex unlock, a notify, a
// workqueue Done). Such calls sit in destructors (std::lock_guard, scope guards), which must not
// throw: when the run fails while the fiber is preempted here, it does not unwind at this point
// but at its next blocking operation (a PreemptionPoint would throw FiberUnwind into the
// destructor and terminate the process).
void ReleasePoint(PreemptKind kind);

namespace detail {
struct FiberRecord;
}

// A scope without preemption points in the running fiber: bubble's components open one where
// client-go holds a lock across several steps (a DeltaFIFO's Replace reading the indexer key by
// key), so that a point inside cannot show an order no cluster shows. Blocking inside is allowed
// (and is a scheduling point as always). Nests.
class NoPreemption {
 public:
  NoPreemption() noexcept;
  ~NoPreemption();
  NoPreemption(const NoPreemption&) = delete;
  NoPreemption& operator=(const NoPreemption&) = delete;

 private:
  detail::FiberRecord* fiber_;
};

// Whether a primitive is a preemption point (Options::preempt's `locks`). bubble's own
// components turn it off for locks that only guard their internal state: a point inside an
// operation that is atomic anyway adds decisions and no behaviour.
enum class Preemptible : bool { kNo = false, kYes = true };

}  // namespace bubble::sim
