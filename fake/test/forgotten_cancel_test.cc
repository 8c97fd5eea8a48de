// A test that waits for informers it never stopped: Shutdown() without cancelling the context
// given to Start(). Before, the run spun a virtual year of watch restarts and then advised
// raising the time limit; now it ends after Options::quiet_limit of timer-only activity, and the
// report names what kept time moving and what main waits for.
#include <catch2/catch.hpp>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/config_map.h>
#include <bubble/sim/bubble.h>

#include "test_util.h"

namespace cache = bubble::runtime::cache;
using namespace bubble::fake::testing;
using Catch::Matchers::Contains;

TEST_CASE("Shutdown without cancel: a timer loop, reported with what main waits for",
          "[informer][poller]") {
  sim::Bubble b({.seed = 7});
  const sim::RunResult r = b.Run([] {
    auto cs = bubble::fake::NewClientset(Cm("default", "a"));
    cache::InformerFactory factory(*cs);
    factory.InformerFor<rt::ConfigMap>();
    auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
    factory.Start(ctx);
    REQUIRE(factory.WaitForCacheSync(ctx));
    factory.Shutdown();  // forgot cancel() first: waits for informers that never stop
    cancel();
  });
  INFO(r.report);
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kTimerLoop);
  CHECK_THAT(r.failure->message, Contains("only timers woke fibers"));
  CHECK_THAT(r.failure->message, !Contains("raise Options::time_limit"));
  CHECK_THAT(r.report, Contains("fiber 1 \"main\" waits on waitgroup"));
  CHECK_THAT(r.report, Contains("what kept virtual time moving"));
}
