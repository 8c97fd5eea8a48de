// sim/src/log_level.cc
//
// LogLevel and the Logger handle. LogLevel's enumerators are spdlog's levels in the same order,
// so the conversion is a cast (checked below).
#include "log_level.h"

#include <array>

#include <spdlog/logger.h>

#include <bubble/sim/log.h>

namespace bubble::sim {

namespace {

static_assert(static_cast<int>(LogLevel::kTrace) == spdlog::level::trace);
static_assert(static_cast<int>(LogLevel::kWarn) == spdlog::level::warn);
static_assert(static_cast<int>(LogLevel::kOff) == spdlog::level::off);

constexpr std::array<std::string_view, 7> kNames = {"trace", "debug",    "info", "warn",
                                                    "error", "critical", "off"};

}  // namespace

std::string_view LogLevelName(LogLevel level) noexcept {
  return kNames[static_cast<std::size_t>(level)];
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) {
      return static_cast<LogLevel>(i);
    }
  }
  if (name == "warning") {
    return LogLevel::kWarn;
  }
  if (name == "err") {
    return LogLevel::kError;
  }
  return std::nullopt;
}

std::string_view LogLevelChoices() noexcept {
  return "trace, debug, info, warn, error, critical or off";
}

bool Logger::ShouldLog(LogLevel level) const noexcept {
  return logger_->should_log(detail::ToSpdlog(level));
}

void Logger::Write(LogLevel level, std::string_view line) const {
  logger_->log(detail::ToSpdlog(level), spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace bubble::sim
