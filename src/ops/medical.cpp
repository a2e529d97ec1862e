#include "tessera/ops/medical.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "tessera/ops/resize.h"

namespace tessera::ops {
namespace {

void check_intensity(const MedicalIntensity& intensity, const char* where) {
  if (intensity.bits_stored < 1 || intensity.bits_stored > 16) {
    throw std::invalid_argument(std::string(where) + ": bits_stored must be in 1..16, got " +
                                std::to_string(intensity.bits_stored));
  }
  const float width = intensity.window_width;
  switch (intensity.function) {
    case VoiFunction::linear:
      if (!(width >= 1.0f)) {  // also rejects NaN
        throw std::invalid_argument(std::string(where) + ": the LINEAR VOI function needs window width >= 1, got " +
                                    std::to_string(width));
      }
      return;
    case VoiFunction::linear_exact:
    case VoiFunction::sigmoid:
      if (!(width > 0.0f)) {
        throw std::invalid_argument(std::string(where) + ": the " +
                                    (intensity.function == VoiFunction::sigmoid ? "SIGMOID" : "LINEAR_EXACT") +
                                    " VOI function needs window width > 0, got " + std::to_string(width));
      }
      return;
  }
  throw std::invalid_argument(std::string(where) + ": unknown VOI function " +
                              std::to_string(static_cast<int>(intensity.function)));
}

// Unchecked forms of modality_value / voi_value for the per-pixel loop.
float rescale(std::uint16_t stored, const MedicalIntensity& intensity) {
  const int bits = intensity.bits_stored;
  const std::uint32_t masked = stored & ((1u << bits) - 1u);  // bits 16: 0xFFFF, nothing masked
  std::int32_t value = static_cast<std::int32_t>(masked);
  if (intensity.is_signed && ((masked >> (bits - 1)) & 1u)) value -= static_cast<std::int32_t>(1u << bits);
  return intensity.slope * static_cast<float>(value) + intensity.intercept;
}

float window(float x, const MedicalIntensity& intensity) {
  float y;
  if (intensity.function == VoiFunction::sigmoid) {
    y = 1.0f / (1.0f + std::exp(-4.0f * (x - intensity.window_center) / intensity.window_width));
  } else {
    // PS3.3 C.11.2.1.2.1: LINEAR is defined on c - 0.5 and w - 1 (so w = 1 is a threshold at
    // c - 0.5); C.11.2.1.3.2: LINEAR_EXACT on c and w. Values on the lower edge map to 0.
    const bool exact = intensity.function == VoiFunction::linear_exact;
    const float c = exact ? intensity.window_center : intensity.window_center - 0.5f;
    const float w = exact ? intensity.window_width : intensity.window_width - 1.0f;
    if (x <= c - w / 2.0f) {
      y = 0.0f;
    } else if (x > c + w / 2.0f) {
      y = 1.0f;
    } else {
      y = std::clamp((x - c) / w + 0.5f, 0.0f, 1.0f);  // float rounding near the edges stays in range
    }
  }
  return intensity.invert ? 1.0f - y : y;
}

}  // namespace

ImagePreprocessSpec geometry_of(const MedicalPreprocessSpec& spec) {
  // mean/std stay empty: they belong to the image pipeline's u8 scale, not to windowed values.
  return ImagePreprocessSpec{spec.resize_h, spec.resize_w, spec.out_h, spec.out_w, {}, {}};
}

float modality_value(std::uint16_t stored, const MedicalIntensity& intensity) {
  if (intensity.bits_stored < 1 || intensity.bits_stored > 16) {
    throw std::invalid_argument("modality_value: bits_stored must be in 1..16, got " +
                                std::to_string(intensity.bits_stored));
  }
  return rescale(stored, intensity);
}

float voi_value(float rescaled, const MedicalIntensity& intensity) {
  check_intensity(intensity, "voi_value");
  return window(rescaled, intensity);
}

void medical_to_chw(const std::uint16_t* stored, int height, int width, const MedicalPreprocessSpec& spec,
                    const MedicalIntensity& intensity, const SampleParams& params, float* out) {
  if (stored == nullptr || out == nullptr) throw std::invalid_argument("medical_to_chw: null pointer");
  if (height <= 0 || width <= 0) {
    throw std::invalid_argument("medical_to_chw: source size must be positive, got " + std::to_string(height) + "x" +
                                std::to_string(width));
  }
  if (spec.out_h <= 0 || spec.out_w <= 0 || spec.resize_h < 0 || spec.resize_w < 0) {
    throw std::invalid_argument("medical_to_chw: output size must be positive and resize size >= 0, got out " +
                                std::to_string(spec.out_h) + "x" + std::to_string(spec.out_w) + ", resize " +
                                std::to_string(spec.resize_h) + "x" + std::to_string(spec.resize_w));
  }
  if (!(spec.std > 0.0f)) {
    throw std::invalid_argument("medical_to_chw: std must be positive, got " + std::to_string(spec.std));
  }
  if (spec.out_channels != 1 && spec.out_channels != 3) {
    throw std::invalid_argument("medical_to_chw: out_channels must be 1 or 3, got " +
                                std::to_string(spec.out_channels));
  }
  check_intensity(intensity, "medical_to_chw");

  const int resized_h = spec.resize_h > 0 ? spec.resize_h : height;
  const int resized_w = spec.resize_w > 0 ? spec.resize_w : width;
  const std::vector<BilinearTap> y_taps = bilinear_taps(height, resized_h);
  const std::vector<BilinearTap> x_taps = bilinear_taps(width, resized_w);

  // Rescaled once per source value: a tap then reads the same float a per-tap rescale would give.
  std::vector<float> rescaled(static_cast<std::size_t>(height) * width);
  for (std::size_t i = 0; i < rescaled.size(); ++i) rescaled[i] = rescale(stored[i], intensity);

  // Output column -> resized column with the flip folded in; -1 marks padding.
  std::vector<int> column_tap(static_cast<std::size_t>(spec.out_w));
  for (int ox = 0; ox < spec.out_w; ++ox) {
    const int window_x = params.flip ? spec.out_w - 1 - ox : ox;
    const long long rx = static_cast<long long>(params.crop_x) + window_x;
    column_tap[ox] = (rx >= 0 && rx < resized_w) ? static_cast<int>(rx) : -1;
  }

  // Padding is y = 0 whether or not the sample is inverted: it is "no image", not "black".
  const float padding = (0.0f - spec.mean) / spec.std;
  const std::size_t plane = static_cast<std::size_t>(spec.out_h) * spec.out_w;
  for (int oy = 0; oy < spec.out_h; ++oy) {
    float* out_row = out + static_cast<std::size_t>(oy) * spec.out_w;
    const long long ry = static_cast<long long>(params.crop_y) + oy;
    if (ry < 0 || ry >= resized_h) {
      std::fill(out_row, out_row + spec.out_w, padding);
      continue;
    }
    const BilinearTap& ty = y_taps[static_cast<std::size_t>(ry)];
    const float* row0 = rescaled.data() + static_cast<std::size_t>(ty.lower) * width;
    const float* row1 = rescaled.data() + static_cast<std::size_t>(ty.upper) * width;
    for (int ox = 0; ox < spec.out_w; ++ox) {
      if (column_tap[ox] < 0) {
        out_row[ox] = padding;
        continue;
      }
      const BilinearTap& tx = x_taps[static_cast<std::size_t>(column_tap[ox])];
      const float wx = tx.weight, wy = ty.weight;
      // Same weighting order as the image path (x first, then y), in float, before windowing.
      const float top = (1.0f - wx) * row0[tx.lower] + wx * row0[tx.upper];
      const float bottom = (1.0f - wx) * row1[tx.lower] + wx * row1[tx.upper];
      const float value = (1.0f - wy) * top + wy * bottom;
      out_row[ox] = (window(value, intensity) - spec.mean) / spec.std;
    }
  }
  for (int c = 1; c < spec.out_channels; ++c) std::copy(out, out + plane, out + c * plane);
}

}  // namespace tessera::ops
