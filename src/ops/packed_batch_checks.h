#pragma once
// Internal to the batched operators (preprocess_images.cpp, preprocess_medical.cpp): argument
// checks that name the operator, the output allocation, and the CPU path's conversion of one
// sample's CHW floats into the requested dtype and layout.
#include <torch/types.h>

#include <c10/util/BFloat16.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "tessera/ops/packed_batch.h"

namespace tessera::ops::packed {

// Throws std::invalid_argument("<op>: <what>").
[[noreturn]] void fail(const char* op, const std::string& what);

// values: defined, 1-D, of `dtype`, contiguous, on the CPU or a CUDA device.
void check_values(const PackedBatch& batch, torch::ScalarType dtype, const char* op);
// Every source wholly inside the buffer: the kernels read without bounds checks.
void check_sources(const PackedBatch& batch, const char* op);
// One `what` per source.
void check_count(std::size_t got, std::size_t sources, const char* what, const char* op);
void check_geometry(int resize_h, int resize_w, int out_h, int out_w, const char* op);
void check_format(const OutputFormat& format, const char* op);
// A CUDA input in a build without the kernels: std::runtime_error naming the build option.
void check_kernels_for(const PackedBatch& batch, const char* op);

// [batch, channels, out_h, out_w] of format.dtype on `device`, channels_last for Layout::nhwc.
torch::Tensor allocate_output(std::size_t batch, int channels, int out_h, int out_w, const OutputFormat& format,
                              const torch::Device& device);

// Writes one sample's CHW floats into out[sample] (any strides), converting each value.
template <class T, class Convert>
void write_sample(const float* chw, torch::Tensor& out, std::int64_t sample, Convert convert) {
  const std::int64_t channels = out.size(1), height = out.size(2), width = out.size(3);
  const std::int64_t sc = out.stride(1), sy = out.stride(2), sx = out.stride(3);
  T* base = out.data_ptr<T>() + sample * out.stride(0);
  for (std::int64_t c = 0; c < channels; ++c) {
    for (std::int64_t y = 0; y < height; ++y) {
      const float* in = chw + (c * height + y) * width;
      T* row = base + c * sc + y * sy;
      for (std::int64_t x = 0; x < width; ++x) row[x * sx] = convert(in[x]);
    }
  }
}

// f32 as is; bf16 by c10::BFloat16's round-to-nearest-even; u8 by `to_u8` (already-final values).
template <class ToU8>
void write_converted(const float* chw, torch::Tensor& out, std::int64_t sample, ToU8 to_u8) {
  switch (out.scalar_type()) {
    case torch::kFloat32: write_sample<float>(chw, out, sample, [](float v) { return v; }); break;
    case torch::kBFloat16:
      write_sample<c10::BFloat16>(chw, out, sample, [](float v) { return c10::BFloat16(v); });
      break;
    default: write_sample<std::uint8_t>(chw, out, sample, to_u8); break;
  }
}

}  // namespace tessera::ops::packed
