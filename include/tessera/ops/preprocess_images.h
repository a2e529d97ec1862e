#pragma once
// The operator preprocess_images: u8 HWC images of any sizes -> bilinear resize -> crop (with zero
// padding) -> horizontal flip -> (x / 255 - mean) / std -> one [B, C, H, W] tensor, in one pass.
// On a CUDA tensor it is one fused kernel launch for the whole batch (src/ops/preprocess_images.cu,
// on torch's current stream, memory from torch's caching allocator); on a CPU tensor it runs the
// CPU reference, preprocess_images_reference, per sample. The kernel is tested against the
// reference (tests/ops/preprocess_images_*; bit for bit, 1e-4 absolute stated) and timed by
// bench/bench_preprocess.cpp.
#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "tessera/ops/image_view.h"
#include "tessera/ops/packed_batch.h"

namespace tessera::ops {

// Per-batch constants.
struct ImagePreprocessSpec {
  int resize_h = 0, resize_w = 0;  // bilinear resize of the whole source to this size first (0 = keep source size)
  int out_h = 0, out_w = 0;        // output (crop) size
  std::vector<float> mean, std;    // per channel, applied as (x/255 - mean)/std; size == channels
};

// Per-sample parameters drawn on the host from the seeded RNG (so CPU and GPU agree).
struct SampleParams {
  int crop_y = 0, crop_x = 0;  // top-left of the out_h x out_w window in resized coordinates; may be negative
                               // or run past the edge: outside pixels are zero padding (value 0 before normalisation)
  bool flip = false;           // horizontal flip of the cropped window
};

// The centred window, rounded as torchvision CenterCrop does: top = round((H - h) / 2.0) with
// Python's round-half-to-even when the window fits; when it does not, torchvision pads
// floor((h - H) / 2) before, so top = -floor((h - H) / 2). Same for left. H, W are the resized
// sizes (spec.resize_h/w, or the source size when those are 0).
SampleParams center_crop(const ImagePreprocessSpec& spec, int src_h, int src_w);

// A window at a uniform offset in [-pad, H + pad - h] (and likewise for x), flipped with
// probability flip_probability. Deterministic in sample_seed alone (splitmix64 stream, no global
// state, same on every platform). Throws std::invalid_argument when the window is larger than
// the padded image, pad < 0 or flip_probability is outside [0, 1].
SampleParams random_crop(const ImagePreprocessSpec& spec, int src_h, int src_w, int pad, double flip_probability,
                         std::uint64_t sample_seed);

// The CPU reference, one sample: u8 HWC -> float CHW (writes channels*out_h*out_w floats). Interpolation is done in
// float without intermediate rounding to u8 (so the fused GPU kernel can match it to 1e-4). Throws
// std::invalid_argument for a null pointer, non-positive sizes, or mean/std whose size is not the channel count (or a
// std that is not positive).
void preprocess_images_reference(const ImageU8View& in, const ImagePreprocessSpec& spec, const SampleParams& params,
                                 float* out);

// Layout change and normalisation alone: out[c][y][x] = (in[y][x][c] / 255 - mean[c]) / std[c].
// Same validation as preprocess_images_reference.
void hwc_to_chw_normalize(const ImageU8View& in, const std::vector<float>& mean, const std::vector<float>& std,
                          float* out);

// The batched operator: one SampleParams per source. The result is on the device of
// batch.values, logical shape [B, C, out_h, out_w]; with Layout::nhwc its strides are
// channels_last. Throws std::invalid_argument for inconsistent input (params count, dtype,
// channels, a source outside the buffer, bad spec).
torch::Tensor preprocess_images(const PackedBatch& batch, const ImagePreprocessSpec& spec,
                                const std::vector<SampleParams>& params, OutputFormat format = {});

}  // namespace tessera::ops
