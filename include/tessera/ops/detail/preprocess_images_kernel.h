#pragma once
// Per-thread body of the preprocess_images kernel (src/ops/preprocess_images.cu), written once for
// host and device; tests/ops/preprocess_images_kernel_test.cpp replays it on the host. The shared
// parts and the exactness rules are in preprocess_kernel_common.h.
#include <cstdint>

#include "tessera/ops/detail/preprocess_kernel_common.h"

namespace tessera::ops::detail {

struct ImageBatchParams {
  OutputSpec out;
  float scale[kMaxChannels] = {}, bias[kMaxChannels] = {};  // x * scale + bias = (x / 255 - mean) / std
};

// ---- Images: u8 HWC -> resize -> crop -> flip -> (x/255 - mean)/std, or the rounded u8 -------

// The value written for one resized value x of channel c.
TESSERA_HD inline float image_output(float x, int c, const ImageBatchParams& p) {
  if (p.out.type == OutputType::u8) return clamp_f(add_rn(x, 0.5f), 0.0f, 255.0f);  // truncated by the store
  return add_rn(mul_rn(x, p.scale[c]), p.bias[c]);
}

TESSERA_HD inline float image_padding(int c, const ImageBatchParams& p) {
  return p.out.type == OutputType::u8 ? 0.0f : p.bias[c];
}

template <int kChannels>
TESSERA_HD inline void image_group(const std::uint8_t* values, const SampleGeometry* samples, const ImageBatchParams& p,
                                   int sample, int row, int group) {
  const SampleGeometry& s = samples[sample];
  const int x0 = group * kGroupPixels;
  const int count = p.out.out_w - x0 < kGroupPixels ? p.out.out_w - x0 : kGroupPixels;
  float result[kGroupPixels * kChannels] = {};

  const int ry = resized_row(s, row);
  const Tap ty = ry < 0 ? Tap{} : bilinear_tap(ry, s.src_h, s.resized_h);
  const std::int64_t src_row = static_cast<std::int64_t>(s.src_w) * kChannels;
  const std::uint8_t* row0 = values + s.offset + ty.lower * src_row;
  const std::uint8_t* row1 = values + s.offset + ty.upper * src_row;
  for (int i = 0; i < kGroupPixels; ++i) {  // constant trip count: see store_run
    if (i >= count) break;
    const int rx = ry < 0 ? -1 : resized_column(s, p.out.out_w, x0 + i);
    if (rx < 0) {
      for (int c = 0; c < kChannels; ++c) result[i * kChannels + c] = image_padding(c, p);
      continue;
    }
    const Tap tx = bilinear_tap(rx, s.src_w, s.resized_w);
    const int left = tx.lower * kChannels, right = tx.upper * kChannels;
    for (int c = 0; c < kChannels; ++c) {
      const float top = lerp_rn(load(row0 + left + c), load(row0 + right + c), tx.weight);
      const float bottom = lerp_rn(load(row1 + left + c), load(row1 + right + c), tx.weight);
      result[i * kChannels + c] = image_output(lerp_rn(top, bottom, ty.weight), c, p);
    }
  }
  store_group<kChannels>(p.out, sample, row, x0, count, result);
}

}  // namespace tessera::ops::detail
