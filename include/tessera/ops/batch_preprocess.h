#pragma once
// Batched preprocessing: a batch of decoded images of any sizes, packed back to back in one
// buffer, becomes one [B, C, H, W] tensor in a single call. On a CUDA tensor this is one fused
// kernel launch for the whole batch (on torch's current stream, memory from torch's caching
// allocator); on a CPU tensor it is the CPU reference (preprocess_to_chw / medical_to_chw per
// sample), so both paths give the same values within the stated tolerances.
#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "tessera/ops/medical.h"
#include "tessera/ops/preprocess.h"

namespace tessera::ops {

// Where one sample lies in the packed buffer: element offset of its first value, HWC rows packed.
struct PackedSource {
  std::int64_t offset = 0;
  int height = 0, width = 0;
};

// The packed input. `values` is 1-D: kUInt8 for images (channels 1 or 3), kInt16 for medical
// (channels 1; the 16-bit words as stored, signedness per sample in MedicalIntensity).
// Pinned host memory or a CUDA tensor; the kernel reads it where it is.
struct PackedBatch {
  torch::Tensor values;
  std::vector<PackedSource> sources;
  int channels = 1;
};

enum class Layout : std::uint8_t { nchw, nhwc };  // nhwc = torch's channels_last strides

struct OutputFormat {
  torch::ScalarType dtype = torch::kFloat32;  // kFloat32, kBFloat16 (rounded to nearest even), or
                                              // kUInt8 (the resized value rounded, no normalisation)
  Layout layout = Layout::nchw;
};

// Images: u8 HWC -> bilinear resize -> crop -> flip -> (x/255 - mean)/std. One SampleParams per
// source. The result is on the device of batch.values, logical shape [B, C, out_h, out_w]; with
// Layout::nhwc its strides are channels_last. Throws std::invalid_argument for inconsistent
// input (params count, dtype, channels, a source outside the buffer, bad spec).
torch::Tensor preprocess_images(const PackedBatch& batch, const ImagePreprocessSpec& spec,
                                const std::vector<SampleParams>& params, OutputFormat format = {});

// Medical: 16-bit stored values -> the MedicalIntensity chain (medical.h) -> [B, out_channels,
// out_h, out_w]. kUInt8 output is round(255 * y) (windowed, inverted, not normalised).
torch::Tensor preprocess_medical(const PackedBatch& batch, const MedicalPreprocessSpec& spec,
                                 const std::vector<MedicalIntensity>& intensities,
                                 const std::vector<SampleParams>& params, OutputFormat format = {});

// True when this build has the CUDA kernels (TESSERA_WITH_CUDA); a CUDA input without them
// throws std::runtime_error naming the missing build option.
bool cuda_kernels_built();

}  // namespace tessera::ops
