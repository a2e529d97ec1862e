#pragma once
// Per-thread body of the preprocess_medical kernel (src/ops/preprocess_medical.cu), written once
// for host and device; tests/ops/preprocess_medical_kernel_test.cpp replays it on the host. The
// shared parts and the exactness rules are in preprocess_kernel_common.h.
#include <cstdint>

#include "tessera/ops/detail/preprocess_kernel_common.h"
#include "tessera/ops/medical_intensity.h"

namespace tessera::ops::detail {

// A medical sample: the geometry plus its MedicalIntensity.
struct MedicalSample {
  SampleGeometry geometry;
  int bits_stored = 16;
  int is_signed = 0;
  float slope = 1.0f, intercept = 0.0f;
  float window_center = 0.5f, window_width = 1.0f;
  VoiFunction function = VoiFunction::linear;
  int invert = 0;
};

struct MedicalBatchParams {
  OutputSpec out;
  float mean = 0.0f, std = 1.0f;  // act on the windowed value y in [0, 1]
};

// ---- Medical: 16-bit stored -> rescale -> resize -> window -> invert -> normalise ------------

// Mask to bits_stored, sign-extend, slope * v + intercept (modality_value in medical_intensity.cpp).
TESSERA_HD inline float rescaled_value(std::uint16_t stored, const MedicalSample& s) {
  const std::uint32_t masked = stored & ((1u << s.bits_stored) - 1u);
  std::int32_t v = static_cast<std::int32_t>(masked);
  if (s.is_signed && ((masked >> (s.bits_stored - 1)) & 1u)) v -= static_cast<std::int32_t>(1u << s.bits_stored);
  return add_rn(mul_rn(s.slope, static_cast<float>(v)), s.intercept);
}

// Rescaled value -> [0, 1] by the VOI function, then inverted for MONOCHROME1 (voi_value).
TESSERA_HD inline float windowed_value(float x, const MedicalSample& s) {
  float y;
  if (s.function == VoiFunction::sigmoid) {
    y = 1.0f / (1.0f + exp_f(-4.0f * (x - s.window_center) / s.window_width));
  } else {
    // DICOM PS3.3 C.11.2.1.2: LINEAR works with c - 0.5 and w - 1, LINEAR_EXACT with c and w.
    const bool exact = s.function == VoiFunction::linear_exact;
    const float c = exact ? s.window_center : s.window_center - 0.5f;
    const float w = exact ? s.window_width : s.window_width - 1.0f;
    if (x <= c - w / 2.0f) {
      y = 0.0f;
    } else if (x > c + w / 2.0f) {
      y = 1.0f;
    } else {
      y = clamp_f((x - c) / w + 0.5f, 0.0f, 1.0f);
    }
  }
  return s.invert ? 1.0f - y : y;
}

TESSERA_HD inline float medical_output(float y, const MedicalBatchParams& p) {
  if (p.out.type == OutputType::u8) return clamp_f(round_half_away_f(255.0f * y), 0.0f, 255.0f);
  return (y - p.mean) / p.std;
}

template <int kOutChannels>
TESSERA_HD inline void medical_group(const std::uint16_t* values, const MedicalSample* samples,
                                     const MedicalBatchParams& p, int sample, int row, int group) {
  const MedicalSample& s = samples[sample];
  const SampleGeometry& g = s.geometry;
  const int x0 = group * kGroupPixels;
  const int count = p.out.out_w - x0 < kGroupPixels ? p.out.out_w - x0 : kGroupPixels;
  const float padding = medical_output(0.0f, p);  // padding is y = 0, inverted or not
  float result[kGroupPixels * kOutChannels] = {};

  const int ry = resized_row(g, row);
  const Tap ty = ry < 0 ? Tap{} : bilinear_tap(ry, g.src_h, g.resized_h);
  const std::uint16_t* row0 = values + g.offset + static_cast<std::int64_t>(ty.lower) * g.src_w;
  const std::uint16_t* row1 = values + g.offset + static_cast<std::int64_t>(ty.upper) * g.src_w;
  for (int i = 0; i < kGroupPixels; ++i) {  // constant trip count: see store_run
    if (i >= count) break;
    const int rx = ry < 0 ? -1 : resized_column(g, p.out.out_w, x0 + i);
    float value = padding;
    if (rx >= 0) {
      const Tap tx = bilinear_tap(rx, g.src_w, g.resized_w);
      const float top =
          lerp_rn(rescaled_value(load(row0 + tx.lower), s), rescaled_value(load(row0 + tx.upper), s), tx.weight);
      const float bottom =
          lerp_rn(rescaled_value(load(row1 + tx.lower), s), rescaled_value(load(row1 + tx.upper), s), tx.weight);
      value = medical_output(windowed_value(lerp_rn(top, bottom, ty.weight), s), p);
    }
    for (int c = 0; c < kOutChannels; ++c) result[i * kOutChannels + c] = value;
  }
  store_group<kOutChannels>(p.out, sample, row, x0, count, result);
}

}  // namespace tessera::ops::detail
