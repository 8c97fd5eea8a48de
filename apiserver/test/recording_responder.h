// apiserver/test/recording_responder.h: net::MemoryResponder for the REST handler's tests, and a
// helper that serves one request with it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <bubble/apiserver/rest_handler.h>
#include <bubble/net/http_exchange.h>
#include <bubble/net/memory_responder.h>
#include <bubble/sim/context.h>

namespace bubble::apiserver::testing {

// net::MemoryResponder, with the answer read as JSON.
class RecordingResponder final : public net::MemoryResponder {
 public:
  nlohmann::json Json() const { return nlohmann::json::parse(body); }

  // The stream's events, one per chunk.
  std::vector<nlohmann::json> Events() const {
    std::vector<nlohmann::json> out;
    for (const std::string& c : chunks) {
      out.push_back(nlohmann::json::parse(c));
    }
    return out;
  }
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
