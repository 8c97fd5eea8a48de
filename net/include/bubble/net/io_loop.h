// net/include/bubble/net/io_loop.h
//
// The bridge between a bubble on the real-time loop (sim/io_driver.h) and Boost.Asio: IoLoop is
// the sim::IoDriver the loop polls and blocks in, over one boost::asio::io_context. Completion
// handlers run on the loop, between fibers; fibers wait for them with net::Await (await.h).
//
//   auto result = bubble::net::RunRealTime([] {
//     bubble::net::HttpServer server({.listen = "127.0.0.1:8080"}, Handler);
//     server.Start();
//     bubble::net::WaitForSignal(sim::Context::Background(), {SIGINT, SIGTERM});
//     server.Stop();
//   });
//
// Threading: an IoLoop, its io_context and every socket on it belong to the thread of the
// bubble that runs it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <boost/asio/io_context.hpp>

#include <bubble/sim/bubble.h>
#include <bubble/sim/io_driver.h>
#include <bubble/sim/log.h>
#include <bubble/sim/options.h>
#include <bubble/sim/task.h>

namespace bubble::net {

class IoLoop final : public sim::IoDriver {
 public:
  IoLoop();
  IoLoop(const IoLoop&) = delete;
  IoLoop& operator=(const IoLoop&) = delete;
  ~IoLoop() override;

  boost::asio::io_context& Context() noexcept { return io_; }

  std::size_t Poll() override;
  std::size_t RunUntil(std::chrono::steady_clock::time_point deadline) override;

  bool Pending() const override { return in_flight_ > 0; }

  // Counted by Await around every operation a fiber waits for: the loop is deadlocked only
  // when none is in flight.
  void OperationStarted() noexcept { ++in_flight_; }

  void OperationFinished() noexcept { --in_flight_; }

 private:
  boost::asio::io_context io_;
  std::size_t in_flight_ = 0;
};

// The IoLoop of the bubble running this fiber (Options::io_driver). Throws sim::UsageError on a
// bubble that has none (a simulated one): sockets exist on the real-time loop only.
IoLoop& CurrentIoLoop();
boost::asio::io_context& CurrentIoContext();

struct RealTimeOptions {
  // Larger than the simulated default: TLS and HTTP serialisation run on fiber stacks.
  std::size_t stack_size = 256 * 1024;
  std::chrono::milliseconds watchdog{60'000};
  sim::LogLevel log_level = sim::LogLevel::kInfo;
  // The seed of sim::Rand() (jitter, generated names, uids, watch timeouts). Unset: drawn from
  // OpenSSL's generator, so two processes (replicas of a controller) do not jitter in step.
  std::optional<std::uint64_t> seed{};
};

// Options for a bubble on the real-time loop driven by `loop`: fifo, no trace (a server runs for
// long; nothing may grow without bound), no simulated bounds.
sim::Options RealTimeBubbleOptions(IoLoop& loop, const RealTimeOptions& options = {});

// Makes an IoLoop and a bubble on the real-time loop, and runs `root` in it until every fiber
// has exited (or the run fails: a deadlock, an exception).
sim::RunResult RunRealTime(sim::Task root, const RealTimeOptions& options = {});

}  // namespace bubble::net
