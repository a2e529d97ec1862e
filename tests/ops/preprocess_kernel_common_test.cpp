// What both preprocessing kernels share (detail/preprocess_kernel_common.h), on the host: the
// bilinear tap against resize.h's bilinear_taps and the bf16 conversion against torch's, bit for
// bit.
#include "tessera/ops/detail/preprocess_kernel_common.h"

#include <c10/util/BFloat16.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "tessera/ops/resize.h"

namespace tessera::ops {
namespace {

TEST(PreprocessKernelCommon, BilinearTapEqualsBilinearTapsBitForBit) {
  auto check = [](int in, int out) {
    const std::vector<BilinearTap> taps = bilinear_taps(in, out);
    for (int dst = 0; dst < out; ++dst) {
      const detail::Tap t = detail::bilinear_tap(dst, in, out);
      const BilinearTap& r = taps[static_cast<std::size_t>(dst)];
      if (t.lower != r.lower || t.upper != r.upper || std::memcmp(&t.weight, &r.weight, sizeof(float)) != 0) {
        ADD_FAILURE() << in << " -> " << out << " at " << dst << ": (" << t.lower << ", " << t.upper << ", " << t.weight
                      << ") vs (" << r.lower << ", " << r.upper << ", " << r.weight << ")";
        return;
      }
    }
  };
  for (int in = 1; in <= 96; ++in) {
    for (int out = 1; out <= 96; ++out) check(in, out);
  }
  for (auto [in, out] : {std::pair{4032, 224}, {224, 4032}, {1, 1000}, {1000, 1}, {1080, 256}, {3001, 2999}}) {
    check(in, out);
  }
}

TEST(PreprocessKernelCommon, Bf16ConversionIsTorchsRoundToNearestEven) {
  const float ties_and_specials[] = {0.0f,
                                     -0.0f,
                                     1.0f,
                                     -1.0f,
                                     1.0f + 0x1.0p-8f,  // halfway between 1 and the next bf16: stays at the even 1.0
                                     1.0f + 3 * 0x1.0p-8f,           // halfway above an odd mantissa: rounds up
                                     1.0f + 0x1.0p-8f + 0x1.0p-20f,  // just above halfway: rounds up
                                     3.14159265f,
                                     -2.71828f,
                                     1e-30f,
                                     1e30f,
                                     0x1.0p-130f,                        // a subnormal
                                     std::numeric_limits<float>::max(),  // rounds to infinity, as torch does
                                     std::numeric_limits<float>::infinity(),
                                     -std::numeric_limits<float>::infinity(),
                                     std::numeric_limits<float>::quiet_NaN()};
  for (float v : ties_and_specials) {
    EXPECT_EQ(detail::bf16_bits(v), c10::BFloat16(v).x) << v;
  }
  std::mt19937 rng(11);
  for (int i = 0; i < 100000; ++i) {
    const std::uint32_t bits = rng();
    float v;
    std::memcpy(&v, &bits, sizeof v);
    ASSERT_EQ(detail::bf16_bits(v), c10::BFloat16(v).x) << std::hex << bits;
  }
}

}  // namespace
}  // namespace tessera::ops
