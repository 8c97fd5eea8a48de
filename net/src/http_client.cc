// net/src/http_client.cc
#include "bubble/net/http_client.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "bubble/net/address.h"
#include "bubble/net/await.h"
#include "tls_context.h"
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace bubble::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace detail {

struct ClientShared {
  explicit ClientShared(HttpClientOptions o)
      : options(std::move(o)), where(ParseHostPort(options.address)) {
    if (options.server_name.empty()) {
      options.server_name = where.host;
    }
    if (options.tls) {
      tls.emplace(MakeClientTlsContext(options.ca_pem, options.cert_pem, options.key_pem,
                                       /*verify_server=*/!options.insecure_skip_tls_verify));
    }
  }

  HttpClientOptions options;
  HostPort where;
  std::optional<asio::ssl::context> tls;
  std::vector<std::shared_ptr<ClientConnection>> idle;  // kept alive, ready for a request
};

struct ClientConnection {
  explicit ClientConnection(asio::io_context& io) : socket(io) {}

  tcp::socket socket;  // the TCP connection (moved into `tls` once connected, with TLS)
  std::optional<asio::ssl::stream<tcp::socket>> tls;
  tcp::resolver::results_type resolved;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  std::optional<http::response_parser<http::string_body>> parser;
  std::string pending;  // a stream's body bytes not yet handed out
  std::function<std::size_t(std::uint64_t, beast::string_view, boost::system::error_code&)>
      on_chunk;
  bool used = false;  // carried a request already (a failure may be a stale keep-alive)

  tcp::socket& Socket() { return tls ? tls->next_layer() : socket; }

  template <class F>
  decltype(auto) WithStream(F&& f) {
    return tls ? f(*tls) : f(socket);
  }
};

struct StreamState {
  std::shared_ptr<ClientConnection> c;
  std::string error;
  int status = 0;
  HttpHeaders headers;
  bool ended = false;
};

}  // namespace detail

namespace {

using detail::ClientConnection;
using detail::ClientShared;

auto CancelIo(const std::shared_ptr<ClientConnection>& c) {
  return [c] {
    boost::system::error_code ignored;
    c->Socket().cancel(ignored);
  };
}

void CloseConnection(ClientConnection& c) {
  boost::system::error_code ignored;
  c.Socket().shutdown(tcp::socket::shutdown_both, ignored);
  c.Socket().close(ignored);
}

std::string Describe(const sim::Context& ctx, const boost::system::error_code& error,
                     std::string_view what, const ClientShared& s) {
  if (ctx.IsDone()) {
    return fmt::format("{} {}: {}", what, s.options.address, sim::ContextErrorMessage(ctx.Err()));
  }
  return fmt::format("{} {}: {}", what, s.options.address, error.message());
}

HttpHeaders LowerCasedHeaders(const http::fields& fields) {
  HttpHeaders headers;
  for (const auto& field : fields) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    headers.emplace_back(std::move(name), std::string(field.value()));
  }
  return headers;
}

// Await for an operation `start(stream, handler)` on the connection's stream (TCP or TLS).
template <class Start>
IoResult AwaitOnStream(const sim::Context& ctx, std::string what,
                       const std::shared_ptr<ClientConnection>& c, Start&& start) {
  return Await(
      ctx, std::move(what), c,
      [&](auto handler) {
        c->WithStream([&](auto& stream) { start(stream, std::move(handler)); });
      },
      CancelIo(c));
}

// Why OpenSSL refused the server's certificate, and what to change; "" when it did not.
std::string VerificationHint(SSL* ssl, const ClientShared& s) {
  const long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) {
    return {};
  }
  if (result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    return fmt::format(
        ": the certificate is not valid for {}; connect by a name it carries or "
        "set the server name to one",
        s.options.server_name);
  }
  return fmt::format(": {}; give the CA that signed the server's certificate",
                     X509_verify_cert_error_string(result));
}

