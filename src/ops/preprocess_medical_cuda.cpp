// cuda::preprocess_medical: the descriptors of preprocess_medical's kernel, uploaded on torch's
// current stream, then one launch (packed_batch_cuda.h). Arguments were validated by
// preprocess_medical.cpp.
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <cstdint>

#include "packed_batch_cuda.h"
#include "preprocess_launch.h"
#include "tessera/ops/detail/preprocess_descriptors.h"

namespace tessera::ops::cuda {

void preprocess_medical(const PackedBatch& batch, const MedicalPreprocessSpec& spec,
                        const std::vector<MedicalIntensity>& intensities, const std::vector<SampleParams>& params,
                        torch::Tensor& out) {
  const c10::cuda::CUDAGuard guard(batch.values.device());
  if (batch.sources.empty()) return;
  const torch::Tensor samples = device_descriptors<detail::MedicalSample>(
      batch.sources.size(), batch.values.device(),
      [&](std::size_t i) { return detail::medical_sample(batch.sources[i], spec, intensities[i], params[i]); });

  detail::MedicalBatchParams launch;
  launch.out = output_spec(out);
  launch.mean = spec.mean;
  launch.std = spec.std;
  launch_preprocess_medical(reinterpret_cast<const std::uint16_t*>(batch.values.data_ptr<std::int16_t>()),
                            reinterpret_cast<const detail::MedicalSample*>(samples.data_ptr<std::uint8_t>()), launch,
                            c10::cuda::getCurrentCUDAStream(batch.values.device().index()).stream());
}

}  // namespace tessera::ops::cuda
