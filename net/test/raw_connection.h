// net/test/raw_connection.h: a bare TCP client for the server's tests, so a test can send bytes
// no well-behaved client would (garbage, an oversized body) and read exactly what came back.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <bubble/net/await.h>
#include <bubble/sim/context.h>

namespace bubble::net::test {

class RawConnection {
 public:
  using tcp = boost::asio::ip::tcp;

  explicit RawConnection(std::uint16_t port) : s_(std::make_shared<State>()) {
    const tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
    IoResult r = Await(
        sim::Context::Background(), "test connect", s_,
        [&](auto handler) { s_->socket.async_connect(endpoint, std::move(handler)); },
        [&] { s_->socket.cancel(); });
    if (r.error) {
      throw std::runtime_error("test connect: " + r.error.message());
    }
  }

  void Send(std::string bytes) {
    s_->out = std::move(bytes);
    IoResult r = Await(
        sim::Context::Background(), "test send", s_,
        [&](auto handler) {
          boost::asio::async_write(s_->socket, boost::asio::buffer(s_->out), std::move(handler));
        },
        [&] { s_->socket.cancel(); });
    if (r.error) {
      throw std::runtime_error("test send: " + r.error.message());
    }
  }

  // Some bytes, or "" at end of file.
  std::string ReadSome() {
    IoResult r = Await(
        sim::Context::Background(), "test read", s_,
        [&](auto handler) {
          s_->socket.async_read_some(boost::asio::buffer(s_->in), std::move(handler));
        },
        [&] { s_->socket.cancel(); });
    return r.error ? std::string() : std::string(s_->in.data(), r.bytes);
  }

  // Everything until the server closes the connection.
  std::string ReadUntilClosed() {
    std::string all;
    for (std::string some = ReadSome(); !some.empty(); some = ReadSome()) {
      all += some;
    }
    return all;
  }

  // One complete response (Content-Length or chunked), parsed by Beast.
  boost::beast::http::response<boost::beast::http::string_body> ReadResponse() {
    s_->response = {};
    IoResult r = Await(
        sim::Context::Background(), "test read response", s_,
        [&](auto handler) {
          boost::beast::http::async_read(s_->socket, s_->buffer, s_->response, std::move(handler));
        },
        [&] { s_->socket.cancel(); });
    if (r.error) {
      throw std::runtime_error("test read response: " + r.error.message());
    }
    return s_->response;
  }

  void Close() {
    boost::system::error_code ignored;
    s_->socket.shutdown(tcp::socket::shutdown_both, ignored);
    s_->socket.close(ignored);
  }

 private:
  struct State {
    tcp::socket socket{CurrentIoContext()};
    std::string out;
    std::array<char, 4096> in{};
    boost::beast::flat_buffer buffer;
    boost::beast::http::response<boost::beast::http::string_body> response;
  };

  std::shared_ptr<State> s_;
};

}  // namespace bubble::net::test
