#pragma once
// The input and output types shared by the batched preprocessing operators (preprocess_images.h,
// preprocess_medical.h): a batch of decoded sources of any sizes, packed back to back in one
// buffer, and the dtype/layout of the [B, C, H, W] tensor an operator returns.
#include <torch/types.h>

#include <cstdint>
#include <vector>

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

// True when this build has the CUDA kernels (TESSERA_WITH_CUDA); a CUDA input without them
// throws std::runtime_error naming the missing build option.
bool cuda_kernels_built();

}  // namespace tessera::ops
