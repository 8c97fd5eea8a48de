// runtime/src/quiescence.cc
#include "bubble/runtime/quiescence.h"

#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/timer.h>

namespace bubble::runtime {

bool AwaitQuiescence(const std::function<bool()>& settled, const QuiescenceOptions& options) {
  BUBBLE_EXPECT(options.interval > sim::Duration::zero(),
                "AwaitQuiescence: the interval must be positive (it is the virtual time between "
                "two checks)");
  bool done = false;
  for (sim::Duration waited{}; !done && waited < options.timeout; waited += options.interval) {
    sim::SleepFor(options.interval);
    sim::Wait();
    done = settled();
  }
  sim::Wait();
  return done;
}

}  // namespace bubble::runtime
