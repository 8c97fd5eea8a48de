// sim/include/bubble/sim/log.h
//
// File: log levels and the logger handle that `sim::Log()` and `Bubble::Log()` return.
//
//   sim::Log().info("synced {} objects", n);   // "I0101 00:00:00.100000 main] synced 3 objects"
//
// Lines are stamped with virtual time and the fiber's name (klog style). Lines at or above
// Options::trace_log_level are trace records, so they are part of the run's fingerprint; lines
// at or above Options::log_level are also printed to stderr (printing never changes the
// fingerprint). The handle needs only fmt's core header: a test can log without including
// spdlog. The method names (info, warn, ...) keep spdlog's spelling, so code written against an
// spdlog logger reads the same.
//
// Threading: a Logger belongs to one bubble; use it from that bubble's fibers (or its owner's
// thread while the bubble is not running). Cost: a line below every sink's level is not
// formatted.
#pragma once

#include <optional>
#include <string_view>
#include <utility>

#include <fmt/core.h>

namespace spdlog {
class logger;
}  // namespace spdlog

namespace bubble::sim {

// Severity of a log line, lowest first (the same order as klog's and spdlog's).
enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kCritical, kOff };

// "trace", "debug", "info", "warn", "error", "critical", "off".
std::string_view LogLevelName(LogLevel level) noexcept;
// The level named `name`: the names above, plus "warning" and "err". nullopt if unknown.
std::optional<LogLevel> ParseLogLevel(std::string_view name) noexcept;
// "trace, debug, info, warn, error, critical or off" (for usage errors).
std::string_view LogLevelChoices() noexcept;

class Logger {
 public:
  explicit Logger(spdlog::logger& logger) noexcept : logger_(&logger) {}

  // Whether a line at `level` reaches any sink (the trace or stderr).
  bool ShouldLog(LogLevel level) const noexcept;
  // Logs `line` as it is (no formatting).
  void Write(LogLevel level, std::string_view line) const;

  template <class... Args>
  void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) const {
    if (ShouldLog(level)) {
      Write(level, fmt::format(format, std::forward<Args>(args)...));
    }
  }

  template <class... Args>
  void trace(fmt::format_string<Args...> format, Args&&... args) const {
    log(LogLevel::kTrace, format, std::forward<Args>(args)...);
  }

  template <class... Args>
  void debug(fmt::format_string<Args...> format, Args&&... args) const {
    log(LogLevel::kDebug, format, std::forward<Args>(args)...);
  }

  template <class... Args>
  void info(fmt::format_string<Args...> format, Args&&... args) const {
    log(LogLevel::kInfo, format, std::forward<Args>(args)...);
  }

  template <class... Args>
  void warn(fmt::format_string<Args...> format, Args&&... args) const {
    log(LogLevel::kWarn, format, std::forward<Args>(args)...);
  }

  template <class... Args>
  void error(fmt::format_string<Args...> format, Args&&... args) const {
    log(LogLevel::kError, format, std::forward<Args>(args)...);
  }

  template <class... Args>
  void critical(fmt::format_string<Args...> format, Args&&... args) const {
    log(LogLevel::kCritical, format, std::forward<Args>(args)...);
  }

  // The spdlog logger underneath (include <spdlog/logger.h> to use it).
  spdlog::logger& Spdlog() const noexcept { return *logger_; }

 private:
  spdlog::logger* logger_;
};

}  // namespace bubble::sim
