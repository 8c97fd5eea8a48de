// net/src/http_server.cc
#include "bubble/net/http_server.h"

#include <cctype>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/event.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

#include "bubble/net/address.h"
#include "bubble/net/await.h"
#include "bubble/net/error.h"
#include "endpoint.h"
#include "http_messages.h"
#include "tls_context.h"

namespace bubble::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;

namespace detail {

struct ServerState {
  ServerState(HttpServerOptions o, HttpHandler h) : options(std::move(o)), handler(std::move(h)) {}

  HttpServerOptions options;
  HttpHandler handler;
  std::optional<asio::ssl::context> tls;
  std::shared_ptr<tcp::acceptor> acceptor;
  tcp::endpoint bound;
  // Cancelled by Stop(): every wait of every connection derives from it.
  std::optional<std::pair<sim::Context, sim::CancelFunc>> life;
  sim::WaitGroup fibers{"http server fibers"};
  bool started = false;
  bool stopped = false;

  const sim::Context& Life() const { return life->first; }
};

}  // namespace detail

namespace {

using detail::DescribeCurrentException;
using detail::FormatEndpoint;
using detail::IsMalformedHttp;
using detail::ResolveForListen;
using detail::ServerState;
using detail::StatusJson;
using detail::ToHttpRequest;

// Beast 1.74 takes boost::string_view.
beast::string_view ToBeast(std::string_view s) noexcept {
  return {s.data(), s.size()};
}

template <class Stream>
struct Connection {
  template <class... Args>
  explicit Connection(std::string peer_name, Args&&... args)
      : stream(std::forward<Args>(args)...), peer(std::move(peer_name)) {}

