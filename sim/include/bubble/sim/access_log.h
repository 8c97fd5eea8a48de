// sim/include/bubble/sim/access_log.h
//
// Order coverage: which conflicting accesses to one object a run saw in which order.
//
// Two accesses to the same object conflict when at least one writes it: a read and a write, or
// two writes (docs/cli.md, "Order coverage"). A run under Options::coverage records every
// access the fake API server and the informer caches report through NoteAccess, and derives, for
// each access, one fact: the previous conflicting access to the same object by another fiber ran
// before it. A fact names both accesses by their site, "FIBER OPERATION" ("writer-0 update
// configmaps", "informer/configmaps cache add"), never by the object or a time, so facts from
// different runs of one scenario compare. A sweep (`bubble sweep --coverage`) collects them:
// a pair of sites seen in both orders has been explored both ways; a pair seen in one order only
// is a race the sweep never reversed.
//
// Collections: a list reads the collection ("configmaps default/*"), and a write to one of its
// objects writes the collection as a member write (AccessKind::kMemberWrite), which conflicts
// with a read of the collection but not with another member write (two writers of different
// objects do not race).
//
// Cost: with Options::coverage off (the default) NoteAccess is a branch; callers that build an
// object name first ask RecordingAccesses().
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bubble::sim {

enum class AccessKind : std::uint8_t {
  kRead,
  kWrite,
  kMemberWrite,  // a write to one object of a collection, seen from the collection
};

// One fact of a run: the access at site `first` ran before the conflicting access at `second`
// (indexes into AccessOrders::sites).
struct OrderFact {
  std::uint32_t first = 0;
  std::uint32_t second = 0;

  friend auto operator<=>(const OrderFact&, const OrderFact&) = default;
};

// What a run saw: its sites (in the order they first accessed anything) and its facts, sorted and
// unique.
struct AccessOrders {
  std::vector<std::string> sites;
  std::vector<OrderFact> facts;
};

// Whether the running bubble records accesses (Options::coverage); false outside a bubble.
bool RecordingAccesses() noexcept;

// Records an access of the running fiber to `object` ("configmaps default/cm1"), by `operation`
// ("update configmaps"). `space` tells objects of the same name apart (two informers' caches both
// hold "default/cm1"): the store's address, used for lookups only, never for order. Nothing
// outside a recording bubble or outside a fiber.
void NoteAccess(AccessKind kind, std::string_view object, std::string_view operation,
                const void* space = nullptr);

// A fiber's name as a site names it: tokens that carry a per-run number are cut to their kind
// ("watch-end w12" -> "watch-end w#"), so sites from different runs compare.
std::string SiteFiberName(std::string_view fiber_name);

namespace detail {

// The recorder of one bubble (Bubble owns it when Options::coverage is on).
class AccessLog {
 public:
  AccessLog();
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void Note(std::uint64_t fiber, std::string_view fiber_name, AccessKind kind,
            std::string_view object, std::string_view operation, const void* space);

  // The run's sites and facts so far.
  AccessOrders Orders() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace detail

}  // namespace bubble::sim
