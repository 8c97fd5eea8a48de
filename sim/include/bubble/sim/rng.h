// sim/include/bubble/sim/rng.h
//
// The bubble's random number generator: xoshiro256** seeded through splitmix64, with bubble's
// own derivations for bounded integers (Lemire's multiply-shift with rejection), doubles (the top
// 53 bits) and durations. The standard library's distributions are not used anywhere on a
// simulated path: they differ between standard libraries, and a seed must mean the same run
// everywhere. Every draw here is a pure function of (seed, stream, number of earlier draws).
//
// Threading: an Rng is a plain value; use it from one thread (the bubble's).
// Cost: a draw is a few nanoseconds, no allocation.
#pragma once

#include <array>
#include <cstdint>

#include <bubble/sim/clock.h>

namespace bubble::sim {

// splitmix64's increment (2^64 / golden ratio, odd).
inline constexpr std::uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;

// splitmix64's finalizer: a fixed bijection of 64 bits in which every input bit flips about
// half the output bits. bubble's one mixing function: it seeds Rng (splitmix64 is
// Mix64(state += kGoldenGamma)), finalizes the trace fingerprint, and picks the seeds a sweep
// checks for determinism.
constexpr std::uint64_t Mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  // Streams separate the generators a bubble derives from one seed (scheduler, user code), so a
  // draw in one never shifts the values of another.
  explicit Rng(std::uint64_t seed, std::uint64_t stream = 0) noexcept;

  // The next raw 64-bit value (xoshiro256**).
  std::uint64_t Next() noexcept;

  // Uniform in [0, n). Precondition: n > 0.
  std::uint64_t Uniform(std::uint64_t n);

  // Uniform in [lo, hi] (both inclusive). Precondition: lo <= hi.
  std::int64_t UniformInRange(std::int64_t lo, std::int64_t hi);

  // Uniform in [0, 1) with 53 bits of precision.
  double Double() noexcept;

  // True with probability p (p <= 0: never, p >= 1: always).
  bool Bernoulli(double p) noexcept;

  // Uniform duration in [lo, hi). Precondition: lo < hi.
  Duration UniformDuration(Duration lo, Duration hi);

  // client-go's wait.Jitter: d + Double() * max_factor * d (max_factor <= 0 means 1.0).
  Duration Jitter(Duration d, double max_factor) noexcept;

 private:
  std::array<std::uint64_t, 4> s_;
};

}  // namespace bubble::sim
