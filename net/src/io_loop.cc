// net/src/io_loop.cc
#include "bubble/net/io_loop.h"

#include <thread>
#include <utility>

#include <bubble/net/error.h>
#include <bubble/sim/error.h>

#include <openssl/rand.h>

namespace bubble::net {

// Concurrency hint 1: one thread runs the context, so Asio may skip its internal locking.
IoLoop::IoLoop() : io_(1) {}

IoLoop::~IoLoop() = default;

std::size_t IoLoop::Poll() {
  if (io_.stopped()) {  // run out of work earlier: it must be restarted before it runs again
    io_.restart();
  }
  return io_.poll();
}

std::size_t IoLoop::RunUntil(std::chrono::steady_clock::time_point deadline) {
  if (in_flight_ == 0) {
    // Nothing can complete: io_context would return at once, so sleep to the next timer here.
    std::this_thread::sleep_until(deadline);
    return 0;
  }
  if (io_.stopped()) {
    io_.restart();
  }
  return io_.run_one_until(deadline);
}

IoLoop& CurrentIoLoop() {
  sim::Bubble* bubble = sim::Bubble::Current();
  BUBBLE_EXPECT(bubble != nullptr,
                "network I/O outside a running bubble: run it on a fiber of net::RunRealTime");
  auto* loop = dynamic_cast<IoLoop*>(bubble->GetOptions().io_driver);
  BUBBLE_EXPECT(loop != nullptr,
                "network I/O in a bubble without a net::IoLoop (a simulated bubble?): sockets "
                "exist on the real-time loop only; run it with net::RunRealTime");
  return *loop;
}

boost::asio::io_context& CurrentIoContext() {
  return CurrentIoLoop().Context();
}

namespace {

// Real randomness is allowed here, the real-time side: nothing simulated runs on this loop.
std::uint64_t ProcessSeed() {
  std::uint64_t seed = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof seed) != 1) {
    throw NetError("cannot draw a seed for the real-time loop from OpenSSL's generator");
  }
  return seed == 0 ? 1 : seed;
}

}  // namespace

sim::Options RealTimeBubbleOptions(IoLoop& loop, const RealTimeOptions& options) {
  sim::Options o;
  o.seed = options.seed ? *options.seed : ProcessSeed();
  o.loop = sim::LoopKind::kRealTime;
  o.io_driver = &loop;
  o.strategy = sim::StrategyKind::kFifo;
  o.preempt = sim::PreemptSet::None();
  o.trace = sim::TraceMode::kOff;
  o.stack_size = options.stack_size;
  o.watchdog = options.watchdog;
  o.log_level = options.log_level;
  o.trace_log_level = sim::LogLevel::kOff;
  return o;
}

sim::RunResult RunRealTime(sim::Task root, const RealTimeOptions& options) {
  IoLoop loop;  // outlives the bubble: sockets in fibers' frames close before the context goes
  sim::Bubble bubble(RealTimeBubbleOptions(loop, options));
  return bubble.Run(std::move(root));
}

}  // namespace bubble::net
