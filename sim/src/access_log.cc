// sim/src/access_log.cc
#include "bubble/sim/access_log.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include <bubble/sim/bubble.h>

#include "scheduler.h"

namespace bubble::sim {

namespace detail {

namespace {

constexpr std::uint32_t kNone = UINT32_MAX;

// The last accesses of one fiber to one object, by kind (sequence numbers order them).
struct FiberAccesses {
  std::uint64_t fiber = 0;
  std::uint64_t seq[3] = {0, 0, 0};  // by AccessKind; 0: none
  std::uint32_t site[3] = {kNone, kNone, kNone};
};

// Whether an access of kind `a` conflicts with an earlier one of kind `b`.
bool Conflicts(AccessKind a, AccessKind b) {
  if (a == AccessKind::kRead) {
    return b != AccessKind::kRead;
  }
  if (a == AccessKind::kMemberWrite) {
    return b != AccessKind::kMemberWrite;
  }
  return true;
}

}  // namespace

struct AccessLog::State {
  std::vector<std::string> sites;
  // (fiber, operation) -> site: a site's name is built once per fiber and operation.
  std::map<std::pair<std::uint64_t, std::string>, std::uint32_t, std::less<>> site_of;
  std::map<std::string, std::uint32_t, std::less<>> site_index;
  // Per object, the fibers that accessed it. Keyed by the store's address and the object's name:
  // looked up only, never iterated, so addresses decide nothing.
  std::map<const void*, std::map<std::string, std::vector<FiberAccesses>, std::less<>>> objects;
  std::set<OrderFact> facts;
  std::uint64_t seq = 0;

  std::uint32_t Site(std::uint64_t fiber, std::string_view fiber_name, std::string_view operation) {
    const auto key = std::make_pair(fiber, std::string(operation));
    if (const auto it = site_of.find(key); it != site_of.end()) {
      return it->second;
    }
    std::string name = SiteFiberName(fiber_name);
    name += ' ';
    name.append(operation);
    auto [it, inserted] = site_index.try_emplace(name, static_cast<std::uint32_t>(sites.size()));
    if (inserted) {
      sites.push_back(std::move(name));
    }
    site_of.emplace(key, it->second);
    return it->second;
  }
};

AccessLog::AccessLog() : state_(std::make_unique<State>()) {}

AccessLog::~AccessLog() = default;

void AccessLog::Note(std::uint64_t fiber, std::string_view fiber_name, AccessKind kind,
                     std::string_view object, std::string_view operation, const void* space) {
  State& s = *state_;
  const std::uint32_t site = s.Site(fiber, fiber_name, operation);
  auto& in_space = s.objects[space];
  auto it = in_space.find(object);
  if (it == in_space.end()) {
    it = in_space.emplace(std::string(object), std::vector<FiberAccesses>{}).first;
  }
  std::vector<FiberAccesses>& fibers = it->second;
  // The latest conflicting access by another fiber.
  std::uint64_t best_seq = 0;
  std::uint32_t best_site = kNone;
  FiberAccesses* mine = nullptr;
  for (FiberAccesses& f : fibers) {
    if (f.fiber == fiber) {
      mine = &f;
      continue;
    }
    for (int k = 0; k < 3; ++k) {
      if (f.seq[k] > best_seq && Conflicts(kind, static_cast<AccessKind>(k))) {
        best_seq = f.seq[k];
        best_site = f.site[k];
      }
    }
  }
  if (best_site != kNone && best_site != site) {
    s.facts.insert({best_site, site});
  }
  if (mine == nullptr) {
    fibers.push_back({.fiber = fiber});
    mine = &fibers.back();
  }
  const auto k = static_cast<std::size_t>(kind);
  mine->seq[k] = ++s.seq;
  mine->site[k] = site;
}

AccessOrders AccessLog::Orders() const {
  return {.sites = state_->sites,
          .facts = std::vector<OrderFact>(state_->facts.begin(), state_->facts.end())};
}

}  // namespace detail

bool RecordingAccesses() noexcept {
  Bubble* b = Bubble::Current();
  return b != nullptr && b->Accesses() != nullptr;
}

void NoteAccess(AccessKind kind, std::string_view object, std::string_view operation,
                const void* space) {
  Bubble* b = Bubble::Current();
  if (b == nullptr || b->Accesses() == nullptr) {
    return;
  }
  const detail::Scheduler& s = b->GetScheduler();
  if (s.RunningId() == 0 || s.TearingDown()) {
    return;  // the scheduler's own work (a timer), or a failed run's teardown
  }
  b->Accesses()->Note(s.RunningId(), s.RunningName(), kind, object, operation, space);
}

std::string SiteFiberName(std::string_view fiber_name) {
  std::string out;
  out.reserve(fiber_name.size());
  std::size_t i = 0;
  while (i < fiber_name.size()) {
    const std::size_t end = std::min(fiber_name.find(' ', i), fiber_name.size());
    const std::string_view token = fiber_name.substr(i, end - i);
    // "w12": a watch's number, counted per run.
    const bool numbered =
        token.size() > 1 && token[0] == 'w' &&
        std::all_of(token.begin() + 1, token.end(), [](char c) { return c >= '0' && c <= '9'; });
    out.append(numbered ? std::string_view("w#") : token);
    if (end < fiber_name.size()) {
      out.push_back(' ');
    }
    i = end + 1;
  }
  return out;
}

}  // namespace bubble::sim
