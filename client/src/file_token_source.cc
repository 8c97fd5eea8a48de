// client/src/file_token_source.cc
#include "bubble/client/file_token_source.h"

#include <optional>
#include <utility>

#include "read_config_file.h"

namespace bubble::client {

FileTokenSource::FileTokenSource(std::filesystem::path file, std::string token,
                                 Clock::time_point read_at, Clock::duration reread_period)
    : file_(std::move(file)),
      token_(std::move(token)),
      read_at_(read_at),
      reread_period_(reread_period) {}

const std::string& FileTokenSource::Token(Clock::time_point now) {
  if (now - read_at_ < reread_period_) {
    return token_;
  }
  // Due or not, the next attempt is a period away: a file that stays unreadable is not re-read
  // on every request.
  read_at_ = now;
  std::string error;
  const std::optional<std::string> text = detail::ReadConfigFile(file_, error);
  if (!text) {
    last_error_ = "cannot re-read token file " + file_.string() + ": " + error;
    return token_;
  }
  std::string token = detail::TrimSpace(*text);
  if (token.empty()) {
    last_error_ = "token file " + file_.string() + " is empty";
    return token_;
  }
  last_error_.clear();
  token_ = std::move(token);
  return token_;
}

}  // namespace bubble::client
