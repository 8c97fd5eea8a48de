// net/include/bubble/net/signal.h
//
// WaitForSignal: a fiber waits for a POSIX signal, for a server's graceful stop.
//
//   net::HttpServer server(...);
//   server.Start();
//   net::WaitForSignal(sim::Context::Background(), {SIGINT, SIGTERM});
//   server.Stop();
//
// While a fiber waits, the signals are delivered to it (Asio's signal_set) instead of their
// default action; once it returns they are restored.
#pragma once

#include <initializer_list>

#include <bubble/sim/context.h>

namespace bubble::net {

// The signal that arrived, or 0 if `ctx` was done first.
int WaitForSignal(const sim::Context& ctx, std::initializer_list<int> signals);

}  // namespace bubble::net
