// The watch oracle (fake::Options::check_watches): a wrong watch stream from the fake fails the
// run with a normal report. The wrong stream comes from the planted bug
// finalizer-delete-new-state (the fake before issue 11).
#include <catch2/catch.hpp>

#include <bubble/fake/tracker.h>
#include <bubble/sim/error.h>

#include "test_util.h"

namespace fake = bubble::fake;
using namespace fake::testing;

namespace {

fake::Options Buggy(bool check_watches) {
  fake::Options opts;
  opts.bugs.finalizer_delete_new_state = true;
  opts.check_watches = check_watches;
  return opts;
}

// ns/a labelled app=web with a finalizer; `watch` opens the watches; then the delete, and the
// update that removes the finalizer and relabels it app=db.
template <class OpenWatches>
void FinalizeWithNewLabels(fake::Tracker& t, OpenWatches watch) {
  rt::ConfigMap cm = Cm("ns", "a");
  cm.metadata.labels = {{"app", "web"}};
  cm.metadata.finalizers = {"f"};
  REQUIRE(t.Add(cm).has_value());
  auto watches = watch(t);
  REQUIRE(t.Delete(ConfigMaps(), "ns", "a").has_value());
  rt::ConfigMap done = dynamic_cast<const rt::ConfigMap&>(**t.Get(ConfigMaps(), "ns", "a"));
  done.metadata.finalizers.clear();
  done.metadata.labels = {{"app", "db"}};
  (void)t.Update(ConfigMaps(), done, "ns");
}

std::vector<rt::WatchPtr> Watch(fake::Tracker& t, std::string_view selector) {
  return {*t.Watch(ConfigMaps(), "", {.label_selector = std::string(selector)})};
}

}  // namespace

TEST_CASE("watch oracle: a lost DELETED fails the run with a report", "[fake][watch][oracle]") {
  sim::Bubble b({.seed = 7});
  const sim::RunResult r = b.Run([] {
    fake::Tracker t(Buggy(true));
    FinalizeWithNewLabels(t, [](fake::Tracker& tr) { return Watch(tr, "app=web"); });
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kInvariant);
  CHECK(r.failure->message ==
        "watch oracle: watch w1 v1/configmaps (all namespaces), labels \"app=web\", from rv=0 "
        "(replays every object), holds ns/a after the change at rv=4, but "
        "the server's state filtered the same way does not have it: a DELETED was lost. The fake "
        "API server broke its own watch contract (docs/semantics.md §1.4, §1.7): this is a bug "
        "in bubble, not in the code under test; report it with this seed and replay line "
        "(fake::Options::check_watches = false turns the check off).");
  CHECK_THAT(r.report, Catch::Matchers::Contains("seed:     7"));
}

TEST_CASE("watch oracle: a DELETED for an object the watch never saw fails the run",
          "[fake][watch][oracle]") {
  sim::Bubble b;
  const sim::RunResult r = b.Run([] {
    fake::Tracker t(Buggy(true));
    FinalizeWithNewLabels(t, [](fake::Tracker& tr) { return Watch(tr, "app=db"); });
  });
  REQUIRE_FALSE(r.Passed());
  CHECK(r.failure->kind == sim::FailureKind::kInvariant);
  CHECK_THAT(r.failure->message,
             Catch::Matchers::Contains("got DELETED ns/a rv=4 for an object it does not hold"));
}

TEST_CASE("watch oracle: off, the same wrong stream goes unnoticed", "[fake][watch][oracle]") {
  RunInBubble([] {
    fake::Tracker t(Buggy(false));
    std::vector<rt::WatchPtr> kept;
    FinalizeWithNewLabels(t, [&](fake::Tracker& tr) {
      kept = Watch(tr, "app=db");
      return kept;
    });
    CHECK(Drain(*kept.front()) == Events{"DELETED a"});  // an object it never saw
  });
}

TEST_CASE("watch oracle: outside a bubble, a violation is an exception from the tracker call",
          "[fake][watch][oracle]") {
  fake::Tracker t(Buggy(true));
  CHECK_THROWS_AS(FinalizeWithNewLabels(t, [](fake::Tracker& tr) { return Watch(tr, "app=web"); }),
                  sim::InvariantFailure);
}

TEST_CASE("watch oracle: on by default", "[fake][watch][oracle]") {
  CHECK(fake::Options{}.check_watches);
  CHECK(fake::Options::ClientGoFake().check_watches);
}
