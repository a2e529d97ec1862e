// The preprocess_images kernel: one launch covers a whole batch of u8 images of different sizes.
// The per-thread arithmetic is detail::image_group (detail/preprocess_images_kernel.h); the grid
// and the kernel template are in preprocess_launch.cuh.
#include "preprocess_launch.cuh"
#include "preprocess_launch.h"
#include "tessera/ops/detail/preprocess_images_kernel.h"

namespace tessera::ops::cuda {
namespace {

template <int kChannels>
struct ImageGroup {
  __device__ static void run(const std::uint8_t* values, const detail::SampleGeometry* samples,
                             const detail::ImageBatchParams& params, int sample, int row, int group) {
    detail::image_group<kChannels>(values, samples, params, sample, row, group);
  }
};

}  // namespace

void launch_preprocess_images(const std::uint8_t* values, const detail::SampleGeometry* samples,
                              const detail::ImageBatchParams& params, cudaStream_t stream) {
  check_channels(params.out.channels, "launch_preprocess_images");
  if (params.out.batch == 0 || params.out.out_h == 0 || params.out.out_w == 0) return;  // nothing to write
  const LaunchShape shape = launch_shape(params.out);
  if (params.out.channels == 3) {
    batch_rows_kernel<ImageGroup<3>><<<shape.grid, shape.block, 0, stream>>>(values, samples, params);
  } else {
    batch_rows_kernel<ImageGroup<1>><<<shape.grid, shape.block, 0, stream>>>(values, samples, params);
  }
  check_launch("launch_preprocess_images");
}

}  // namespace tessera::ops::cuda
