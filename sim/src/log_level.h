// sim/src/log_level.h: LogLevel to spdlog's level (private; the public headers stay spdlog-free).
#pragma once

#include <spdlog/common.h>

#include <bubble/sim/log.h>

namespace bubble::sim::detail {

inline spdlog::level::level_enum ToSpdlog(LogLevel level) noexcept {
  return static_cast<spdlog::level::level_enum>(level);
}

}  // namespace bubble::sim::detail
