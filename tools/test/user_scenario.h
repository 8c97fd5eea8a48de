// tools/test/user_scenario.h
//
// A user's own scenario, as a user would write it outside bubble: one designated-initializer
// literal. Two workers increment a shared counter with a read, a scheduling point and a write;
// the planted bug "no-lock" leaves out the mutex, so an increment can be lost.
#pragma once

#include <chrono>
#include <memory>

#include <fmt/format.h>

#include <bubble/scenarios/registry.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/mutex.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

namespace user {

inline bubble::sim::Task CounterBody(const bubble::scenarios::ScenarioContext& ctx) {
  struct State {
    bubble::sim::Mutex mu{"counter"};
    bubble::sim::WaitGroup wg{"workers"};
    std::int64_t count = 0;
  };

  const std::int64_t workers = ctx.IntOption("workers");
  const bool lock = !ctx.Bug("no-lock");
  auto s = std::make_shared<State>();
  return [s, workers, lock] {
    for (std::int64_t w = 0; w < workers; ++w) {
      s->wg.Go(fmt::format("worker-{}", w), [s, lock] {
        for (int i = 0; i < 3; ++i) {
          if (lock) {
            s->mu.Lock();
          }
          const std::int64_t seen = s->count;
          bubble::sim::Yield();
          s->count = seen + 1;
          if (lock) {
            s->mu.Unlock();
          }
        }
      });
    }
    s->wg.Wait();
    if (s->count != workers * 3) {
      bubble::sim::Fail(fmt::format("invariant no-lost-increment violated: count is {}, want {}",
                                    s->count, workers * 3));
    }
  };
}

inline bubble::scenarios::Scenario CounterScenario() {
  return {.name = "counter",
          .description = "workers increment a shared counter; no increment may be lost",
          .options = {{.key = "workers",
                       .default_value = "2",
                       .description = "worker fibers",
                       .int_range = std::pair<std::int64_t, std::int64_t>{2, 6}}},
          .bugs = {{.name = "no-lock",
                    .description = "the workers skip the mutex: lost increments",
                    .seed_budget = 20}},
          .step_limit = 100'000,
          .body = CounterBody};
}

// A seed that takes a while in real time (the sweep signal tests interrupt it): one fiber sleeps
// 1 ms of virtual time `sleeps` times.
inline bubble::scenarios::Scenario SlowScenario() {
  return {.name = "slow",
          .description = "one fiber sleeps 1 ms `sleeps` times: a long run for signal tests",
          .options = {{.key = "sleeps",
                       .default_value = "1000",
                       .description = "1 ms sleeps",
                       .int_range = std::pair<std::int64_t, std::int64_t>{1, 1'000'000'000}}},
          .body = [](const bubble::scenarios::ScenarioContext& ctx) -> bubble::sim::Task {
            const std::int64_t sleeps = ctx.IntOption("sleeps");
            return [sleeps] {
              for (std::int64_t i = 0; i < sleeps; ++i) {
                bubble::sim::SleepFor(std::chrono::milliseconds(1));
              }
            };
          }};
}

}  // namespace user
