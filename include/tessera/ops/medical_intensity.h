#pragma once
// How one file's 16-bit stored values become intensities in [0, 1]: the per-sample half of the
// operator preprocess_medical (preprocess_medical.h). No torch and no io here: the CUDA kernel
// (src/ops/preprocess_medical.cu) takes these types as they are. dicom_intensity.h draws them
// from a DICOM header.
#include <cstdint>

namespace tessera::ops {

// VOI LUT functions of DICOM PS3.3 C.11.2.1.2 (the ones pydicom's apply_voi_lut implements).
enum class VoiFunction : std::uint8_t {
  linear,        // (x - (c - 0.5)) / (w - 1) + 0.5, clipped to [0, 1]; needs w >= 1
  linear_exact,  // (x - c) / w + 0.5, clipped to [0, 1]; needs w > 0
  sigmoid,       // 1 / (1 + exp(-4 (x - c) / w)); needs w > 0
};

struct MedicalIntensity {
  int bits_stored = 16;        // 1..16; the bits above it are masked off
  bool is_signed = false;      // PixelRepresentation 1: two's complement in bits_stored bits
  float slope = 1.0f;          // RescaleSlope
  float intercept = 0.0f;      // RescaleIntercept
  float window_center = 0.5f;  // in rescaled units (HU for CT)
  float window_width = 1.0f;
  VoiFunction function = VoiFunction::linear;
  bool invert = false;  // MONOCHROME1: 0 is white, so y -> 1 - y after windowing
};

// Stored 16-bit word -> rescaled value: mask, sign-extend, slope * v + intercept.
// Throws std::invalid_argument for bits_stored outside 1..16.
float modality_value(std::uint16_t stored, const MedicalIntensity& intensity);
// Rescaled value -> windowed [0, 1], inverted when asked (no normalisation). Throws
// std::invalid_argument for bits_stored outside 1..16 or a window width the function cannot use.
float voi_value(float rescaled, const MedicalIntensity& intensity);

}  // namespace tessera::ops
