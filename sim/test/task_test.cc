// sim/test/task_test.cc: Task, the move-only body of a fiber.
#include "bubble/sim/task.h"

#include <array>
#include <memory>
#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include <bubble/sim/bubble.h>

namespace sim = bubble::sim;

namespace {

// Counts how many live copies of a capture exist.
struct Counted {
  int* live;

  explicit Counted(int* l) : live(l) { ++*live; }

  Counted(Counted&& other) noexcept : live(other.live) { ++*live; }

  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  Counted& operator=(Counted&&) = delete;

  ~Counted() { --*live; }
};

}  // namespace

TEST_CASE("a move-only lambda capturing a unique_ptr can be spawned", "[sim][task]") {
  sim::Bubble b;
  int got = 0;
  auto value = std::make_unique<int>(41);
  b.Spawn("owner", [p = std::move(value), &got] { got = *p + 1; });
  auto r = b.Run();
  REQUIRE(r.Passed());
  CHECK(got == 42);
}

TEST_CASE("a task too large for inline storage moves to the heap and still runs once",
          "[sim][task]") {
  int live = 0;
  int calls = 0;
  {
    std::array<char, 200> big{};
    big[0] = 'x';
    sim::Task task([c = Counted(&live), p = std::make_unique<int>(1), big, &calls] {
      calls += *p + (big[0] == 'x' ? 1 : 0);
    });
    CHECK(live == 1);
    sim::Task moved = std::move(task);
    CHECK_FALSE(
        static_cast<bool>(task));  // NOLINT(bugprone-use-after-move): testing the moved-from state
    CHECK(static_cast<bool>(moved));
    CHECK(live == 1);
    sim::Bubble b;
    b.Spawn("big", std::move(moved));
    REQUIRE(b.Run().Passed());
    CHECK(live == 0);  // the capture died with the fiber
  }
  CHECK(calls == 2);
  CHECK(live == 0);
}

TEST_CASE("an inline task moves its capture and destroys it exactly once", "[sim][task]") {
  int live = 0;
  {
    sim::Task a([c = Counted(&live)] {});
    CHECK(live == 1);
    sim::Task b2;
    CHECK_FALSE(static_cast<bool>(b2));
    b2 = std::move(a);
    CHECK(live == 1);
    b2();
    b2.Reset();
    CHECK(live == 0);
    CHECK_FALSE(static_cast<bool>(b2));
  }
  CHECK(live == 0);
}
