// cuda::preprocess_images: the descriptors of preprocess_images' kernel, uploaded on torch's
// current stream, then one launch (packed_batch_cuda.h). Arguments were validated by
// preprocess_images.cpp.
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <cstdint>

#include "packed_batch_cuda.h"
#include "preprocess_launch.h"
#include "tessera/ops/detail/preprocess_descriptors.h"

namespace tessera::ops::cuda {

void preprocess_images(const PackedBatch& batch, const ImagePreprocessSpec& spec,
                       const std::vector<SampleParams>& params, torch::Tensor& out) {
  const c10::cuda::CUDAGuard guard(batch.values.device());
  if (batch.sources.empty()) return;
  const torch::Tensor samples =
      device_descriptors<detail::SampleGeometry>(batch.sources.size(), batch.values.device(), [&](std::size_t i) {
        return detail::sample_geometry(batch.sources[i], spec.resize_h, spec.resize_w, params[i]);
      });

  detail::ImageBatchParams launch;
  launch.out = output_spec(out);
  detail::set_normalisation(launch, spec, batch.channels);
  launch_preprocess_images(batch.values.data_ptr<std::uint8_t>(),
                           reinterpret_cast<const detail::SampleGeometry*>(samples.data_ptr<std::uint8_t>()), launch,
                           c10::cuda::getCurrentCUDAStream(batch.values.device().index()).stream());
}

}  // namespace tessera::ops::cuda
