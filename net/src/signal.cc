// net/src/signal.cc
#include "bubble/net/signal.h"

#include <memory>

#include <boost/asio/signal_set.hpp>

#include "bubble/net/await.h"

namespace bubble::net {

int WaitForSignal(const sim::Context& ctx, std::initializer_list<int> signals) {
  struct State {
    explicit State(boost::asio::io_context& io) : set(io) {}

    boost::asio::signal_set set;
    int number = 0;
  };

  auto s = std::make_shared<State>(CurrentIoContext());
  for (int signal : signals) {
    s->set.add(signal);
  }
  IoResult r = Await(
      ctx, "signal", s,
      [&](auto handler) {
        s->set.async_wait([s, handler = std::move(handler)](const boost::system::error_code& error,
                                                            int number) mutable {
          s->number = number;
          handler(error, 0);
        });
      },
      [&] {
        boost::system::error_code ignored;
        s->set.cancel(ignored);
      });
  boost::system::error_code ignored;
  s->set.clear(ignored);
  return r.error ? 0 : s->number;
}

}  // namespace bubble::net
