// sim/src/rng.cc
#include "bubble/sim/rng.h"

#include <bubble/sim/error.h>

namespace bubble::sim {

namespace {

std::uint64_t SplitMix64(std::uint64_t& state) noexcept {
  return Mix64(state += kGoldenGamma);
}

// 64x64 -> 128-bit products for Lemire's method; __extension__ keeps -Wpedantic quiet.
__extension__ using Uint128 = unsigned __int128;

constexpr std::uint64_t Rotl(std::uint64_t x, int k) noexcept {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

Rng::Rng(std::uint64_t seed, std::uint64_t stream) noexcept {
  // Streams are separated by mixing the stream number into the splitmix64 state, so (seed, 1)
  // and (seed, 2) give unrelated sequences.
  std::uint64_t state = seed ^ (stream * 0xd1b54a32d192ed03ULL);
  for (auto& word : s_) {
    word = SplitMix64(state);
  }
}

std::uint64_t Rng::Next() noexcept {
  const std::uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::Uniform(std::uint64_t n) {
  BUBBLE_EXPECT(n > 0, "Rng::Uniform(0): the range [0, n) must not be empty");
  // Lemire's nearly divisionless method: unbiased, one multiplication in the common case.
  Uint128 m = static_cast<Uint128>(Next()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<Uint128>(Next()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

std::int64_t Rng::UniformInRange(std::int64_t lo, std::int64_t hi) {
  BUBBLE_EXPECT(lo <= hi, "Rng::UniformInRange({}, {}): lo must not exceed hi", lo, hi);
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  if (span == ~std::uint64_t{0}) {
    return static_cast<std::int64_t>(Next());
  }
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + Uniform(span + 1));
}

double Rng::Double() noexcept {
  return static_cast<double>(Next() >> 11) * 0x1.0p-53;
}

bool Rng::Bernoulli(double p) noexcept {
  if (p <= 0) {
    return false;
  }
  if (p >= 1) {
    return true;
  }
  return Double() < p;
}

Duration Rng::UniformDuration(Duration lo, Duration hi) {
  BUBBLE_EXPECT(lo < hi, "Rng::UniformDuration: the range [{}ns, {}ns) is empty", lo.count(),
                hi.count());
  return lo + Duration(static_cast<Duration::rep>(
                  Uniform(static_cast<std::uint64_t>((hi - lo).count()))));
}

Duration Rng::Jitter(Duration d, double max_factor) noexcept {
  if (max_factor <= 0) {
    max_factor = 1.0;
  }
  return d + Duration(static_cast<Duration::rep>(Double() * max_factor *
                                                 static_cast<double>(d.count())));
}

}  // namespace bubble::sim
