// client/include/bubble/client/file_token_source.h
//
// FileTokenSource: a bearer token kept in a file that is rewritten as the token rotates (a
// pod's projected service account token, a kubeconfig user's tokenFile). Like client-go's
// cached file token source, it re-reads the file once the token it holds is a minute old, and
// keeps the old token when a re-read fails or finds the file empty.
//
// Time is passed in, never read here: a client on the real-time loop passes the loop's now.
// Threading: not synchronized; one caller at a time.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace bubble::client {

class FileTokenSource {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::duration kRereadPeriod = std::chrono::minutes(1);

  // `token` was read from `file` at `read_at` (as LoadedConfig holds it).
  FileTokenSource(std::filesystem::path file, std::string token, Clock::time_point read_at,
                  Clock::duration reread_period = kRereadPeriod);

  // The token to send at `now`, re-reading the file first when the held one is due.
  const std::string& Token(Clock::time_point now);

  // Why the last re-read failed ("" when it succeeded), for the client to log.
  const std::string& LastError() const { return last_error_; }

 private:
  std::filesystem::path file_;
  std::string token_;
  Clock::time_point read_at_;
  Clock::duration reread_period_;
  std::string last_error_{};
};

}  // namespace bubble::client