  Stream stream;
  std::string peer;
  beast::flat_buffer buffer;  // what was read and not yet parsed (pipelined requests)
  std::optional<http::request_parser<http::string_body>> parser;
  http::response<http::string_body> response;
  http::response<http::empty_body> stream_header;
  std::optional<http::response_serializer<http::empty_body>> header_serializer;
  std::string chunk;
  detail::PeerSubject peer_subject;  // a verified client certificate's (TLS only)
};

template <class Stream>
auto CancelIo(const std::shared_ptr<Connection<Stream>>& c) {
  return [c] {
    boost::system::error_code ignored;
    beast::get_lowest_layer(c->stream).cancel(ignored);
  };
}

template <class Stream>
void Close(Connection<Stream>& c) {
  boost::system::error_code ignored;
  auto& socket = beast::get_lowest_layer(c.stream);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

// What a streaming response's reader fiber shares with the connection fiber.
struct StreamWatch {
  sim::Event done{"stream reader done"};
  bool client_gone = false;
};

template <class Stream>
class Responder final : public HttpResponder {
 public:
  Responder(std::shared_ptr<ServerState> s, std::shared_ptr<Connection<Stream>> c, unsigned version,
            bool keep_alive)
      : s_(std::move(s)),
        c_(std::move(c)),
        version_(version),
        keep_alive_(keep_alive),
        handler_life_(sim::WithCancel(s_->Life())),
        reader_life_(sim::WithCancel(s_->Life())) {}

  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  ~Responder() override {
    handler_life_.second();
    reader_life_.second();
  }

  void Respond(int status, std::string_view content_type, std::string body,
               const HttpHeaders& extra_headers) override {
    BUBBLE_EXPECT(!answered_,
                  "HttpResponder::Respond after the handler already answered: "
                  "answer a request once");
    answered_ = true;
    auto& r = c_->response;
    StartMessage(r, status, content_type, extra_headers);
    r.body() = std::move(body);
    r.prepare_payload();
    IoResult w = Await(
        handler_life_.first, "write response", c_,
        [&](auto handler) { http::async_write(c_->stream, c_->response, std::move(handler)); },
        CancelIo(c_));
    ok_ = !w.error;
  }

  void StartStream(int status, std::string_view content_type,
                   const HttpHeaders& extra_headers) override {
    BUBBLE_EXPECT(!answered_,
                  "HttpResponder::StartStream after the handler already answered: "
                  "answer a request once");
    answered_ = true;
    streaming_ = true;
    auto& h = c_->stream_header;
    StartMessage(h, status, content_type, extra_headers);
    h.chunked(true);
    c_->header_serializer.emplace(c_->stream_header);
    IoResult w = Await(
        handler_life_.first, "write stream header", c_,
        [&](auto handler) {
          http::async_write_header(c_->stream, *c_->header_serializer, std::move(handler));
        },
        CancelIo(c_));
    ok_ = !w.error;
    if (ok_) {
      StartReader();
    }
  }

  bool WriteChunk(std::string_view data) override {
    BUBBLE_EXPECT(streaming_,
                  "HttpResponder::WriteChunk before StartStream: start the stream "
                  "first");
    if (!ok_ || handler_life_.first.IsDone()) {
      return false;
    }
    if (data.empty()) {
      return true;  // an empty chunk would end the body
    }
    c_->chunk.assign(data);
    IoResult w = Await(
        handler_life_.first, "write chunk", c_,
        [&](auto handler) {
          asio::async_write(c_->stream, http::make_chunk(asio::buffer(c_->chunk)),
                            std::move(handler));
        },
        CancelIo(c_));
    ok_ = !w.error;
    return ok_;
  }

  const sim::Context& Context() const override { return handler_life_.first; }

  bool Answered() const noexcept { return answered_; }

  // After the handler returned: ends a stream (the last chunk) and stops its reader. False if
  // the connection cannot carry another request.
  bool Finish() {
    if (!streaming_) {
      return ok_ && keep_alive_;
    }
    if (watch_ != nullptr) {
      reader_life_.second();
      watch_->done.Wait();
      if (watch_->client_gone) {
        return false;
      }
    }
    if (!ok_) {
      return false;
    }
    IoResult w = Await(
        s_->Life(), "write last chunk", c_,
        [&](auto handler) {
          asio::async_write(c_->stream, http::make_chunk_last(), std::move(handler));
        },
        CancelIo(c_));
    return !w.error && keep_alive_;
  }

 private:
  template <class Message>
  void StartMessage(Message& m, int status, std::string_view content_type,
                    const HttpHeaders& extra_headers) const {
    m = {};
    m.version(version_);
    m.result(static_cast<unsigned>(status));
    m.set(http::field::content_type, ToBeast(content_type));
    for (const auto& [name, value] : extra_headers) {
      m.set(name, value);
    }
    m.keep_alive(keep_alive_);
  }

  // Reads the socket while the stream is open: bytes the client sends (a pipelined request)
  // stay in the connection's buffer; end of file or an error means the client has gone, and
  // cancels the handler's context at once.
  void StartReader() {
    watch_ = std::make_shared<StreamWatch>();
    sim::Spawn(fmt::format("http stream reader {}", c_->peer),
               [watch = watch_, c = c_, life = reader_life_.first,
                cancel_handler = handler_life_.second, limit = s_->options.body_limit] {
                 struct SetDone {
                   StreamWatch& w;
                   ~SetDone() { w.done.Set(); }
                 } set_done{*watch};
                 while (c->buffer.size() < limit) {
                   IoResult r = Await(
                       life, "read during stream", c,
                       [&](auto handler) {
                         c->stream.async_read_some(c->buffer.prepare(4096), std::move(handler));
                       },
                       CancelIo(c));
                   if (r.error) {
                     if (!life.IsDone()) {
                       watch->client_gone = true;
                       cancel_handler();
                     }
                     return;
                   }
                   c->buffer.commit(r.bytes);
                 }
               });
  }

  std::shared_ptr<ServerState> s_;
  std::shared_ptr<Connection<Stream>> c_;
  unsigned version_;
  bool keep_alive_;
  std::pair<sim::Context, sim::CancelFunc> handler_life_;
  std::pair<sim::Context, sim::CancelFunc> reader_life_;
  std::shared_ptr<StreamWatch> watch_;
  bool answered_ = false;
  bool streaming_ = false;
  bool ok_ = true;
};

// Answers with a Status body and closes: for requests the server refuses itself.
template <class Stream>
void RefuseAndClose(const std::shared_ptr<ServerState>& s,
                    const std::shared_ptr<Connection<Stream>>& c, int status,
                    std::string_view message) {
  auto& r = c->response;
  r = {};
  r.version(11);
  r.result(static_cast<unsigned>(status));
  r.set(http::field::content_type, "application/json");
  r.keep_alive(false);
  r.body() = StatusJson(status, message);
  r.prepare_payload();
  auto [ctx, cancel] = sim::WithTimeout(s->Life(), std::chrono::seconds(5));
  Await(
      ctx, "write refusal", c,
      [&](auto handler) { http::async_write(c->stream, c->response, std::move(handler)); },
      CancelIo(c));
  cancel();
  Close(*c);
}

template <class Stream>
void ServeConnection(std::shared_ptr<ServerState> s, std::shared_ptr<Connection<Stream>> c) {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    auto [ctx, cancel] = sim::WithTimeout(s->Life(), s->options.idle_timeout);
    IoResult r = Await(
        ctx, "tls handshake", c,
        [&](auto handler) {
          c->stream.async_handshake(asio::ssl::stream_base::server, std::move(handler));
        },
        CancelIo(c));
    cancel();
    if (r.error) {
      Close(*c);
      return;
    }
    c->peer_subject = detail::VerifiedPeerSubject(c->stream.native_handle());
  }
  while (!s->Life().IsDone()) {
    c->parser.emplace();
    c->parser->body_limit(s->options.body_limit);
    c->parser->header_limit(static_cast<std::uint32_t>(s->options.header_limit));
    auto [ctx, cancel] = sim::WithTimeout(s->Life(), s->options.idle_timeout);
    IoResult r = Await(
        ctx, "read request", c,
        [&](auto handler) {
          http::async_read(c->stream, c->buffer, *c->parser, std::move(handler));
        },
        CancelIo(c));
    cancel();
    if (r.error) {
      if (r.error == http::error::body_limit) {
        RefuseAndClose(s, c, 413,
                       fmt::format("the request body is larger than the limit of {} bytes",
                                   s->options.body_limit));
        return;
      }
      if (IsMalformedHttp(r.error)) {
        RefuseAndClose(s, c, 400, fmt::format("malformed HTTP request: {}", r.error.message()));
        return;
      }
      break;  // the client closed, went idle, or the server stops
    }
    const auto& message = c->parser->get();
    HttpRequest request = ToHttpRequest(message);
    request.client_cert_user = c->peer_subject.common_name;
    request.client_cert_groups = c->peer_subject.organizations;
    Responder<Stream> out(s, c, message.version(), message.keep_alive());
    std::string failure;
    try {
      s->handler(request, out);
    } catch (...) {
      sim::RethrowIfUnwinding();
      failure = DescribeCurrentException();
    }
    if (!out.Answered()) {
      out.Respond(500, "application/json",
                  StatusJson(500, failure.empty() ? "the handler returned without an answer"
                                                  : "the handler failed: " + failure),
                  {});
    }
    if (!out.Finish()) {
      break;
    }
  }
  Close(*c);
}

void AcceptLoop(std::shared_ptr<ServerState> s) {
  for (;;) {
    auto socket = std::make_shared<tcp::socket>(CurrentIoContext());
    auto keep =
        std::make_shared<std::pair<std::shared_ptr<tcp::acceptor>, std::shared_ptr<tcp::socket>>>(
            s->acceptor, socket);
    IoResult r = Await(
        s->Life(), "accept", keep,
        [&](auto handler) { s->acceptor->async_accept(*socket, std::move(handler)); },
        [&] {
          boost::system::error_code ignored;
          s->acceptor->cancel(ignored);
        });
    if (s->Life().IsDone()) {
      return;
    }
    if (r.error) {
      // Out of file descriptors and the like: try again soon rather than spin.
      sim::SleepFor(std::chrono::milliseconds(50), s->Life());
      continue;
    }
    boost::system::error_code ignored;
    socket->set_option(tcp::no_delay(true), ignored);
    const tcp::endpoint peer = socket->remote_endpoint(ignored);
    std::string peer_name = FormatEndpoint(peer);
    if (s->tls) {
      auto c = std::make_shared<Connection<TlsStream>>(peer_name, std::move(*socket), *s->tls);
      s->fibers.Go("http conn " + peer_name, [s, c] { ServeConnection(s, c); });
    } else {
      auto c = std::make_shared<Connection<tcp::socket>>(peer_name, std::move(*socket));
      s->fibers.Go("http conn " + peer_name, [s, c] { ServeConnection(s, c); });
    }
  }
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : state_(std::make_shared<ServerState>(std::move(options), std::move(handler))) {
  BUBBLE_EXPECT(static_cast<bool>(state_->handler), "HttpServer with an empty handler");
}

HttpServer::~HttpServer() {
  if (state_->started && !state_->stopped) {
    if (std::uncaught_exceptions() > 0) {
      state_->stopped = true;  // a fiber unwinding: cancel, do not wait (nothing may block)
      state_->life->second();
    } else {
      Stop();
    }
  }
}

void HttpServer::Start() {
  ServerState& s = *state_;
  BUBBLE_EXPECT(!s.started, "HttpServer::Start called twice");
  asio::io_context& io = CurrentIoContext();
  const HostPort where = ParseHostPort(s.options.listen);
  if (s.options.tls) {
    s.tls.emplace(detail::MakeServerTlsContext(*s.options.tls));
  }
  const tcp::endpoint endpoint = detail::ResolveForListen(io, where);
  auto acceptor = std::make_shared<tcp::acceptor>(io);
  boost::system::error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor->bind(endpoint, ec);
  }
  if (!ec) {
    acceptor->listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    throw NetError(
        fmt::format("cannot listen on {}: {}; choose another address or port (port 0 "
                    "picks a free one)",
                    where.ToString(), ec.message()));
  }
  s.bound = acceptor->local_endpoint();
  s.acceptor = std::move(acceptor);
  s.life.emplace(sim::WithCancel(sim::Context::Background()));
  s.started = true;
  s.fibers.Go("http accept " + detail::FormatEndpoint(s.bound), [st = state_] { AcceptLoop(st); });
}

std::uint16_t HttpServer::BoundPort() const {
  BUBBLE_EXPECT(state_->started, "HttpServer::BoundPort before Start");
  return state_->bound.port();
}

std::string HttpServer::BoundAddress() const {
  BUBBLE_EXPECT(state_->started, "HttpServer::BoundAddress before Start");
  return detail::FormatEndpoint(state_->bound);
}

void HttpServer::Stop() {
  ServerState& s = *state_;
  if (!s.started || s.stopped) {
    return;
  }
  s.stopped = true;
  s.life->second();
  s.fibers.Wait();
  boost::system::error_code ignored;
  s.acceptor->close(ignored);
}

}  // namespace bubble::net
