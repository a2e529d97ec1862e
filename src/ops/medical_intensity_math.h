#pragma once
// Internal: the medical intensity chain as the CPU reference runs it per pixel (unchecked, inline)
// and its one check. medical_intensity.cpp wraps them as modality_value / voi_value;
// preprocess_medical.cpp checks once per sample and then calls them per pixel.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "tessera/ops/medical_intensity.h"

namespace tessera::ops::intensity {

// bits_stored in 1..16 and a window width the VOI function can use; std::invalid_argument
// starting with `where` otherwise.
void check(const MedicalIntensity& intensity, const char* where);

// Unchecked forms of modality_value / voi_value for the per-pixel loop.
inline float rescale(std::uint16_t stored, const MedicalIntensity& intensity) {
  const int bits = intensity.bits_stored;
  const std::uint32_t masked = stored & ((1u << bits) - 1u);  // bits 16: 0xFFFF, nothing masked
  std::int32_t value = static_cast<std::int32_t>(masked);
  if (intensity.is_signed && ((masked >> (bits - 1)) & 1u)) value -= static_cast<std::int32_t>(1u << bits);
  return intensity.slope * static_cast<float>(value) + intensity.intercept;
}

inline float window(float x, const MedicalIntensity& intensity) {
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

}  // namespace tessera::ops::intensity
