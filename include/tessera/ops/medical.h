#pragma once
// The fused medical pipeline, CPU reference: 16-bit stored values -> mask to BitsStored and
// sign-extend -> rescale (slope, intercept) in float -> bilinear resize -> crop -> flip ->
// window (VOI) to [0, 1] -> optional MONOCHROME1 inversion -> (y - mean) / std -> C copies.
// Rescaled values (e.g. Hounsfield units) are interpolated before windowing, so a resize never
// mixes clipped values. The CUDA kernel implements exactly this (1e-4 absolute).
#include <cstdint>
#include <vector>

#include "tessera/ops/preprocess.h"

namespace tessera::ops {

// VOI LUT functions of DICOM PS3.3 C.11.2.1.2 (the ones pydicom's apply_voi_lut implements).
enum class VoiFunction : std::uint8_t {
  linear,        // (x - (c - 0.5)) / (w - 1) + 0.5, clipped to [0, 1]; needs w >= 1
  linear_exact,  // (x - c) / w + 0.5, clipped to [0, 1]; needs w > 0
  sigmoid,       // 1 / (1 + exp(-4 (x - c) / w)); needs w > 0
};

// How one file's stored values become intensities in [0, 1] (drawn from its header, per sample).
struct MedicalIntensity {
  int bits_stored = 16;       // 1..16; the bits above it are masked off
  bool is_signed = false;     // PixelRepresentation 1: two's complement in bits_stored bits
  float slope = 1.0f;         // RescaleSlope
  float intercept = 0.0f;     // RescaleIntercept
  float window_center = 0.5f; // in rescaled units (HU for CT)
  float window_width = 1.0f;
  VoiFunction function = VoiFunction::linear;
  bool invert = false;        // MONOCHROME1: 0 is white, so y -> 1 - y after windowing
};

// Per-batch constants. mean/std act on the windowed value y in [0, 1]; out_channels copies the
// single plane (1 or 3, e.g. 3 for ImageNet-pretrained networks).
struct MedicalPreprocessSpec {
  int resize_h = 0, resize_w = 0;  // 0 = keep the source size
  int out_h = 0, out_w = 0;
  float mean = 0.0f, std = 1.0f;
  int out_channels = 1;
};

// The geometry part as an ImagePreprocessSpec, so center_crop / random_crop apply unchanged.
ImagePreprocessSpec geometry_of(const MedicalPreprocessSpec& spec);

// Stored 16-bit word -> rescaled value: mask, sign-extend, slope * v + intercept.
float modality_value(std::uint16_t stored, const MedicalIntensity& intensity);
// Rescaled value -> windowed [0, 1], inverted when asked (no normalisation).
float voi_value(float rescaled, const MedicalIntensity& intensity);

// One sample: `stored` is height x width 16-bit words, row-major (the raw PixelData words;
// signedness comes from `intensity`). Writes out_channels * out_h * out_w floats (CHW).
// Padding (crop outside the resized image) is y = 0 before normalisation.
// Throws std::invalid_argument for null pointers, non-positive sizes, bits_stored outside
// 1..16, a window width the function cannot use, std <= 0 or out_channels not 1 or 3.
void medical_to_chw(const std::uint16_t* stored, int height, int width, const MedicalPreprocessSpec& spec,
                    const MedicalIntensity& intensity, const SampleParams& params, float* out);

}  // namespace tessera::ops
