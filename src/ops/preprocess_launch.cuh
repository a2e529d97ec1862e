#pragma once
// Internal to the two kernels (preprocess_images.cu, preprocess_medical.cu): how threads map to
// (sample, row, group of 4 pixels), the one kernel template both instantiate, and launch checks.
// The arithmetic lives in include/tessera/ops/detail/preprocess_*_kernel.h, shared with the
// host-side tests that replay this grid.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "tessera/ops/detail/preprocess_kernel_common.h"

namespace tessera::ops::cuda {

using detail::kGroupPixels;

constexpr int kThreadsPerBlock = 256;
constexpr int kMaxGridYZ = 65535;  // CUDA's limit on gridDim.y and gridDim.z

// threadIdx.x walks the groups of a row (consecutive threads store consecutive 16-byte chunks),
// threadIdx.y walks rows. Narrow outputs get fewer threads along x so blocks are not mostly idle.
// Rows and samples beyond the grid limits are covered by the grid-stride loops in the kernels.
struct LaunchShape {
  dim3 grid, block;
};

inline LaunchShape launch_shape(const detail::OutputSpec& out) {
  const int groups = (out.out_w + kGroupPixels - 1) / kGroupPixels;
  int block_x = 1;
  while (block_x < groups && block_x < 32) block_x *= 2;
  const int block_y = kThreadsPerBlock / block_x;
  const unsigned grid_x = static_cast<unsigned>((groups + block_x - 1) / block_x);
  const unsigned grid_y = static_cast<unsigned>(std::min((out.out_h + block_y - 1) / block_y, kMaxGridYZ));
  const unsigned grid_z = static_cast<unsigned>(std::min(out.batch, kMaxGridYZ));
  return {dim3(grid_x, grid_y, grid_z), dim3(static_cast<unsigned>(block_x), static_cast<unsigned>(block_y), 1)};
}

// One kernel shape for both operators: `Group::run` is detail::image_group<C> or medical_group<C>,
// which computes one group of 4 output pixels of one row of one sample.
template <class Group, class Value, class Sample, class Params>
__global__ void __launch_bounds__(kThreadsPerBlock)
    batch_rows_kernel(const Value* __restrict__ values, const Sample* __restrict__ samples, const Params params) {
  const int groups = (params.out.out_w + kGroupPixels - 1) / kGroupPixels;
  const int group = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (group >= groups) return;
  const int row_stride = static_cast<int>(gridDim.y * blockDim.y);
  for (int sample = static_cast<int>(blockIdx.z); sample < params.out.batch; sample += static_cast<int>(gridDim.z)) {
    for (int row = static_cast<int>(blockIdx.y * blockDim.y + threadIdx.y); row < params.out.out_h; row += row_stride) {
      Group::run(values, samples, params, sample, row, group);
    }
  }
}

inline void check_launch(const char* where) {
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string(where) + ": kernel launch failed: " + cudaGetErrorName(status) + " (" +
                             cudaGetErrorString(status) + ")");
  }
}

inline void check_channels(int channels, const char* where) {
  if (channels != 1 && channels != 3) {
    throw std::invalid_argument(std::string(where) + ": channels must be 1 or 3, got " + std::to_string(channels));
  }
}

}  // namespace tessera::ops::cuda
