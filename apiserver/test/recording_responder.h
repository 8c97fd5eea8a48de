// apiserver/test/recording_responder.h: an in-memory net::HttpResponder for the REST handler's
// tests, and a helper that serves one request with it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <bubble/apiserver/rest_handler.h>
#include <bubble/net/http_exchange.h>
#include <bubble/sim/context.h>

namespace bubble::apiserver::testing {

// Records what the handler answered: one response, or a stream of chunks. Its context is
// cancelled by Leave(), as when the client disconnects.
class RecordingResponder final : public net::HttpResponder {
 public:
  RecordingResponder() : cancel_(sim::WithCancel(sim::Context::Background())) {}

  void Respond(int code, std::string_view type, std::string data,
               const net::HttpHeaders& extra = {}) override {
    ++answers;
    status = code;
    content_type = std::string(type);
    body = std::move(data);
    headers = extra;
  }

  void StartStream(int code, std::string_view type, const net::HttpHeaders& = {}) override {
    ++answers;
    status = code;
    content_type = std::string(type);
    streaming = true;
  }

  bool WriteChunk(std::string_view data) override {
    if (cancel_.first.IsDone()) {
      return false;
    }
    chunks.emplace_back(data);
    return true;
  }

  const sim::Context& Context() const override { return cancel_.first; }

  void Leave() { cancel_.second(); }

  nlohmann::json Json() const { return nlohmann::json::parse(body); }

  // The stream's events, one per chunk.
  std::vector<nlohmann::json> Events() const {
    std::vector<nlohmann::json> out;
    for (const std::string& c : chunks) {
      out.push_back(nlohmann::json::parse(c));
    }
    return out;
  }

  int answers = 0;
  net::HttpHeaders headers;  // extra headers of Respond()
  int status = 0;
  std::string content_type{};
  std::string body{};
  bool streaming = false;
  std::vector<std::string> chunks{};

 private:
  std::pair<sim::Context, sim::CancelFunc> cancel_;
};

inline net::HttpRequest Req(std::string method, std::string target, std::string body = {},
                            net::HttpHeaders headers = {}) {
  return {.method = std::move(method),
          .target = std::move(target),
          .headers = std::move(headers),
          .body = std::move(body)};
}

// Serves one request and returns what was answered.
inline RecordingResponder Call(RestHandler& rest, const net::HttpRequest& req) {
  RecordingResponder out;
  rest.Serve(req, out);
  return out;
}

}  // namespace bubble::apiserver::testing
