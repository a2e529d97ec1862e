#pragma once
// The operator preprocess_medical: 16-bit stored values of any sizes -> mask to BitsStored and
// sign-extend -> rescale (slope, intercept) in float -> bilinear resize -> crop -> flip -> window
// (VOI) to [0, 1] -> optional MONOCHROME1 inversion -> (y - mean) / std -> C copies -> one
// [B, C, H, W] tensor. Rescaled values (e.g. Hounsfield units) are interpolated before windowing,
// so a resize never mixes clipped values. On a CUDA tensor it is one fused kernel launch
// (src/ops/preprocess_medical.cu); on a CPU tensor it runs the CPU reference,
// preprocess_medical_reference, per sample. The kernel is tested against the reference
// (tests/ops/preprocess_medical_*; 1e-4 absolute) and timed by bench/bench_preprocess.cpp.
#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "tessera/ops/medical_intensity.h"
#include "tessera/ops/packed_batch.h"
#include "tessera/ops/preprocess_images.h"

namespace tessera::ops {

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

// The CPU reference, one sample: `stored` is height x width 16-bit words, row-major (the raw
// PixelData words; signedness comes from `intensity`). Writes out_channels * out_h * out_w floats
// (CHW). Padding (crop outside the resized image) is y = 0 before normalisation.
// Throws std::invalid_argument for null pointers, non-positive sizes, bits_stored outside
// 1..16, a window width the function cannot use, std <= 0 or out_channels not 1 or 3.
void preprocess_medical_reference(const std::uint16_t* stored, int height, int width, const MedicalPreprocessSpec& spec,
                                  const MedicalIntensity& intensity, const SampleParams& params, float* out);

// The batched operator: one MedicalIntensity and one SampleParams per source; batch.values is
// kInt16 with one channel. kUInt8 output is round(255 * y) (windowed, inverted, not normalised).
// Throws std::invalid_argument as preprocess_images does, and for an intensity the reference
// rejects.
torch::Tensor preprocess_medical(const PackedBatch& batch, const MedicalPreprocessSpec& spec,
                                 const std::vector<MedicalIntensity>& intensities,
                                 const std::vector<SampleParams>& params, OutputFormat format = {});

}  // namespace tessera::ops
