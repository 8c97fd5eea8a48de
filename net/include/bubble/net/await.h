// net/include/bubble/net/await.h
//
// Await: a fiber waits for one Boost.Asio operation. It starts the operation with a handler that
// wakes the fiber (the handler runs on the loop, no fiber current) and parks until the handler
// ran, or until `ctx` is done: then it cancels the operation, still waits for its handler, and
// returns boost::asio::error::operation_aborted.
//
//   auto socket = std::make_shared<tcp::socket>(net::CurrentIoContext());
//   net::IoResult r = net::Await(ctx, "connect", socket,
//       [&](auto handler) { socket->async_connect(endpoint, std::move(handler)); },
//       [&] { socket->cancel(); });
//
// `keep` is held by the handler until it has run or been destroyed: put there everything the
// operation writes or reads (the socket or stream, its buffers, a parser). If the fiber is
// unwound while the operation is in flight (its run failed, its process was killed), Await
// cancels the operation and lets the unwinding go on; the operation then completes into what
// `keep` holds, never into the dead frame.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <bubble/net/io_loop.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>
#include <bubble/sim/event.h>

namespace bubble::net {

struct IoResult {
  boost::system::error_code error{};
  std::size_t bytes = 0;  // transferred, for reads and writes
};

namespace detail {

struct AwaitState {
  explicit AwaitState(std::string what) : done(std::move(what)) {}

  sim::Event done;
  IoResult result{};
  std::shared_ptr<void> keep{};
};

// Completes an Await: one call operator per completion signature Asio uses here.
struct AwaitHandler {
  std::shared_ptr<AwaitState> state;
  IoLoop* loop;

  void operator()(boost::system::error_code error, std::size_t bytes = 0) {
    Complete(error, bytes);
  }

  template <class Other>
  void operator()(boost::system::error_code error, const Other&) {
    Complete(error, 0);  // signal_set (the signal number), resolver (the results) and the like
  }

  void Complete(boost::system::error_code error, std::size_t bytes) {
    state->result = {error, bytes};
    loop->OperationFinished();
    state->done.Set();
    state->keep.reset();  // the operation is over: what it used may go
  }
};

}  // namespace detail

// Starts `initiate(handler)` and waits as described above. `cancel()` must make the operation
// complete soon (cancel or close its socket). `what` names the wait in deadlock reports.
template <class Initiate, class Cancel>
IoResult Await(const sim::Context& ctx, std::string what, std::shared_ptr<void> keep,
               Initiate&& initiate, Cancel&& cancel) {
  IoLoop& loop = CurrentIoLoop();
  auto state = std::make_shared<detail::AwaitState>("io " + what);
  state->keep = std::move(keep);
  loop.OperationStarted();
  try {
    initiate(detail::AwaitHandler{state, &loop});
  } catch (...) {
    loop.OperationFinished();
    throw;
  }
  try {
    if (!state->done.Wait(ctx)) {
      cancel();
      state->done.Wait();
      if (!state->result.error) {
        state->result.error = boost::asio::error::operation_aborted;
      }
    }
  } catch (const sim::FiberUnwind&) {
    if (!state->done.IsSet()) {
      cancel();  // the handler will run later, on what `keep` holds
    }
    throw;
  }
  return state->result;
}

}  // namespace bubble::net
