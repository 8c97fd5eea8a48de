// net/include/bubble/net/memory_responder.h
//
// MemoryResponder: an HttpResponder that keeps what a handler answered in memory, for calling a
// handler without a connection: a program feeding requests through its own handler (`bubble
// apiserver` creates its seed objects through the REST handler, with kubectl's decoding and
// checks), and tests.
//
//   net::MemoryResponder out;
//   handler(net::HttpRequest{.method = "GET", .target = "/api/v1/namespaces"}, out);
//   if (out.status == 200) ... out.body ...
//
// A stream's chunks are kept one by one (and not in `body`); Leave() cancels Context(), as a
// client that hangs up does, so WriteChunk then returns false.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <bubble/net/http_exchange.h>
#include <bubble/sim/context.h>

namespace bubble::net {

class MemoryResponder : public HttpResponder {
 public:
  MemoryResponder() : hang_up_(sim::WithCancel(sim::Context::Background())) {}

  void Respond(int code, std::string_view type, std::string data,
               const HttpHeaders& extra = {}) override {
    ++answers;
    status = code;
    content_type = std::string(type);
    body = std::move(data);
    headers = extra;
  }

  void StartStream(int code, std::string_view type, const HttpHeaders& extra = {}) override {
    ++answers;
    status = code;
    content_type = std::string(type);
    headers = extra;
    streaming = true;
  }

  bool WriteChunk(std::string_view data) override {
    if (hang_up_.first.IsDone()) {
      return false;
    }
    chunks.emplace_back(data);
    return true;
  }

  const sim::Context& Context() const override { return hang_up_.first; }

  // The client goes away: Context() is cancelled.
  void Leave() { hang_up_.second(); }

  int answers = 0;  // how many times the handler answered (1 for a well-behaved one)
  int status = 0;
  std::string content_type{};
  HttpHeaders headers{};  // the extra headers of the answer
  std::string body{};     // of Respond()
  bool streaming = false;
  std::vector<std::string> chunks{};  // of a stream

 private:
  std::pair<sim::Context, sim::CancelFunc> hang_up_;
};

}  // namespace bubble::net