// A new connection: resolve, connect and (with TLS) handshake, bounded by the connect timeout.
// Returns "" or the error.
std::string Connect(const sim::Context& parent, ClientShared& s,
                    const std::shared_ptr<ClientConnection>& c) {
  auto [ctx, cancel] = sim::WithTimeout(parent, s.options.connect_timeout);
  boost::system::error_code not_ip;
  const auto address = asio::ip::make_address(s.where.host, not_ip);
  if (!not_ip) {
    c->resolved = tcp::resolver::results_type::create(tcp::endpoint(address, s.where.port),
                                                      s.where.host, std::to_string(s.where.port));
  } else {
    auto resolver = std::make_shared<tcp::resolver>(CurrentIoContext());
    auto keep = std::make_shared<
        std::pair<std::shared_ptr<tcp::resolver>, std::shared_ptr<ClientConnection>>>(resolver, c);
    IoResult r = Await(
        ctx, "resolve", keep,
        [&](auto handler) {
          resolver->async_resolve(
              s.where.host, std::to_string(s.where.port),
              [c, handler = std::move(handler)](const boost::system::error_code& error,
                                                tcp::resolver::results_type results) mutable {
                c->resolved = std::move(results);
                handler(error, 0);
              });
        },
        [&] { resolver->cancel(); });
    if (r.error) {
      std::string error = Describe(ctx, r.error, "cannot resolve", s);
      cancel();  // after Describe, which would otherwise read the cancellation as the cause
      return error;
    }
  }
  IoResult r = Await(
      ctx, "connect", c,
      [&](auto handler) {
        asio::async_connect(
            c->socket, c->resolved,
            [handler = std::move(handler)](const boost::system::error_code& error,
                                           const tcp::endpoint&) mutable { handler(error, 0); });
      },
      CancelIo(c));
  if (r.error) {
    std::string error = Describe(ctx, r.error, "cannot connect to", s);
    cancel();
    return error;
  }
  boost::system::error_code ignored;
  c->socket.set_option(tcp::no_delay(true), ignored);
  if (s.tls) {
    c->tls.emplace(std::move(c->socket), *s.tls);
    const std::string& name = s.options.server_name;
    boost::system::error_code is_name;
    asio::ip::make_address(name, is_name);
    if (is_name) {  // SNI carries names only, never addresses
      // SSL_set_tlsext_host_name, without the macro's C cast.
      SSL_ctrl(c->tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(name.c_str()));
    }
    if (!s.options.insecure_skip_tls_verify) {
      // OpenSSL checks the name with the chain, so a mismatch has its own verify result.
      X509_VERIFY_PARAM* param = SSL_get0_param(c->tls->native_handle());
      if (is_name) {
        X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
      } else {
        X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
      }
    }
    r = Await(
        ctx, "tls handshake", c,
        [&](auto handler) {
          c->tls->async_handshake(asio::ssl::stream_base::client, std::move(handler));
        },
        CancelIo(c));
    if (r.error) {
      std::string error = Describe(ctx, r.error, "TLS handshake with", s);
      if (!ctx.IsDone() && !s.options.insecure_skip_tls_verify) {
        error += VerificationHint(c->tls->native_handle(), s);
      }
      cancel();
      CloseConnection(*c);
      return error;
    }
  }
  cancel();
  return {};
}

void BuildRequest(ClientShared& s, ClientConnection& c, const HttpRequest& request) {
  auto& m = c.request;
  m = {};
  m.version(11);
  m.method_string(beast::string_view(request.method.data(), request.method.size()));
  m.target(beast::string_view(request.target.data(), request.target.size()));
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    has_host = has_host || beast::iequals(name, "host");
    m.insert(beast::string_view(name.data(), name.size()),
             beast::string_view(value.data(), value.size()));
  }
  if (!has_host) {
    m.set(http::field::host, s.options.address);
  }
  m.keep_alive(true);
  m.body() = request.body;
  m.prepare_payload();
}

// Writes the request and reads the response header. Returns the error, or none.
boost::system::error_code WriteAndReadHeader(const sim::Context& ctx,
                                             const std::shared_ptr<ClientConnection>& c,
                                             std::size_t body_limit) {
  IoResult w = AwaitOnStream(ctx, "write request", c, [&](auto& stream, auto handler) {
    http::async_write(stream, c->request, std::move(handler));
  });
  if (w.error) {
    return w.error;
  }
  c->parser.emplace();
  c->parser->body_limit(body_limit);
  IoResult r = AwaitOnStream(ctx, "read response header", c, [&](auto& stream, auto handler) {
    http::async_read_header(stream, c->buffer, *c->parser, std::move(handler));
  });
  return r.error;
}

std::shared_ptr<ClientConnection> TakeIdle(ClientShared& s) {
  if (s.idle.empty()) {
    return nullptr;
  }
  auto c = std::move(s.idle.back());
  s.idle.pop_back();
  return c;
}

}  // namespace

std::string_view HttpResponse::Header(std::string_view lower_name) const noexcept {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) {
      return value;
    }
  }
  return {};
}

HttpClient::HttpClient(HttpClientOptions options)
    : shared_(std::make_shared<ClientShared>(std::move(options))) {}

HttpClient::~HttpClient() {
  for (auto& c : shared_->idle) {
    CloseConnection(*c);
  }
}

