// The preprocess_medical kernel: one launch covers a whole batch of 16-bit sources of different
// sizes. The per-thread arithmetic is detail::medical_group (detail/preprocess_medical_kernel.h);
// the grid and the kernel template are in preprocess_launch.cuh.
#include "preprocess_launch.cuh"
#include "preprocess_launch.h"
#include "tessera/ops/detail/preprocess_medical_kernel.h"

namespace tessera::ops::cuda {
namespace {

template <int kOutChannels>
struct MedicalGroup {
  __device__ static void run(const std::uint16_t* values, const detail::MedicalSample* samples,
                             const detail::MedicalBatchParams& params, int sample, int row, int group) {
    detail::medical_group<kOutChannels>(values, samples, params, sample, row, group);
  }
};

}  // namespace

void launch_preprocess_medical(const std::uint16_t* values, const detail::MedicalSample* samples,
                               const detail::MedicalBatchParams& params, cudaStream_t stream) {
  check_channels(params.out.channels, "launch_preprocess_medical");
  if (params.out.batch == 0 || params.out.out_h == 0 || params.out.out_w == 0) return;
  const LaunchShape shape = launch_shape(params.out);
  if (params.out.channels == 3) {
    batch_rows_kernel<MedicalGroup<3>><<<shape.grid, shape.block, 0, stream>>>(values, samples, params);
  } else {
    batch_rows_kernel<MedicalGroup<1>><<<shape.grid, shape.block, 0, stream>>>(values, samples, params);
  }
  check_launch("launch_preprocess_medical");
}

}  // namespace tessera::ops::cuda
