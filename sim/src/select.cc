// sim/src/select.cc
#include <array>
#include <string>
#include <vector>

#include <bubble/sim/select.h>

#include "scheduler.h"

namespace bubble::sim::detail {

namespace {
constexpr std::size_t kMaxCases = 16;
}

int SelectImpl(std::span<const CaseOps> cases, bool blocking) {
  if (TearingDown()) [[unlikely]] {
    // Inert (detail/wait.h): the channels may be gone. A try-select finds nothing ready; a
    // blocking select has no case that could complete.
    if (!blocking) {
      return -1;
    }
    CannotBlockWhileTearingDown("select");
  }
  BUBBLE_EXPECT(!cases.empty() && cases.size() <= kMaxCases,
                "Select over {} cases: use between 1 and {}", cases.size(), kMaxCases);
  std::array<int, kMaxCases> ready{};
  std::size_t n_ready = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].ready(cases[i].self)) {
      ready[n_ready++] = static_cast<int>(i);
    }
  }
  if (n_ready > 0) {
    std::size_t pick = 0;
    if (n_ready > 1) {
      Scheduler* s = Scheduler::Current();
      BUBBLE_EXPECT(s != nullptr && s->IsRunning(),
                    "Select outside a running bubble: call it from a fiber");
      pick = s->ChooseCase(ready.data(), n_ready);
    }
    const CaseOps& c = cases[static_cast<std::size_t>(ready[pick])];
    c.complete(c.self);
    return ready[pick];
  }
  if (!blocking) {
    return -1;
  }
  std::array<WaitNode, kMaxCases> nodes{};
  Parking parking{nullptr, nodes.data(), static_cast<int>(cases.size()), -1};
  std::string names;  // "a|b|c": what the deadlock report shows; lives while parked
  for (std::size_t i = 0; i < cases.size(); ++i) {
    nodes[i].parking = &parking;
    nodes[i].index = static_cast<int>(i);
    cases[i].enqueue(cases[i].self, nodes[i]);
    if (i > 0) {
      names += '|';
    }
    names += cases[i].name(cases[i].self);
  }
  const int fired = Park(parking, {"select", names});
  const CaseOps& c = cases[static_cast<std::size_t>(fired)];
  c.finish(c.self, nodes[static_cast<std::size_t>(fired)]);
  return fired;
}

}  // namespace bubble::sim::detail