HttpResponse HttpClient::Send(const sim::Context& ctx, const HttpRequest& request) {
  ClientShared& s = *shared_;
  HttpResponse out;
  // A kept-alive connection the server has closed fails at once: then once more on a new one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::shared_ptr<ClientConnection> c = TakeIdle(s);
    if (c == nullptr) {
      c = std::make_shared<ClientConnection>(CurrentIoContext());
      if (std::string error = Connect(ctx, s, c); !error.empty()) {
        out.error = std::move(error);
        return out;
      }
    }
    const bool reused = c->used;
    c->used = true;
    BuildRequest(s, *c, request);
    boost::system::error_code error = WriteAndReadHeader(ctx, c, s.options.body_limit);
    if (!error && !c->parser->is_done()) {
      IoResult r = AwaitOnStream(ctx, "read response body", c, [&](auto& stream, auto handler) {
        http::async_read(stream, c->buffer, *c->parser, std::move(handler));
      });
      error = r.error;
    }
    if (error) {
      CloseConnection(*c);
      const bool stale =
          reused && !ctx.IsDone() &&
          (error == http::error::end_of_stream || error == asio::error::eof ||
           error == asio::error::connection_reset || error == asio::error::broken_pipe);
      if (stale) {
        continue;
      }
      out.error = Describe(ctx, error, "request to", s);
      return out;
    }
    auto& m = c->parser->get();
    out.status = static_cast<int>(m.result_int());
    out.headers = LowerCasedHeaders(m.base());
    out.body = std::move(m.body());
    if (m.keep_alive()) {
      c->parser.reset();
      s.idle.push_back(std::move(c));
    } else {
      CloseConnection(*c);
    }
    return out;
  }
  out.error = fmt::format("request to {}: the server closed the connection", s.options.address);
  return out;
}

HttpStream HttpClient::Open(const sim::Context& ctx, const HttpRequest& request) {
  ClientShared& s = *shared_;
  auto state = std::make_unique<detail::StreamState>();
  auto c = std::make_shared<ClientConnection>(CurrentIoContext());
  state->c = c;
  if (std::string error = Connect(ctx, s, c); !error.empty()) {
    state->error = std::move(error);
    state->ended = true;
    return HttpStream(std::move(state));
  }
  BuildRequest(s, *c, request);
  if (boost::system::error_code error = WriteAndReadHeader(ctx, c, s.options.body_limit)) {
    state->error = Describe(ctx, error, "request to", s);
    state->ended = true;
    CloseConnection(*c);
    return HttpStream(std::move(state));
  }
  auto& m = c->parser->get();
  state->status = static_cast<int>(m.result_int());
  state->headers = LowerCasedHeaders(m.base());
  // Chunks are handed out as they are parsed, never gathered into the body.
  c->on_chunk = [raw = c.get()](std::uint64_t, beast::string_view body,
                                boost::system::error_code&) -> std::size_t {
    raw->pending.append(body.data(), body.size());
    return body.size();
  };
  c->parser->on_chunk_body(c->on_chunk);  // Beast keeps a reference: the callback lives in `c`
  return HttpStream(std::move(state));
}

HttpStream::HttpStream(std::unique_ptr<detail::StreamState> state) : state_(std::move(state)) {}

HttpStream::HttpStream(HttpStream&&) noexcept = default;
HttpStream& HttpStream::operator=(HttpStream&&) noexcept = default;

HttpStream::~HttpStream() {
  Close();
}

const std::string& HttpStream::Error() const noexcept {
  return state_->error;
}

int HttpStream::Status() const noexcept {
  return state_->status;
}

const HttpHeaders& HttpStream::Headers() const noexcept {
  return state_->headers;
}

std::optional<std::string> HttpStream::Read(const sim::Context& ctx) {
  detail::StreamState& st = *state_;
  const std::shared_ptr<ClientConnection>& c = st.c;
  while (c->pending.empty()) {
    std::string& body = c->parser->get().body();  // a body with Content-Length lands here
    if (!body.empty()) {
      c->pending = std::move(body);
      body.clear();
      break;
    }
    if (st.ended || c->parser->is_done()) {
      st.ended = true;
      return std::nullopt;
    }
    IoResult r = AwaitOnStream(ctx, "read stream", c, [&](auto& stream, auto handler) {
      http::async_read_some(stream, c->buffer, *c->parser, std::move(handler));
    });
    if (r.error) {
      st.error = ctx.IsDone() ? std::string(sim::ContextErrorMessage(ctx.Err()))
                              : "stream: " + r.error.message();
      st.ended = true;
      CloseConnection(*c);
      return std::nullopt;
    }
  }
  return std::exchange(c->pending, {});
}

void HttpStream::Close() {
  if (state_ != nullptr && state_->c != nullptr) {
    CloseConnection(*state_->c);
    state_->ended = true;
  }
}

}  // namespace bubble::net
