#pragma once
// The project's one seeded random source. splitmix64 (Steele, Lea, Flood 2014) is fully
// specified, unlike the distributions of <random>, so a seed gives the same draws with every
// standard library, compiler and device host: augmentation, shuffles, sampled windows, the drift
// reference's bounded samples and the bootstrap all derive from it.
#include <cstdint>

namespace tessera {

inline constexpr std::uint64_t kSplitMixGamma = 0x9E3779B97F4A7C15ull;

// splitmix64's output for generator state `x`: a pure mix of x + gamma, used to derive seeds
// (sample_seed) and as a hash of small values. splitmix64(0) == 0xE220A8397B1DCDAF.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += kSplitMixGamma;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Uniform in [0, bound) from a source of uniform 64-bit words (`next()`), without bias: Lemire's
// multiply-and-reject (ACM TOMACS 2019). The rejection happens with probability below
// bound / 2^64, so a draw nearly always costs one word. `bound` must be > 0.
template <class Next>
std::uint64_t uniform_below(Next&& next, std::uint64_t bound) {
  while (true) {
    const unsigned __int128 m = static_cast<unsigned __int128>(next()) * bound;
    const auto low = static_cast<std::uint64_t>(m);
    if (low >= bound || low >= (0 - bound) % bound) return static_cast<std::uint64_t>(m >> 64);
  }
}

// The generator: each next() advances the state by gamma and returns splitmix64 of the old state.
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    const std::uint64_t out = splitmix64(state);
    state += kSplitMixGamma;
    return out;
  }
  std::uint64_t below(std::uint64_t bound) {
    return uniform_below([this] { return next(); }, bound);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
};

}  // namespace tessera
