// sim/test/exception_state_test.cc: each fiber has its own catch blocks and exceptions in
// flight. Without the per-fiber swap, a fiber parked in a catch block would see the `throw;` of
// another fiber's exception, and std::uncaught_exceptions() would count other fibers' unwinding.
#include <exception>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/timer.h>

using namespace std::chrono_literals;
namespace sim = bubble::sim;

namespace {

// Throws `what`, parks inside the catch block for `park`, then rethrows and returns what the
// rethrow carried.
std::string RethrowAfterParking(const std::string& what, sim::Duration park) {
  try {
    throw std::runtime_error(what);
  } catch (...) {
    sim::SleepFor(park);
    try {
      throw;
    } catch (const std::runtime_error& e) {
      return e.what();
    }
  }
}

}  // namespace

TEST_CASE("a fiber parked in a catch block rethrows its own exception", "[sim][exceptions]") {
  sim::Bubble b;
  std::string a_saw;
  std::string b_saw;
  const sim::RunResult r = b.Run([&] {
    sim::Spawn("a", [&] { a_saw = RethrowAfterParking("from a", 1ms); });
    sim::Spawn("b", [&] { b_saw = RethrowAfterParking("from b", 2ms); });
  });
  REQUIRE(r.Passed());
  CHECK(a_saw == "from a");
  CHECK(b_saw == "from b");
}

TEST_CASE("std::uncaught_exceptions counts only the running fiber's exceptions",
          "[sim][exceptions]") {
  sim::Bubble b;
  int seen_by_other = -1;
  int seen_in_destructor = -1;
  const sim::RunResult r = b.Run([&] {
    sim::Spawn("unwinding", [&] {
      struct ParksWhileUnwinding {
        int& seen;
        ~ParksWhileUnwinding() {
          sim::SleepFor(1ms);  // parks with an exception in flight
          seen = std::uncaught_exceptions();
        }
      };
      try {
        ParksWhileUnwinding parks{seen_in_destructor};
        throw std::runtime_error("unwinding");
      } catch (const std::runtime_error&) {  // NOLINT(bugprone-empty-catch)
      }
    });
    sim::Spawn("other", [&] { seen_by_other = std::uncaught_exceptions(); });
  });
  REQUIRE(r.Passed());
  CHECK(seen_by_other == 0);
  CHECK(seen_in_destructor == 1);
}
