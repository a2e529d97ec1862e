#pragma once
// Private to the ops module: the generator behind every per-sample augmentation draw (the crop
// in preprocess.cpp, the rotation and zoom in random_affine.cpp). splitmix64 (Steele, Lea, Flood
// 2014) is fully specified, unlike the distributions of <random>, so the same seed gives the same
// draw with every standard library and on every device's host.
#include <cstdint>

namespace tessera::ops::detail {

struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) by multiply-high (Lemire); the bias is below n / 2^64, far under any test.
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
};

}  // namespace tessera::ops::detail
