// sim/include/bubble/sim/unit.h
#pragma once

namespace bubble::sim {

// The value of a channel that only signals (Go's chan struct{}).
struct Unit {
  friend bool operator==(Unit, Unit) noexcept { return true; }
};

}  // namespace bubble::sim
