#pragma once
// Launchers of the two preprocessing kernels (preprocess_images.cu, preprocess_medical.cu): raw
// device pointers and a stream, no torch types, so the .cu compiles without torch headers (README, Architecture: ops).
// Each launches one kernel for the whole batch and throws std::runtime_error when the launch
// fails. `samples` is a device array of out.batch descriptors.
#include <cuda_runtime_api.h>

#include <cstdint>

#include "tessera/ops/detail/preprocess_images_kernel.h"
#include "tessera/ops/detail/preprocess_medical_kernel.h"

namespace tessera::ops::cuda {

// values: the packed u8 batch; params.out.channels is 1 or 3.
void launch_preprocess_images(const std::uint8_t* values, const detail::SampleGeometry* samples,
                              const detail::ImageBatchParams& params, cudaStream_t stream);

// values: the packed 16-bit stored words; params.out.channels (copies of the plane) is 1 or 3.
void launch_preprocess_medical(const std::uint16_t* values, const detail::MedicalSample* samples,
                               const detail::MedicalBatchParams& params, cudaStream_t stream);

}  // namespace tessera::ops::cuda
