// runtime/src/leaderelection/log.h: the logger leader election writes to.
#pragma once

#include <spdlog/logger.h>

#include <bubble/sim/bubble.h>

namespace bubble::runtime::leaderelection::detail {

// klog verbosity in spdlog levels, as the reflector maps it: V(0) info, V(4)+ trace.
inline constexpr spdlog::level::level_enum kV4 = spdlog::level::trace;

inline spdlog::logger& Logger() {
  return sim::Bubble::Current()->Logger("leaderelection");
}

}  // namespace bubble::runtime::leaderelection::detail
